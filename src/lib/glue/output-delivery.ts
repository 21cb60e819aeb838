/**
 * Where cdr-normalize's outputs go: each message in a send() call of its own,
 * or, with a batch size, gathered into one message per batch (lib/cdr/batch),
 * which `flush()` hands over at once on close.
 *
 * Why one send() per message: a lone message to a lone wire takes the
 * runtime's shortest path (no arrays of send events, no clone). Node-RED
 * deep-clones every message after the first of one send() call; messages built
 * from one input share what they copied from it (msg.source, the vendor record,
 * any property a flow put there, values of the record kept in the Cdr's extra),
 * so every message after the first of one push still gets that deep copy
 * (`ownCopy`, the runtime's own clone): a node downstream that changes one
 * cannot change another. Most inputs give one output, and it is never copied.
 */
import { Batcher, type BatchSettings } from '../cdr/batch';
import type { Output } from '../cdr/pipeline';

export class OutputDelivery<M, T> {
  private readonly batcher: Batcher<T> | null;

  constructor(
    settings: BatchSettings,
    private readonly toMessage: (o: Output<M>) => T,
    /** A full (or timed-out) batch of messages, to be sent as one. */
    emitBatch: (messages: T[]) => void,
    onError: (err: Error) => void,
    /** A deep copy of a message that is not the first built from one input. */
    private readonly ownCopy: (m: T) => T = (m) => m,
  ) {
    this.batcher = settings.maxRecords > 0 ? new Batcher<T>(settings, emitBatch, onError) : null;
  }

  deliver(outputs: Array<Output<M>>, send: (m: T) => void): void {
    if (outputs.length === 0) return;
    if (this.batcher) {
      for (const o of outputs) this.batcher.add(this.toMessage(o));
      return;
    }
    // Built and sent one at a time, in order: the runtime delivers them in the order sent.
    for (let i = 0; i < outputs.length; i++) {
      const m = this.toMessage(outputs[i]!);
      send(i === 0 ? m : this.ownCopy(m));
    }
  }

  flush(): void {
    this.batcher?.flush();
  }
}

/**
 * Where cdr-normalize's outputs go: one message each on the input's `send`, or,
 * with a batch size, gathered into one message per batch (lib/cdr/batch),
 * which `flush()` hands over at once on close.
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
  ) {
    this.batcher = settings.maxRecords > 0 ? new Batcher<T>(settings, emitBatch, onError) : null;
  }

  deliver(outputs: Array<Output<M>>, send: (m: T[][]) => void): void {
    if (outputs.length === 0) return;
    if (this.batcher) for (const o of outputs) this.batcher.add(this.toMessage(o));
    else send([outputs.map(this.toMessage)]);
  }

  flush(): void {
    this.batcher?.flush();
  }
}

/**
 * Batch output of a source node (optional, `batchSize` / `batchMs`): the
 * per-record messages of the source layer gathered into one message of up to
 * N records or T ms, whichever comes first. One message per batch takes the
 * runtime's per-message cost off each record (its ceiling is messages, not
 * records), and is what a raw-archive INSERT wants.
 *
 * A source batch keeps what differs per record in `msg.batch.parts` (its
 * source, acknowledgement handles, `redelivered`, `late`…), so cdr-normalize
 * takes it apart into the very messages it would have had one by one.
 *
 * What a batch in hand becomes on close: with the journal it stays there,
 * unacknowledged, and is replayed on the next start (sending it to flows being
 * stopped could lose it); without the journal it is sent before close ends.
 */
import { Batcher, type BatchSettings } from '../cdr/batch';
import { ACK_PROPERTY, acknowledge, mergeAckHandles } from './ack-registry';

type Msg = Record<string, unknown>;

/** `msg.batch` of a source batch. */
export interface SourceBatchInfo {
  count: number;
  /** Per record, in `payload` order: its message without `payload` and `topic`. */
  parts: Msg[];
}

/** One message for a run of per-record source messages (the first one's topic and source on top). */
export function sourceBatchMessage(msgs: Msg[]): Msg {
  const payload = new Array<unknown>(msgs.length);
  const parts = new Array<Msg>(msgs.length);
  for (let i = 0; i < msgs.length; i++) {
    const { payload: p, topic: _topic, ...rest } = msgs[i]!;
    payload[i] = p;
    parts[i] = rest;
  }
  const first = msgs[0] ?? {};
  const out: Msg = { payload, topic: first['topic'], source: first['source'] };
  // One cdr-ack straight after the source (or after a sink taking the batch) lets them all go.
  const handles = mergeAckHandles(msgs);
  if (handles.length > 0) out[ACK_PROPERTY] = handles;
  const batch: SourceBatchInfo = { count: msgs.length, parts };
  out['batch'] = batch;
  return out;
}

/** Properties of a source batch's message that are the batch's own, not each record's. */
const BATCH_OWN = new Set(['payload', 'batch', ACK_PROPERTY, 'source']);

/**
 * The per-record messages of a source batch, in order; null when `msg` is not
 * one. Each is the record's part itself, given its payload and whatever the
 * batch's message carries beside (topic, _msgid, properties a flow set), a
 * part's own value first: the batch was this receiver's to take apart (the
 * runtime copies a message for every further wire), and a new object per
 * record cost more than the record's normalizing.
 */
export function partsOfSourceBatch(msg: Msg): Msg[] | null {
  const batch = msg['batch'] as Partial<SourceBatchInfo> | undefined;
  const payload = msg['payload'];
  if (!batch || typeof batch !== 'object' || !Array.isArray(batch.parts) || !Array.isArray(payload) || batch.parts.length !== payload.length) return null;
  const common: string[] = [];
  for (const k in msg) if (Object.prototype.hasOwnProperty.call(msg, k) && !BATCH_OWN.has(k)) common.push(k);
  const parts = batch.parts as unknown[];
  const out = new Array<Msg>(parts.length);
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    const part: Msg = p !== null && typeof p === 'object' && !Array.isArray(p) ? (p as Msg) : {};
    for (const k of common) if (!Object.prototype.hasOwnProperty.call(part, k)) part[k] = msg[k];
    part['payload'] = payload[i];
    out[i] = part;
  }
  return out;
}

/**
 * A message handler that takes a source batch as its records, one message each
 * (`done` once, after the last); any other message as it is.
 */
export function eachRecordOf<M, S>(handle: (msg: M, send: S, done: (err?: Error) => void) => void): (msg: M, send: S, done: (err?: Error) => void) => void {
  return (msg, send, done) => {
    const parts = partsOfSourceBatch(msg as unknown as Msg);
    if (!parts) return handle(msg, send, done);
    for (const part of parts) handle(part as unknown as M, send, () => undefined);
    done();
  };
}

/** How many records a message of the source layer carries (a batch: its count). */
export function recordsIn(msg: Msg): number {
  const batch = msg['batch'] as { count?: unknown } | undefined;
  return batch && typeof batch.count === 'number' ? batch.count : 1;
}

export interface BatchOutputOptions {
  settings: BatchSettings;
  /** Records are journaled: a batch in hand at close is left to the journal's replay. */
  journaled: boolean;
  /**
   * The source counts a record delivered once sent ('sent' mode, journaled):
   * the delivery leaves that to this output, which acknowledges a batch's
   * handles only once it really went out.
   */
  ackOnSend: boolean;
  send(msg: Msg, records: number): void;
  onError(err: Error): void;
}

export class BatchOutput {
  private readonly batcher: Batcher<Msg> | null;
  private closed = false;
  private ackOnSend: boolean;
  /** Messages taken while ackOnSend held: acknowledged once their batch goes (the mode may change in between). */
  private readonly ackWhenSent = new WeakSet<Msg>();

  constructor(private readonly opts: BatchOutputOptions) {
    this.ackOnSend = opts.ackOnSend;
    this.batcher = opts.settings.maxRecords > 0 ? new Batcher<Msg>(opts.settings, (msgs) => this.sendBatch(msgs), opts.onError) : null;
  }

  /** True when records are gathered (batch size above 0). */
  get batching(): boolean {
    return this.batcher !== null;
  }

  /** Records held, not yet sent. */
  get held(): number {
    return this.batcher ? this.batcher.held : 0;
  }

  /** The source's mode changed (a redeploy): messages taken from now on follow it. */
  setAckOnSend(on: boolean): void {
    this.ackOnSend = on;
  }

  /** Takes one record's message. */
  add(msg: Msg): void {
    if (!this.batcher) {
      this.opts.send(msg, 1);
      return;
    }
    if (this.ackOnSend) this.ackWhenSent.add(msg);
    if (!this.closed) {
      this.batcher.add(msg);
      return;
    }
    // Handed on while closing (a journal write that was in flight): the journal replays it; without one it goes now.
    if (!this.opts.journaled) this.sendBatch([msg]);
  }

  /** Close: sends what is held (no journal) or leaves it to the journal's replay. */
  close(): void {
    if (this.closed || !this.batcher) return;
    this.closed = true;
    if (this.opts.journaled) this.batcher.discard();
    else this.batcher.flush();
  }

  private sendBatch(msgs: Msg[]): void {
    const out = sourceBatchMessage(msgs);
    this.opts.send(out, msgs.length);
    const acked = msgs.filter((m) => this.ackWhenSent.has(m));
    if (acked.length > 0) acknowledge(mergeAckHandles(acked));
  }
}

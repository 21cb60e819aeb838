/**
 * Batch output: records gathered into one message of up to `maxRecords`, or
 * whatever arrived within `maxMs` of the first one, whichever comes first.
 * One message per batch is what a database node wants for a multi-row INSERT,
 * and it takes the per-message cost of the runtime off each record.
 */
import { ACK_PROPERTY, mergeAckHandles } from '../source/ack-registry';

export interface BatchSettings {
  /** Records per batch; 0 = no batching (one message per record). */
  maxRecords: number;
  /** Longest a record waits for its batch to fill, in ms. */
  maxMs: number;
}

export const BATCH_DEFAULTS: BatchSettings = { maxRecords: 0, maxMs: 1000 };
export const BATCH_MAX_RECORDS = 100_000;

/** Reads `batchSize` / `batchMs` of a node's settings; `problems` gets a line per bad value. */
export function batchSettingsOf(input: { batchSize?: unknown; batchMs?: unknown }, problems: string[]): BatchSettings {
  const num = (v: unknown, fallback: number): number => (v === undefined || v === '' ? fallback : Number(v));
  const maxRecords = num(input.batchSize, BATCH_DEFAULTS.maxRecords);
  const maxMs = num(input.batchMs, BATCH_DEFAULTS.maxMs);
  if (!Number.isInteger(maxRecords) || maxRecords < 0 || maxRecords > BATCH_MAX_RECORDS) problems.push(`batch size must be a whole number from 0 (off) to ${BATCH_MAX_RECORDS}`);
  if (!Number.isFinite(maxMs) || maxMs < 1 || maxMs > 3_600_000) problems.push('batch wait must be from 1 to 3600000 ms');
  return { maxRecords: Number.isInteger(maxRecords) && maxRecords >= 0 ? Math.min(maxRecords, BATCH_MAX_RECORDS) : 0, maxMs: Number.isFinite(maxMs) && maxMs >= 1 ? maxMs : BATCH_DEFAULTS.maxMs };
}

/**
 * Gathers items in arrival order and hands each full (or timed-out) batch to
 * `emit`. `flush()` hands over what is held at once (close, redeploy): nothing
 * stays behind. `emit` errors are the caller's; the timer callback guards them
 * so an exception never escapes a timer.
 */
export class Batcher<T> {
  private items: T[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly settings: BatchSettings,
    private readonly emit: (items: T[]) => void,
    private readonly onError: (err: Error) => void = () => undefined,
  ) {}

  get held(): number {
    return this.items.length;
  }

  add(item: T): void {
    this.items.push(item);
    if (this.items.length >= this.settings.maxRecords) this.flush();
    else if (this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        try {
          this.flush();
        } catch (err) {
          this.onError(err as Error);
        }
      }, this.settings.maxMs);
    }
  }

  /** Lets go of what is held without handing it over (a journal keeps it for its replay). */
  discard(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.items = [];
  }

  flush(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.items.length === 0) return;
    const batch = this.items;
    this.items = [];
    this.emit(batch);
  }
}

/**
 * One message for a batch of per-record messages: the first one's properties
 * (topic, source, …), `payload` the records in order, `batch.count`, and
 * `duplicates` the positions of records marked as repeats (dedupe "mark").
 * The vendor records are not carried: a batch is for storing Cdrs.
 */
export function batchMessage(messages: Array<Record<string, unknown>>): Record<string, unknown> {
  const first = messages[0] ?? {};
  const out: Record<string, unknown> = { ...first };
  delete out['vendorRecord'];
  delete out['vendorRecords'];
  delete out['duplicate'];
  const payload = new Array<unknown>(messages.length);
  let duplicates: number[] | null = null;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i] as Record<string, unknown>;
    payload[i] = m['payload'];
    if (m['duplicate'] === true) (duplicates ??= []).push(i);
  }
  out['payload'] = payload;
  // The acknowledgement handles of every record in the batch travel with it, so one cdr-ack after the sink lets them all go.
  const handles = mergeAckHandles(messages);
  if (handles.length > 0) out[ACK_PROPERTY] = handles;
  else delete out[ACK_PROPERTY];
  out['batch'] = { count: messages.length };
  if (duplicates) out['duplicates'] = duplicates;
  return out;
}

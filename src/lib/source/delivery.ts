/**
 * What every source does with a record it received, without Node-RED:
 * journal it (durable before anything is acknowledged to the sender), hand it
 * on with an acknowledgement handle, let it go once acknowledged, re-send it
 * when no acknowledgement came in time, and replay whatever was never
 * acknowledged after a restart or redeploy.
 *
 * Two ways a record counts as delivered:
 *  - 'sent': once handed on (no cdr-ack in the flow: today's behaviour);
 *  - 'downstream': once a cdr-ack after the user's sink acknowledged its handle;
 *    until then it is re-sent every `ackTimeoutMs` (at-least-once, repeats
 *    keep their id, and carry `redelivered`).
 */
import type { SourceInfo } from '../glue/source-message';
import { registerAckOwner, type AckOwner } from './ack-registry';
import { Journal, JournalFullError, type JournalOptions, type JournalStats } from './journal';

/** One record as a source hands it on (and as the journal keeps it). */
export interface StoredRecord {
  payload: unknown;
  source: SourceInfo;
  /** Extra message properties (e.g. `late`). */
  extra?: Record<string, unknown>;
}

export type AckMode = 'sent' | 'downstream';

export interface DeliveryOptions {
  /** null: no journal (records are only as safe as the process). */
  journal: JournalOptions | null;
  ackMode: AckMode;
  /** Re-send a record not acknowledged downstream after this long, in ms (default 60000). */
  ackTimeoutMs?: number;
  /**
   * Hands a record on. `handles` go in `msg.cdrAck`; `redelivered` is true for
   * a replay or a re-send (cdr-normalize never drops those as repeats).
   */
  emit(record: StoredRecord, handles: string[], redelivered: boolean): void;
  onWarning?(message: string): void;
  /** Records were acknowledged (for the status). */
  onAcknowledged?(): void;
  /**
   * In 'sent' mode, the record is not counted delivered when handed on: whoever
   * `emit` hands it to (a batch output holding it) acknowledges its handles once
   * it really went out.
   */
  ackAfterEmit?: boolean;
  /** Nothing is handed on (replay included) before this resolves: Node-RED's flows must be started. */
  startAfter?: Promise<void>;
}

export interface DeliveryCounts {
  /** Records taken (journaled when the journal is on). */
  accepted: number;
  /** Records handed on again after a restart. */
  replayed: number;
  /** Records handed on again after the acknowledgement timeout. */
  resent: number;
  /** Records refused because the journal was full or failing. */
  refused: number;
}

export { JournalFullError };

export class Delivery {
  readonly counts: DeliveryCounts = { accepted: 0, replayed: 0, resent: 0, refused: 0 };
  private readonly timeoutMs: number;
  /** Sequence → when it is re-sent unless acknowledged (downstream mode). */
  private readonly due = new Map<number, number>();
  private timer: NodeJS.Timeout | null = null;
  /** accept() calls not settled yet, and close() waiting for them. */
  private inHand = 0;
  private readonly idle: Array<() => void> = [];
  /** The last records offered were refused (until some are taken again). */
  private lastRefused = false;
  private closed = false;

  private constructor(
    private readonly opts: DeliveryOptions,
    private readonly journal: Journal | null,
    private readonly owner: AckOwner | null,
  ) {
    this.timeoutMs = opts.ackTimeoutMs ?? 60_000;
  }

  /** Opens the journal (if any) and replays what it holds unacknowledged. */
  static async open(opts: DeliveryOptions): Promise<Delivery> {
    if (!opts.journal) {
      await opts.startAfter;
      return new Delivery(opts, null, null);
    }
    const { journal, unacknowledged } = await Journal.open(opts.journal);
    await opts.startAfter;
    let delivery: Delivery | null = null;
    const owner = registerAckOwner((seqs) => delivery?.acknowledged(seqs));
    delivery = new Delivery(opts, journal, owner);
    for (const r of unacknowledged) {
      const record = delivery.decode(r.data, r.seq);
      if (!record) continue;
      delivery.counts.replayed++;
      delivery.handOn(r.seq, record, true);
    }
    return delivery;
  }

  get ackMode(): AckMode {
    return this.opts.ackMode;
  }

  get journaled(): boolean {
    return this.journal !== null;
  }

  get journalStats(): JournalStats | null {
    return this.journal ? this.journal.stats : null;
  }

  /** True while new records would be refused (journal full or failed). */
  get refusing(): boolean {
    return this.journal !== null && (this.lastRefused || this.journal.wouldRefuse());
  }

  /**
   * Takes records: resolves once they are all durable in the journal and handed
   * on. Rejects with JournalFullError (nothing of the batch is handed on) when
   * the journal cannot take them all.
   */
  accept(records: StoredRecord[]): Promise<void> {
    // close() waits for these: their acknowledgements must reach the journal before it closes.
    this.inHand++;
    const p = this.acceptNow(records);
    const settle = (): void => {
      if (--this.inHand === 0) for (const resolve of this.idle.splice(0)) resolve();
    };
    p.then(settle, settle);
    return p;
  }

  private async acceptNow(records: StoredRecord[]): Promise<void> {
    if (!this.journal) {
      for (const r of records) {
        this.counts.accepted++;
        this.safeEmit(r, [], false);
      }
      return;
    }
    const datas = records.map((r) => JSON.stringify(r));
    // UTF-8 takes at most 3 bytes per UTF-16 unit: a bound, without encoding twice.
    const total = datas.reduce((n, d) => n + d.length * 3 + 16, 0);
    if (this.closed || this.journal.wouldRefuse(total)) {
      this.counts.refused += records.length;
      this.lastRefused = !this.closed;
      throw this.closed ? new Error('the source is closing') : new JournalFullError(this.journal.stats.maxBytes);
    }
    const taken: Array<{ seq: number; durable: Promise<void> }> = [];
    try {
      for (const d of datas) taken.push(this.journal.appendText(d));
    } catch (err) {
      this.counts.refused += records.length - taken.length;
      this.lastRefused = true;
      // Records appended before the refusal are kept: they are handed on below.
      if (taken.length === 0) throw err;
    }
    if (taken.length === records.length) this.lastRefused = false;
    // Records appended together share their batch's promise.
    if (taken.length === 1) await taken[0]!.durable;
    else await Promise.all(taken.map((t) => t.durable));
    taken.forEach((t, i) => {
      this.counts.accepted++;
      this.handOn(t.seq, records[i]!, false);
    });
    if (taken.length < records.length) throw new JournalFullError(this.journal.stats.maxBytes);
  }

  /** True when the journal would take these records now (checked before a file source lets its position move past them). */
  fits(records: StoredRecord[]): boolean {
    if (!this.journal) return !this.closed;
    const total = records.reduce((n, r) => n + Buffer.byteLength(JSON.stringify(r)) + 16, 0);
    return !this.closed && !this.journal.wouldRefuse(total);
  }

  /** Resolves when there may be room for new records again. */
  whenSpace(): Promise<void> {
    return this.journal ? this.journal.whenSpace() : Promise.resolve();
  }

  /** Resolves once every record taken so far is durable (a file checkpoint may then move past it). */
  flush(): Promise<void> {
    return this.journal ? this.journal.flush() : Promise.resolve();
  }

  /** Stops re-sending, writes what is pending and closes the journal; what is unacknowledged stays for the next start. */
  async close(): Promise<void> {
    if (this.inHand > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.owner?.release();
    if (this.journal) await this.journal.close();
  }

  private acknowledged(seqs: number[]): void {
    if (!this.journal) return;
    for (const s of seqs) this.due.delete(s);
    this.journal.ack(seqs);
    this.opts.onAcknowledged?.();
  }

  private handOn(seq: number, record: StoredRecord, redelivered: boolean): void {
    this.safeEmit(record, [this.owner!.token(seq)], redelivered);
    if (this.opts.ackMode === 'sent') {
      if (!this.opts.ackAfterEmit) this.journal!.ack([seq]);
      return;
    }
    this.due.set(seq, Date.now() + this.timeoutMs);
    this.arm();
  }

  private safeEmit(record: StoredRecord, handles: string[], redelivered: boolean): void {
    try {
      this.opts.emit(record, handles, redelivered);
    } catch (err) {
      this.opts.onWarning?.(`handing a record on failed: ${(err as Error).message}`);
    }
  }

  private decode(data: Buffer, seq: number): StoredRecord | null {
    try {
      const r = JSON.parse(data.toString('utf8')) as StoredRecord;
      if (r && typeof r === 'object' && 'source' in r) return r;
    } catch {
      // reported below
    }
    this.opts.onWarning?.(`journal record ${seq} is not a record and is dropped`);
    this.journal?.ack([seq]);
    return null;
  }

  private arm(): void {
    if (this.timer || this.closed || this.due.size === 0) return;
    // Records are due in the order they were sent: the first in the map is the earliest.
    const first = this.due.values().next().value as number;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.resendDue();
    }, Math.max(10, first - Date.now()));
    this.timer.unref();
  }

  private async resendDue(): Promise<void> {
    const now = Date.now();
    const dueNow: number[] = [];
    for (const [seq, at] of this.due) {
      if (at > now) break;
      dueNow.push(seq);
    }
    for (const seq of dueNow) {
      if (this.closed) return;
      this.due.delete(seq);
      let data: Buffer | null = null;
      try {
        data = await this.journal!.read(seq);
      } catch (err) {
        this.opts.onWarning?.(`journal record ${seq} could not be read back: ${(err as Error).message}`);
      }
      if (!data || this.closed || !this.journal!.isUnacknowledged(seq)) continue;
      const record = this.decode(data, seq);
      if (!record) continue;
      this.counts.resent++;
      this.handOn(seq, record, true);
    }
    this.arm();
  }
}

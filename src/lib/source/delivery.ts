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
 *
 * A source that keeps records a while before it hands them on (a reorder
 * window, the events of a gateway call still open) journals them on receipt
 * with {@link Delivery.hold}; it later hands one on with {@link Delivery.release}
 * (the same journal entry: a replay never sends it twice), or lets held ones go
 * with the record that replaces them (`consumes`, written in the same entry, so
 * a crash cannot leave both). After a restart the held records still in the
 * journal are given back to the source ({@link DeliveryOptions.restore}), not
 * handed on.
 */
import type { SourceInfo } from '../glue/source-message';
import { registerAckOwner, type AckOwner } from './ack-registry';
import { Journal, JournalFullError, textLength, type JournalOptions, type JournalStats } from './journal';
import { SlicedQueue } from './sliced-queue';

/** One record as a source hands it on (and as the journal keeps it). */
export interface StoredRecord {
  payload: unknown;
  source: SourceInfo;
  /** Extra message properties (e.g. `late`). */
  extra?: Record<string, unknown>;
  /** Journaled by hold(): kept by the source, given back to it after a restart. */
  held?: boolean;
  /** Sequence numbers of held records this one replaces (a gateway call's events): they go with it. */
  consumes?: number[];
  /**
   * The payload's JSON text exactly as the source received it, when it has it
   * (a frame that is one record): journaled as is rather than serialized again.
   * Never handed on, never journaled as a field (replay parses it into `payload`).
   */
  payloadJson?: string;
}

/** A held record given back to its source after a restart. */
export interface HeldRecord {
  seq: number;
  record: StoredRecord;
}

export type AckMode = 'sent' | 'downstream';

/**
 * What a transport that can push back on its senders offers (a TCP listener
 * stops reading its sockets: the senders' writes wait in TCP's own window).
 */
export interface IntakeThrottle {
  pause(): void;
  resume(): void;
}

/**
 * Records taken and not yet handed on (waiting for their fsync, or for their
 * slice of the hand-on queue) above which a throttled transport stops reading,
 * and below which it reads again. Without it a socket is read as fast as the
 * kernel gives bytes (libuv reads up to 32 chunks a turn), while durable groups
 * enter the flow 128 records a turn: a burst then piles up whole in the heap,
 * every record of it outlives the young generation, and the garbage collector
 * copies and marks all of them.
 */
export const INTAKE_HIGH = 1024;
export const INTAKE_LOW = 256;

/**
 * 'sent' mode: records already handed on that wait only for their journal
 * batch to be written, above which a throttled transport stops reading (and
 * below which it reads again). They are in the flow already, so holding the
 * sender back for them protects no record; counted against INTAKE_HIGH, an
 * fsync of 100 ms stopped a source taking 10,000 records a second, and every
 * record behind it waited. Their cost while they wait is their source's list
 * of them (what an error report names): at about 2 KB a record, 16 MB at most.
 */
export const UNSYNCED_HIGH = 8192;
export const UNSYNCED_LOW = 2048;

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
  /**
   * Held records found unacknowledged at open, oldest first, for the source to
   * take back (into its window, its open calls). Absent: they are handed on like any replay.
   */
  restore?(held: HeldRecord[]): void;
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

/** Records taken in one journal batch: handed on together once it is durable. */
interface Group {
  durable: Promise<void>;
  seqs: number[];
  records: StoredRecord[];
  /** Resolves once they are durable and handed on. */
  done: Promise<void>;
  /** Durable: its hand-on began (each record handed on leaves the backlog then). */
  handing: boolean;
}

/** 'sent' mode: a journal batch whose records were handed on before it was written. */
interface UnsyncedBatch {
  durable: Promise<void>;
  /** Records handed on at once: they leave the backlog when it is written. */
  count: number;
  /** `durable`, with a failure that says they were handed on before it. */
  written: Promise<void>;
}

/**
 * A record's journal entry: the JSON text of `{payload, source, extra?, held?,
 * consumes?}` that replay parses back. With `payloadJson` the payload's text is
 * put in as received (replay parses back the very payload that was handed on),
 * as pieces the journal writes one after the other rather than one joined copy.
 */
export function entryPieces(r: StoredRecord): string | string[] {
  const json = r.payloadJson;
  if (json === undefined) return JSON.stringify(r);
  const pieces = ['{"payload":', json, ',"source":', sourceJson(r.source)];
  if (r.extra !== undefined) pieces.push(',"extra":', JSON.stringify(r.extra));
  if (r.held !== undefined) pieces.push(r.held === true ? ',"held":true' : ',"held":false');
  if (r.consumes !== undefined) pieces.push(',"consumes":', JSON.stringify(r.consumes));
  pieces.push('}');
  return pieces;
}

/**
 * The last `source` serialized, with its keys and values in order: records of
 * one read share peer, format and (to the millisecond) receivedAt, so most
 * take the text already made instead of a JSON text (and its copy) each.
 * Only a source of texts and numbers is compared; any other is serialized.
 */
const lastSource = { keys: [] as string[], values: [] as unknown[], json: '' };

function sourceJson(source: SourceInfo): string {
  const o = source as unknown as Record<string, unknown>;
  const { keys, values } = lastSource;
  let n = 0;
  let same = true;
  for (const k in o) {
    if (!Object.prototype.hasOwnProperty.call(o, k)) continue;
    const v = o[k];
    if (n >= keys.length || keys[n] !== k || values[n] !== v || (typeof v !== 'string' && typeof v !== 'number')) {
      same = false;
      break;
    }
    n++;
  }
  if (same && n === keys.length && n > 0) return lastSource.json;
  const json = JSON.stringify(source);
  keys.length = 0;
  values.length = 0;
  for (const k in o) {
    if (!Object.prototype.hasOwnProperty.call(o, k)) continue;
    keys.push(k);
    values.push(o[k]);
  }
  lastSource.json = json;
  return json;
}

/** entryPieces() as one text. */
export function encode(r: StoredRecord): string {
  const e = entryPieces(r);
  return typeof e === 'string' ? e : e.join('');
}

export class Delivery {
  readonly counts: DeliveryCounts = { accepted: 0, replayed: 0, resent: 0, refused: 0 };
  private readonly timeoutMs: number;
  /** Sequence → when it is re-sent unless acknowledged (downstream mode). */
  private readonly due = new Map<number, number>();
  private timer: NodeJS.Timeout | null = null;
  /** The mode in force: the flows' one at open, changed by setAckMode() (a redeploy that kept this source). */
  private mode: AckMode;
  /** accept() calls not settled yet, and close() waiting for them. */
  private inHand = 0;
  private readonly idle: Array<() => void> = [];
  /** The last records offered were refused (until some are taken again). */
  private lastRefused = false;
  private closed = false;
  /** The records appended to the journal batch being filled now, waiting for it to be durable. */
  private group: Group | null = null;
  /** 'sent' mode: the journal batch being filled now, and how many of its records were handed on already. */
  private unsynced: UnsyncedBatch | null = null;
  /** Durable groups are handed on through it, 128 records per turn of the event loop. */
  private readonly handOns = new SlicedQueue(128);
  /** Records taken and not handed on yet (see INTAKE_HIGH), the transport to hold back, and whether it is. */
  private waiting = 0;
  /** Of those, records handed on in 'sent' mode that wait for their journal batch only (see UNSYNCED_HIGH). */
  private inFlow = 0;
  private throttle: IntakeThrottle | null = null;
  private throttled = false;

  private constructor(
    private readonly opts: DeliveryOptions,
    private readonly journal: Journal | null,
    private readonly owner: AckOwner | null,
  ) {
    this.timeoutMs = opts.ackTimeoutMs ?? 60_000;
    this.mode = opts.ackMode;
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
    const records: HeldRecord[] = [];
    const consumed = new Set<number>();
    for (const r of unacknowledged) {
      const record = delivery.decode(r.data, r.seq);
      if (!record) continue;
      records.push({ seq: r.seq, record });
      for (const c of record.consumes ?? []) consumed.add(c);
    }
    // Held records replaced by a record written before the crash go, even if their acknowledgement was not written.
    if (consumed.size > 0) journal.ack(consumed);
    const held: HeldRecord[] = [];
    for (const r of records) {
      if (consumed.has(r.seq)) continue;
      if (r.record.held && opts.restore) {
        held.push(r);
        continue;
      }
      delivery.counts.replayed++;
      delivery.handOn(r.seq, r.record, true);
    }
    if (held.length > 0) {
      delivery.counts.replayed += held.length;
      try {
        opts.restore!(held);
      } catch (err) {
        opts.onWarning?.(`giving held records back to the source failed: ${(err as Error).message}`);
      }
    }
    return delivery;
  }

  get ackMode(): AckMode {
    return this.mode;
  }

  /**
   * The flows changed and this source stayed (a "modified nodes" deploy): a
   * cdr-ack is now after it, or no longer. Records handed on from now on follow
   * the new mode. Records still waiting for a cdr-ack keep waiting: in 'sent'
   * mode their re-send after the timeout counts them delivered (one repeat, never a loss).
   */
  setAckMode(mode: AckMode): void {
    this.mode = mode;
  }

  /** Records taken and not yet handed on. */
  get backlog(): number {
    return this.waiting;
  }

  /** The transport to stop reading while the backlog is above INTAKE_HIGH (until it falls to INTAKE_LOW). */
  setThrottle(throttle: IntakeThrottle | null): void {
    if (this.throttled) this.throttle?.resume();
    this.throttled = false;
    this.throttle = throttle;
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
    if (!this.journal) {
      for (const r of records) {
        this.counts.accepted++;
        this.safeEmit(r, [], false);
      }
      return Promise.resolve();
    }
    const datas = records.map(entryPieces);
    // UTF-8 takes at most 3 bytes per UTF-16 unit: a bound, without encoding twice.
    let total = 0;
    for (const d of datas) total += textLength(d) * 3 + 16;
    if (this.closed || this.journal.wouldRefuse(total)) {
      this.counts.refused += records.length;
      this.lastRefused = !this.closed;
      return Promise.reject(this.closed ? new Error('the source is closing') : new JournalFullError(this.journal.stats.maxBytes));
    }
    // 'sent': a record counts delivered once handed on, so it is handed on at
    // once (an fsync before it would protect nothing) and only what is
    // acknowledged to the sender (accept() resolving) waits for the fsync.
    // 'downstream': handed on once durable, so a crash cannot lose a record
    // the flow has seen and its sink has not stored.
    const atOnce = this.mode === 'sent';
    let group: Group | null = null;
    const seqs: number[] = [];
    // The journal batch of the last record appended: batches are written in order, and once one
    // fails every later one does, so it is durable only once every earlier record is.
    let durable: Promise<void> | null = null;
    let taken = 0;
    try {
      for (const d of datas) {
        const t = this.journal.appendText(d);
        if (atOnce) {
          seqs.push(t.seq);
          durable = t.durable;
        } else {
          group = this.groupFor(t.durable);
          group.seqs.push(t.seq);
          group.records.push(records[taken]!);
        }
        taken++;
      }
    } catch (err) {
      this.counts.refused += records.length - taken;
      this.lastRefused = true;
      // Records appended before the refusal are kept: they are handed on with their group.
      if (taken === 0) return Promise.reject(err as Error);
    }
    if (taken === records.length) this.lastRefused = false;
    this.waiting += taken;
    this.pauseIfOver();
    // The text is in the journal now: not kept beside the parsed payload while the batch waits for its fsync.
    for (let i = 0; i < taken; i++) if (records[i]!.payloadJson !== undefined) records[i]!.payloadJson = undefined;
    // Written in the same batch, after the records that replace them (and named in those records too).
    for (let i = 0; i < taken; i++) {
      const c = records[i]!.consumes;
      if (c && c.length > 0) this.journal.ack(c);
    }
    const done = atOnce ? this.handOnNow(seqs, taken === records.length ? records : records.slice(0, taken), durable!) : group!.done;
    if (taken < records.length) {
      const maxBytes = this.journal.stats.maxBytes;
      return done.then(() => {
        throw new JournalFullError(maxBytes);
      });
    }
    return done;
  }

  /**
   * The group of records waiting for the journal batch that `durable` belongs
   * to: every accept() of one batch (the frames of a socket read, of a tick)
   * shares one promise and one pass that hands them on, in the order taken,
   * instead of a promise chain per call.
   */
  private groupFor(durable: Promise<void>): Group {
    const open = this.group;
    if (open && open.durable === durable) return open;
    // close() waits for this group: its acknowledgements must reach the journal before it closes.
    this.inHand++;
    const group: Group = { durable, seqs: [], records: [], handing: false, done: durable.then(() => this.handOnGroup(group)) };
    const settle = (): void => {
      if (this.group === group) this.group = null;
      if (--this.inHand === 0) for (const resolve of this.idle.splice(0)) resolve();
    };
    // A batch that never became durable is never handed on: its records leave the backlog here.
    const failed = (): void => {
      if (!group.handing) this.leaveBacklog(group.records.length);
      settle();
    };
    group.done.then(settle, failed);
    this.group = group;
    return group;
  }

  /**
   * 'sent' mode: records just appended are handed on now (through the sliced
   * queue, after whatever is queued before them); they stay in the backlog,
   * holding a throttled sender back, until they are durable too. Resolves once
   * both are done; rejects when the write failed (then the sender is told, and
   * a sender that retries sends a repeat, which keeps its id).
   */
  private handOnNow(seqs: number[], records: StoredRecord[], durable: Promise<void>): Promise<void> {
    this.counts.accepted += seqs.length;
    const group: Group = { durable, seqs, records, handing: true, done: durable };
    const handed = this.handOns.push(seqs.length, (from, to) => this.emitRange(group, from, to, false));
    const batch = this.unsyncedBatch(durable);
    const written = batch.written;
    if (!handed) {
      // Handed on already: they leave the backlog with their journal batch, counted there.
      batch.count += seqs.length;
      return written;
    }
    // Queued behind others: they leave the backlog once both are done.
    this.inHand++;
    void Promise.allSettled([written, handed]).then(() => {
      this.leaveBacklog(seqs.length, true);
      this.settled();
    });
    return Promise.all([written, handed]).then(() => undefined);
  }

  /**
   * The journal batch `durable` belongs to, for records handed on before it was
   * written: one promise per batch (the frames of one socket read share it, as
   * they share a group in 'downstream' mode), whose failure says that they are
   * in the flow but not in the journal, and the count of them it lets go.
   */
  private unsyncedBatch(durable: Promise<void>): UnsyncedBatch {
    const open = this.unsynced;
    if (open && open.durable === durable) return open;
    const batch: UnsyncedBatch = {
      durable,
      count: 0,
      written: durable.catch((err: Error) => {
        throw new Error(`${err.message} (the records were handed on before it; a restart does not replay them)`, { cause: err });
      }),
    };
    this.unsynced = batch;
    this.inHand++;
    const settle = (): void => {
      if (this.unsynced === batch) this.unsynced = null;
      this.leaveBacklog(batch.count, true);
      this.settled();
    };
    batch.written.then(settle, settle);
    return batch;
  }

  /** One of the groups close() waits for is done. */
  private settled(): void {
    if (--this.inHand === 0) for (const resolve of this.idle.splice(0)) resolve();
  }

  /** Hands a durable group on through the sliced queue; resolves once all of it is handed on. */
  private handOnGroup(group: Group): Promise<void> | void {
    group.handing = true;
    if (this.group === group) this.group = null;
    this.counts.accepted += group.seqs.length;
    return this.handOns.push(group.seqs.length, (from, to) => this.emitRange(group, from, to));
  }

  /** Records from..to of a group handed on (leaving the backlog, unless they wait for their fsync still). */
  private emitRange(group: Group, from: number, to: number, leave = true): void {
    const { seqs, records } = group;
    if (leave) this.leaveBacklog(to - from);
    else {
      this.inFlow += to - from;
      this.pauseIfOver();
    }
    if (this.mode === 'sent' && !this.opts.ackAfterEmit) {
      // Delivered once handed on: one acknowledgement per slice, not one per record.
      for (let i = from; i < to; i++) this.safeEmit(records[i]!, [this.owner!.token(seqs[i]!)], false);
      this.journal!.ack(from === 0 && to === seqs.length ? seqs : seqs.slice(from, to));
      return;
    }
    for (let i = from; i < to; i++) this.handOn(seqs[i]!, records[i]!, false);
  }

  /** The transport stops reading once too many records wait to be handed on, or (handed on) to be written. */
  private pauseIfOver(): void {
    if (!this.throttle || this.throttled) return;
    if (this.waiting - this.inFlow >= INTAKE_HIGH || this.inFlow >= UNSYNCED_HIGH) {
      this.throttled = true;
      this.throttle.pause();
    }
  }

  /** Records leave the backlog: `inFlow` when they were handed on before their journal batch was written. */
  private leaveBacklog(n: number, inFlow = false): void {
    this.waiting -= n;
    if (inFlow) this.inFlow -= n;
    if (this.throttled && this.waiting - this.inFlow <= INTAKE_LOW && this.inFlow <= UNSYNCED_LOW) {
      this.throttled = false;
      this.throttle!.resume();
    }
  }

  /**
   * Journals records the source keeps for now, without handing them on: gives
   * their sequence numbers, for release() or a record's `consumes` (null without
   * a journal). Throws JournalFullError when the journal cannot take them all
   * (then it took none).
   */
  hold(records: StoredRecord[]): number[] | null {
    if (!this.journal) return null;
    if (this.closed) throw new Error('the source is closing');
    // The flag is added to the text, not to a copy of each record (a gateway holds most of its lines).
    const datas = records.map((r) => `${encode(r).slice(0, -1)},"held":true}`);
    const total = datas.reduce((n, d) => n + d.length * 3 + 16, 0);
    if (this.journal.wouldRefuse(total)) {
      this.counts.refused += records.length;
      this.lastRefused = true;
      throw new JournalFullError(this.journal.stats.maxBytes);
    }
    this.lastRefused = false;
    this.counts.accepted += records.length;
    // Durable with the next group commit; a write failure shows on the next append and in the status.
    return datas.map((d) => this.journal!.appendText(d).seq);
  }

  /** Hands on a held record (the window let it out): it is then delivered like any other. */
  release(seq: number | null, record: StoredRecord, redelivered = false): void {
    if (!this.journal || seq === null) {
      this.safeEmit(record, [], redelivered);
      return;
    }
    if (this.closed || !this.journal.isUnacknowledged(seq)) return;
    // Records taken before it are still being handed on: it waits for its turn (unless let go meanwhile).
    if (this.handOns.busy) {
      void this.handOns.push(1, () => {
        if (!this.closed && this.journal!.isUnacknowledged(seq)) this.handOn(seq, record, redelivered);
      });
      return;
    }
    this.handOn(seq, record, redelivered);
  }

  /** Lets held records go without handing them on (filtered out, or replaced by a record). */
  settle(seqs: number[]): void {
    if (this.journal && seqs.length > 0) this.journal.ack(seqs);
  }

  /** True when the journal would take these records now (checked before a file source lets its position move past them). */
  fits(records: StoredRecord[]): boolean {
    if (!this.journal) return !this.closed;
    const total = records.reduce((n, r) => n + Buffer.byteLength(encode(r)) + 16, 0);
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
    this.setThrottle(null);
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
    if (this.mode === 'sent') {
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
    // Out of `due` before the first await: handOn() below arms the next timer,
    // and a pass it starts must not find (and send) the ones this pass has not reached yet.
    for (const seq of dueNow) this.due.delete(seq);
    for (const seq of dueNow) {
      if (this.closed) return;
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

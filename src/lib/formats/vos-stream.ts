/**
 * What `vos-cdr-in` does with every line, whatever carried it (TCP, UDP, a
 * file): parse, optionally put in `startTime` order, track liveness. Pure: the
 * clock is injected and results go to callbacks; the node owns timers and I/O.
 */
import { Liveness, type LivenessEvent } from '../cdr/liveness';
import { ReorderWindow } from '../cdr/reorder';
import { wallClockToEpochMs } from '../cdr/time';
import { VosParseError, type VosFormat, type VosRecord } from './vos';

export interface VosStreamOptions<S> {
  format: VosFormat;
  /** Reorder window; absent = records leave as they arrive. */
  reorder?: { windowMs: number; maxHeld: number };
  /** Silence alert threshold, ms (0 = off). */
  silenceMs: number;
  /** Zone used only to order wall-clock start times. Default UTC. */
  timeZone?: string;
  now: () => number;
  onRecord: (record: VosRecord, source: S, late: boolean) => void;
  /**
   * Called for a record about to enter the reorder window, before it is held:
   * the caller journals it and gives the source to keep with it (null: the
   * record was refused and is dropped, the caller reported it). A crash while
   * the window holds records then loses none of them.
   */
  hold?: (record: VosRecord, source: S) => S | null;
  onError: (error: VosParseError, raw: string, source: S) => void;
  onAlert: (event: LivenessEvent) => void;
}

interface Pending<S> {
  record: VosRecord;
  source: S;
}

export class VosStream<S> {
  readonly liveness: Liveness;
  private readonly reorder: ReorderWindow<Pending<S>> | null;
  private errorCount = 0;
  private lateCount = 0;

  constructor(private readonly o: VosStreamOptions<S>) {
    this.liveness = new Liveness({ silenceMs: o.silenceMs, startedAt: o.now() });
    this.reorder = o.reorder ? new ReorderWindow<Pending<S>>(o.reorder) : null;
  }

  get errors(): number {
    return this.errorCount;
  }

  get late(): number {
    return this.lateCount;
  }

  get held(): number {
    return this.reorder ? this.reorder.size : 0;
  }

  /**
   * One line (a TCP/file line or a UDP datagram). Blank lines are skipped.
   * `reorder: false` sends the record at once even with a window (file lines:
   * their checkpoint must not pass a record still held). `unterminated`: a
   * connection ended inside this line (no line end): it passes only with every
   * configured field, else it is reported as cut (code `truncated`).
   */
  line(raw: string | Buffer, source: S, reorder = true, unterminated = false): void {
    let record: VosRecord;
    try {
      record = this.o.format.parse(raw, unterminated);
    } catch (e) {
      if (e instanceof VosParseError) {
        if (e.code === 'empty') return;
        this.errorCount++;
        this.o.onError(e, typeof raw === 'string' ? stripEol(raw) : stripEol(raw.toString('utf8')), source);
        return;
      }
      throw e;
    }
    const now = this.o.now();
    const ev = this.liveness.record(now);
    if (ev) this.o.onAlert(ev);
    if (!this.reorder || !reorder) {
      this.o.onRecord(record, source, false);
      return;
    }
    const kept = this.o.hold ? this.o.hold(record, source) : source;
    if (kept === null) return;
    this.emit(this.reorder.push({ record, source: kept }, this.keyOf(record), now));
  }

  /**
   * A record the window held before a restart (from the journal): back into the
   * window, not parsed, counted or held again. Without a window it leaves at once.
   */
  restore(record: VosRecord, source: S): void {
    if (!this.reorder) {
      this.o.onRecord(record, source, false);
      return;
    }
    this.emit(this.reorder.push({ record, source }, this.keyOf(record), this.o.now()));
  }

  /** Call from a timer: lets due records out and raises the silence alert. */
  tick(): void {
    const now = this.o.now();
    if (this.reorder) this.emit(this.reorder.drain(now));
    const ev = this.liveness.check(now);
    if (ev) this.o.onAlert(ev);
  }

  /** When records are next due out of the reorder window (epoch ms), or null. */
  nextDueAt(): number | null {
    return this.reorder ? this.reorder.nextDueAt() : null;
  }

  /** Everything still held, in order (on close: nothing is lost). */
  flush(): void {
    if (this.reorder) this.emit(this.reorder.flush());
  }

  private emit(released: ReadonlyArray<{ item: Pending<S>; late: boolean }>): void {
    for (const r of released) {
      if (r.late) this.lateCount++;
      this.o.onRecord(r.item.record, r.item.source, r.late);
    }
  }

  // Records without a readable start time sort first: they leave at once rather than wait.
  private keyOf(record: VosRecord): number {
    const v = record['startTime'];
    if (typeof v === 'number') return v;
    if (typeof v === 'string') return wallClockToEpochMs(v, this.o.timeZone ?? 'UTC') ?? -Infinity;
    return -Infinity;
  }
}

function stripEol(s: string): string {
  return s.replace(/[\r\n]+$/, '');
}

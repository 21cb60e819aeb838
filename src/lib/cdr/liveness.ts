/**
 * Liveness of a feed that only pushes (VOS3000 forwarding): records per minute,
 * time since the last record, and a silence alert. A forwarder that died looks
 * exactly like a quiet night, so silence longer than a threshold is reported.
 *
 * Pure: every method takes the time; the caller runs the timer.
 */

export interface LivenessOptions {
  /** Alert after this much silence, ms. 0 turns the alert off. */
  silenceMs: number;
  /** When tracking started (silence before the first record counts from here). */
  startedAt: number;
}

export type LivenessEvent =
  | { type: 'silent'; silentForMs: number; lastRecordAt: number | null }
  | { type: 'resumed'; silentForMs: number; lastRecordAt: number };

const BUCKET_MS = 1000;
const BUCKETS = 60;

export class Liveness {
  readonly silenceMs: number;
  private readonly startedAt: number;
  private last: number | null = null;
  private total = 0;
  private alerted = false;
  // Per-second counts over the last minute, in a ring.
  private readonly counts = new Array<number>(BUCKETS).fill(0);
  private readonly stamps = new Array<number>(BUCKETS).fill(-1);

  constructor(options: LivenessOptions) {
    if (!(options.silenceMs >= 0) || !Number.isFinite(options.silenceMs)) throw new RangeError('silenceMs must be a number ≥ 0');
    this.silenceMs = options.silenceMs;
    this.startedAt = options.startedAt;
  }

  /** Records seen since start. */
  get count(): number {
    return this.total;
  }

  /** When the last record arrived, or null. */
  get lastRecordAt(): number | null {
    return this.last;
  }

  /** True while a silence alert is open. */
  get silent(): boolean {
    return this.alerted;
  }

  /** Count `n` records at `now`. Returns a `resumed` event when this ends an alerted silence. */
  record(now: number, n = 1): LivenessEvent | null {
    const second = Math.floor(now / BUCKET_MS);
    const i = ((second % BUCKETS) + BUCKETS) % BUCKETS;
    if (this.stamps[i] !== second) {
      this.stamps[i] = second;
      this.counts[i] = 0;
    }
    this.counts[i]! += n;
    this.total += n;
    const since = this.last ?? this.startedAt;
    this.last = now;
    if (this.alerted) {
      this.alerted = false;
      return { type: 'resumed', silentForMs: now - since, lastRecordAt: now };
    }
    return null;
  }

  /** Records in the last 60 s up to `now`. */
  perMinute(now: number): number {
    const second = Math.floor(now / BUCKET_MS);
    let sum = 0;
    for (let i = 0; i < BUCKETS; i++) {
      const s = this.stamps[i]!;
      if (s > second - BUCKETS && s <= second) sum += this.counts[i]!;
    }
    return sum;
  }

  /** Ms since the last record (or since start when none came yet). */
  silentFor(now: number): number {
    return Math.max(0, now - (this.last ?? this.startedAt));
  }

  /** Call from a timer: a `silent` event once when silence passes the threshold. */
  check(now: number): LivenessEvent | null {
    if (this.silenceMs === 0 || this.alerted) return null;
    const silentForMs = this.silentFor(now);
    if (silentForMs < this.silenceMs) return null;
    this.alerted = true;
    return { type: 'silent', silentForMs, lastRecordAt: this.last };
  }
}

/** "3 s", "4 min", "2 h 5 min" — for a status line. */
export function formatAge(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
}

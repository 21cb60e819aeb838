/**
 * Concurrent calls of one key, from the start and end of the calls reported
 * so far, to the second: +1 at a call's start second, −1 at its end second.
 * A call that ends in the second another starts is not counted as overlapping
 * it. Seconds before `baseAt` are folded into `base` (the calls still up then),
 * so memory is two entries per second of the horizon at most.
 */
export interface ConcurrencyData {
  base: number;
  baseAt: number;
  deltas: Array<[number, number]>;
}

export class Concurrency {
  private base = 0;
  private baseAt = 0;
  private readonly deltas = new Map<number, number>();

  add(startMs: number, endMs: number): void {
    let s = Math.floor(startMs / 1000);
    const e = Math.floor(endMs / 1000);
    if (e <= s || e <= this.baseAt) return;
    if (s < this.baseAt) {
      this.base++;
      s = this.baseAt;
    } else this.bump(s, 1);
    this.bump(e, -1);
  }

  /** The most calls up at once from `fromMs` to `toMs`. */
  peak(fromMs: number, toMs: number): number {
    const from = Math.floor(fromMs / 1000);
    const to = Math.floor(toMs / 1000);
    const keys = [...this.deltas.keys()].sort((a, b) => a - b);
    let level = this.base;
    let i = 0;
    for (; i < keys.length && keys[i]! <= from; i++) level += this.deltas.get(keys[i]!)!;
    let peak = level;
    for (; i < keys.length && keys[i]! < to; i++) {
      level += this.deltas.get(keys[i]!)!;
      if (level > peak) peak = level;
    }
    return peak;
  }

  /** Forgets the seconds before `beforeMs` (their calls still up stay counted in the base). */
  prune(beforeMs: number): void {
    const before = Math.floor(beforeMs / 1000);
    if (before <= this.baseAt) return;
    for (const [k, d] of this.deltas) {
      if (k < before) {
        this.base += d;
        this.deltas.delete(k);
      }
    }
    this.baseAt = before;
  }

  get size(): number {
    return this.deltas.size;
  }

  toJSON(): ConcurrencyData {
    return { base: this.base, baseAt: this.baseAt, deltas: [...this.deltas] };
  }

  static from(d: ConcurrencyData): Concurrency {
    const c = new Concurrency();
    c.base = d.base;
    c.baseAt = d.baseAt;
    for (const [k, v] of d.deltas) c.deltas.set(k, v);
    return c;
  }

  private bump(sec: number, by: number): void {
    const v = (this.deltas.get(sec) ?? 0) + by;
    if (v === 0) this.deltas.delete(sec);
    else this.deltas.set(sec, v);
  }
}

/**
 * A reorder window: records that arrive out of order (several sending threads,
 * resends after an outage) leave sorted by a key (VOS3000: `startTime`).
 *
 * Each record is held for at most `windowMs` after it arrived. When a record's
 * time is up, it leaves together with every held record whose key is not
 * greater — so the output stays sorted and no record waits longer than the
 * window. `maxHeld` caps memory: past it, the smallest keys leave early.
 * A record whose key is smaller than one already sent cannot be put in order
 * any more: it is sent at once and flagged `late`.
 *
 * Pure: the clock is passed in; the caller runs a timer on {@link nextDueAt}.
 */

export interface Released<T> {
  item: T;
  key: number;
  /** True when the item arrived after a later-keyed item had already been sent. */
  late: boolean;
}

export interface ReorderOptions {
  /** How long a record may be held, ms (> 0). */
  windowMs: number;
  /** Most records held at once (≥ 1). */
  maxHeld: number;
}

interface Held<T> {
  item: T;
  key: number;
  seq: number;
  arrivedAt: number;
  gone: boolean;
}

export class ReorderWindow<T> {
  readonly windowMs: number;
  readonly maxHeld: number;
  private readonly heap: Held<T>[] = [];
  /** Held entries in arrival order (arrival times never decrease): the next to fall due is at the head. */
  private readonly arrivals: Held<T>[] = [];
  private arrivalsHead = 0;
  private seq = 0;
  private highestSent = -Infinity;
  private lateCount = 0;

  constructor(options: ReorderOptions) {
    if (!(options.windowMs > 0) || !Number.isFinite(options.windowMs)) throw new RangeError('windowMs must be a number > 0');
    if (!Number.isInteger(options.maxHeld) || options.maxHeld < 1) throw new RangeError('maxHeld must be an integer ≥ 1');
    this.windowMs = options.windowMs;
    this.maxHeld = options.maxHeld;
  }

  /** Records held now. */
  get size(): number {
    return this.heap.length;
  }

  /** Records sent late so far. */
  get late(): number {
    return this.lateCount;
  }

  /**
   * Take one record. Returns what must leave now: the record itself when it is
   * late, the smallest held records when the cap is exceeded, and anything due.
   */
  push(item: T, key: number, now: number): Released<T>[] {
    const out: Released<T>[] = [];
    if (key < this.highestSent) {
      this.lateCount++;
      out.push({ item, key, late: true });
    } else {
      const h: Held<T> = { item, key, seq: this.seq++, arrivedAt: now, gone: false };
      this.heapPush(h);
      this.arrivals.push(h);
    }
    while (this.heap.length > this.maxHeld) this.releaseMin(out);
    this.collectDue(now, out);
    return out;
  }

  /** Everything due at `now`, in key order. */
  drain(now: number): Released<T>[] {
    const out: Released<T>[] = [];
    this.collectDue(now, out);
    return out;
  }

  /** Everything held, in key order (on close). */
  flush(): Released<T>[] {
    const out: Released<T>[] = [];
    while (this.heap.length > 0) this.releaseMin(out);
    return out;
  }

  /** When the next held record falls due (epoch ms), or null when nothing is held. */
  nextDueAt(): number | null {
    this.skipGone();
    const h = this.arrivals[this.arrivalsHead];
    return h ? h.arrivedAt + this.windowMs : null;
  }

  private collectDue(now: number, out: Released<T>[]): void {
    let upTo = -Infinity;
    for (;;) {
      this.skipGone();
      const h = this.arrivals[this.arrivalsHead];
      if (!h || h.arrivedAt + this.windowMs > now) break;
      if (h.key > upTo) upTo = h.key;
      this.arrivalsHead++;
      // Everything with a key up to this one leaves now, in order.
      while (this.heap.length > 0 && this.heap[0]!.key <= upTo) this.releaseMin(out);
    }
    this.compactArrivals();
  }

  private releaseMin(out: Released<T>[]): void {
    const h = this.heapPop();
    h.gone = true;
    if (h.key > this.highestSent) this.highestSent = h.key;
    out.push({ item: h.item, key: h.key, late: false });
  }

  private skipGone(): void {
    while (this.arrivalsHead < this.arrivals.length && this.arrivals[this.arrivalsHead]!.gone) this.arrivalsHead++;
  }

  private compactArrivals(): void {
    if (this.arrivalsHead > 1024 && this.arrivalsHead * 2 > this.arrivals.length) {
      this.arrivals.splice(0, this.arrivalsHead);
      this.arrivalsHead = 0;
    }
  }

  // A binary min-heap on (key, seq): equal keys leave in arrival order.
  private less(a: Held<T>, b: Held<T>): boolean {
    return a.key < b.key || (a.key === b.key && a.seq < b.seq);
  }

  private heapPush(h: Held<T>): void {
    const a = this.heap;
    a.push(h);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }

  private heapPop(): Held<T> {
    const a = this.heap;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l]!, a[m]!)) m = l;
        if (r < a.length && this.less(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}

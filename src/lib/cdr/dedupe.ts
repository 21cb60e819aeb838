/**
 * Remembers the record ids seen recently, to drop or mark records sent twice
 * (UCM and VOS3000 resend their queues after an outage; file sources are
 * at-least-once). Bounded two ways: at most `maxEntries` ids, none older than
 * `maxAgeMs` (counted from when the id was first seen). The state is a plain
 * JSON value, so it can be kept in Node-RED context and survive a restart.
 */

export interface DedupeOptions {
  maxEntries: number;
  maxAgeMs: number;
}

/** Serialized state: ids with the time they were first seen, oldest first. */
export interface DedupeState {
  v: 1;
  entries: Array<[string, number]>;
}

/**
 * The ids in first-seen order, as a ring (ids and their times side by side)
 * beside a Set for lookup. Forgetting the oldest id is O(1): the ring's head
 * moves on and one Set entry is deleted. (A Map in insertion order, the earlier
 * design, made every eviction step over the slots its deletes left at the front
 * until V8 rehashed: a cliff once the window was full.)
 */
export class Deduper {
  private readonly ids = new Set<string>();
  private ringIds: Array<string | undefined>;
  private ringAt: Float64Array;
  /** Index of the oldest id in the ring. */
  private head = 0;

  constructor(private readonly options: DedupeOptions) {
    if (!(options.maxEntries >= 1) || !Number.isInteger(options.maxEntries)) throw new RangeError('dedupe maxEntries must be a whole number ≥ 1');
    if (!(options.maxAgeMs > 0)) throw new RangeError('dedupe maxAgeMs must be > 0');
    // The ring grows by doubling up to maxEntries: a large bound costs nothing until used.
    const initial = Math.min(options.maxEntries, 1024);
    this.ringIds = new Array<string | undefined>(initial).fill(undefined);
    this.ringAt = new Float64Array(initial);
  }

  get size(): number {
    return this.ids.size;
  }

  /**
   * Records `id` as seen at `now` and tells whether it had been seen within the
   * window. A repeat does not extend the window of the first sighting.
   */
  check(id: string, now: number = Date.now()): boolean {
    this.expire(now);
    if (this.ids.has(id)) return true;
    if (this.ids.size === this.options.maxEntries) this.dropOldest();
    this.append(id, now);
    return false;
  }

  /** True when `id` is in the window, without recording it. */
  has(id: string, now: number = Date.now()): boolean {
    this.expire(now);
    return this.ids.has(id);
  }

  clear(): void {
    this.ids.clear();
    this.ringIds.fill(undefined);
    this.head = 0;
  }

  toJSON(): DedupeState {
    const entries: Array<[string, number]> = new Array(this.ids.size);
    const cap = this.ringIds.length;
    for (let k = 0; k < entries.length; k++) {
      const i = (this.head + k) % cap;
      entries[k] = [this.ringIds[i] as string, this.ringAt[i] as number];
    }
    return { v: 1, entries };
  }

  /**
   * A deduper with `options` and the ids of `state` (from toJSON, maybe of an
   * older run with other bounds). Anything that is not such a state is ignored:
   * a corrupt context value must not stop the node.
   */
  static fromJSON(state: unknown, options: DedupeOptions, now: number = Date.now()): Deduper {
    const d = new Deduper(options);
    if (typeof state !== 'object' || state === null) return d;
    const entries = (state as { entries?: unknown }).entries;
    if ((state as { v?: unknown }).v !== 1 || !Array.isArray(entries)) return d;
    const valid = entries
      .filter((e): e is [string, number] => Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'number' && Number.isFinite(e[1]))
      .sort((a, b) => a[1] - b[1]);
    // An id listed twice keeps its last (newest) place, as re-inserting into a Map did.
    const kept = valid.slice(-options.maxEntries);
    const last = new Map<string, number>();
    kept.forEach(([id], i) => last.set(id, i));
    for (let i = 0; i < kept.length; i++) {
      const [id, t] = kept[i] as [string, number];
      if (last.get(id) === i) d.append(id, t);
    }
    d.expire(now);
    return d;
  }

  private append(id: string, at: number): void {
    let cap = this.ringIds.length;
    if (this.ids.size === cap) this.grow();
    cap = this.ringIds.length;
    const i = (this.head + this.ids.size) % cap;
    this.ringIds[i] = id;
    this.ringAt[i] = at;
    this.ids.add(id);
  }

  private dropOldest(): void {
    const id = this.ringIds[this.head] as string;
    this.ringIds[this.head] = undefined;
    this.ids.delete(id);
    this.head = (this.head + 1) % this.ringIds.length;
  }

  /** Doubles the ring (never past maxEntries), unrolling it so the oldest id is at 0. */
  private grow(): void {
    const size = this.ids.size;
    const cap = Math.min(this.options.maxEntries, Math.max(1, this.ringIds.length * 2));
    const ids = new Array<string | undefined>(cap).fill(undefined);
    const at = new Float64Array(cap);
    for (let k = 0; k < size; k++) {
      const i = (this.head + k) % this.ringIds.length;
      ids[k] = this.ringIds[i];
      at[k] = this.ringAt[i] as number;
    }
    this.ringIds = ids;
    this.ringAt = at;
    this.head = 0;
  }

  private expire(now: number): void {
    const limit = now - this.options.maxAgeMs;
    while (this.ids.size > 0 && (this.ringAt[this.head] as number) <= limit) this.dropOldest();
  }
}

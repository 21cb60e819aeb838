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

export class Deduper {
  // Insertion order is first-seen order: the oldest id is always first.
  private readonly seenAt = new Map<string, number>();

  constructor(private readonly options: DedupeOptions) {
    if (!(options.maxEntries >= 1) || !Number.isInteger(options.maxEntries)) throw new RangeError('dedupe maxEntries must be a whole number ≥ 1');
    if (!(options.maxAgeMs > 0)) throw new RangeError('dedupe maxAgeMs must be > 0');
  }

  get size(): number {
    return this.seenAt.size;
  }

  /**
   * Records `id` as seen at `now` and tells whether it had been seen within the
   * window. A repeat does not extend the window of the first sighting.
   */
  check(id: string, now: number = Date.now()): boolean {
    this.expire(now);
    if (this.seenAt.has(id)) return true;
    this.seenAt.set(id, now);
    if (this.seenAt.size > this.options.maxEntries) {
      const oldest = this.seenAt.keys().next().value as string;
      this.seenAt.delete(oldest);
    }
    return false;
  }

  /** True when `id` is in the window, without recording it. */
  has(id: string, now: number = Date.now()): boolean {
    this.expire(now);
    return this.seenAt.has(id);
  }

  clear(): void {
    this.seenAt.clear();
  }

  toJSON(): DedupeState {
    return { v: 1, entries: [...this.seenAt] };
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
    for (const [id, t] of valid.slice(-options.maxEntries)) {
      d.seenAt.delete(id);
      d.seenAt.set(id, t);
    }
    d.expire(now);
    return d;
  }

  private expire(now: number): void {
    const limit = now - this.options.maxAgeMs;
    for (const [id, t] of this.seenAt) {
      if (t > limit) break;
      this.seenAt.delete(id);
    }
  }
}

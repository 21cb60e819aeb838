import type { Observation } from './alert-book';
import { LruMap } from './lru';
import type { StatsRecord } from './record';
import { recordKey, type RecordKey, type RecordRule } from './rules';

/**
 * Short-call burst (SIM-box, wangiri): at least `count` answered calls shorter
 * than `shortSec` from one caller / account / trunk within `windowMin`
 * minutes, by the calls' end times. Cleared when fewer than `clearCount` are
 * left in the window.
 */
export interface BurstSettings {
  by: RecordKey;
  shortSec: number;
  count: number;
  clearCount: number;
  windowMin: number;
  maxKeys: number;
}

type Hits = Array<[number, string]>; // [end ms, Cdr id], oldest first

export class BurstRule implements RecordRule {
  readonly name = 'short-call burst';
  private readonly keys: LruMap<Hits>;

  constructor(private readonly s: BurstSettings) {
    this.keys = new LruMap(s.maxKeys);
  }

  onRecord(r: StatsRecord, _ctx: unknown, now: number): Observation[] {
    if (!r.answered || r.talkSec >= this.s.shortSec) return [];
    const key = recordKey(r, this.s.by);
    if (key === undefined) return [];
    const hits = this.keys.get(key) ?? [];
    hits.push([r.endMs, r.id]);
    // Bounded: only the newest `count × 2` calls matter to the rule.
    if (hits.length > this.s.count * 2) hits.splice(0, hits.length - this.s.count * 2);
    this.keys.set(key, hits);
    return [this.observe(key, hits, now)];
  }

  onTick(now: number): Observation[] {
    return [...this.keys.entries()].map(([key, hits]) => this.observe(key, hits, now));
  }

  snapshot(): unknown {
    return [...this.keys.entries()];
  }

  restore(s: unknown): void {
    if (Array.isArray(s)) for (const [k, v] of s as Array<[string, Hits]>) this.keys.set(k, v);
  }

  private observe(key: string, hits: Hits, now: number): Observation {
    const since = now - this.s.windowMin * 60_000;
    while (hits.length > 0 && hits[0]![0] < since) hits.shift();
    if (hits.length === 0) this.keys.delete(key);
    return {
      rule: this.name,
      key: `${this.s.by}:${key}`,
      bad: hits.length >= this.s.count,
      good: hits.length < this.s.clearCount,
      figures: { shortCalls: hits.length, shortSec: this.s.shortSec },
      window: { minutes: this.s.windowMin, start: new Date(since).toISOString(), end: new Date(now).toISOString() },
      causes: hits.map((h) => h[1]),
    };
  }
}

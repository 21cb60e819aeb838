import type { Observation } from './alert-book';
import { Concurrency } from './concurrency';
import { LruMap } from './lru';
import type { StatsRecord } from './record';
import { recordKey, type RecordKey, type RecordRule } from './rules';

/**
 * Concurrent calls per account / trunk above `cap`, from the start and end of
 * the calls reported (to the second): raised when a call overlaps `cap` others
 * or more, cleared when the peak over the last `windowMin` minutes is back at
 * `clearCap` or under.
 */
export interface ConcurrentSettings {
  by: RecordKey;
  cap: number;
  clearCap: number;
  windowMin: number;
  maxKeys: number;
}

interface Track {
  conc: Concurrency;
  ids: string[];
}

export class ConcurrentRule implements RecordRule {
  readonly name = 'concurrent calls';
  private readonly keys: LruMap<Track>;

  constructor(private readonly s: ConcurrentSettings) {
    this.keys = new LruMap(s.maxKeys);
  }

  onRecord(r: StatsRecord, _ctx: unknown, now: number): Observation[] {
    const key = recordKey(r, this.s.by);
    if (key === undefined) return [];
    const t = this.keys.get(key) ?? { conc: new Concurrency(), ids: [] };
    t.conc.prune(now - this.s.windowMin * 60_000);
    t.conc.add(r.startMs, r.endMs);
    t.ids.push(r.id);
    if (t.ids.length > 50) t.ids.shift();
    this.keys.set(key, t);
    const peak = t.conc.peak(r.startMs, r.endMs);
    return [this.observe(key, peak, t, now)];
  }

  onTick(now: number): Observation[] {
    const out: Observation[] = [];
    for (const [key, t] of [...this.keys.entries()]) {
      const since = now - this.s.windowMin * 60_000;
      t.conc.prune(since);
      const peak = t.conc.peak(since, now);
      out.push(this.observe(key, peak, t, now));
      if (peak === 0) this.keys.delete(key);
    }
    return out;
  }

  snapshot(): unknown {
    return [...this.keys.entries()].map(([k, t]) => [k, { conc: t.conc.toJSON(), ids: t.ids }]);
  }

  restore(s: unknown): void {
    if (!Array.isArray(s)) return;
    for (const [k, v] of s as Array<[string, { conc: Parameters<typeof Concurrency.from>[0]; ids: string[] }]>) this.keys.set(k, { conc: Concurrency.from(v.conc), ids: v.ids });
  }

  private observe(key: string, peak: number, t: Track, now: number): Observation {
    return {
      rule: this.name,
      key: `${this.s.by}:${key}`,
      bad: peak > this.s.cap,
      good: peak <= this.s.clearCap,
      figures: { concurrent: peak, cap: this.s.cap },
      window: { minutes: this.s.windowMin, end: new Date(now).toISOString() },
      causes: t.ids.slice(-Math.max(1, peak)),
    };
  }
}

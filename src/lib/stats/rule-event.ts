import type { Observation } from './alert-book';
import type { KeyContext } from './keys';
import { LruMap } from './lru';
import type { StatsRecord } from './record';
import type { RecordRule } from './rules';

/**
 * A rule that fires on a record that matches (a call to a watch-listed prefix,
 * a call out of hours) and clears once `quietMin` minutes pass with no match
 * for the same key.
 */
export interface Match {
  key: string;
  figures: Record<string, unknown>;
}

interface Seen {
  last: number;
  count: number;
  ids: string[];
  figures: Record<string, unknown>;
}

export class EventRule implements RecordRule {
  private readonly keys: LruMap<Seen>;

  constructor(
    readonly name: string,
    private readonly match: (r: StatsRecord, ctx: KeyContext) => Match | null,
    private readonly quietMin: number,
    maxKeys: number,
  ) {
    this.keys = new LruMap(maxKeys);
  }

  onRecord(r: StatsRecord, ctx: KeyContext, now: number): Observation[] {
    const m = this.match(r, ctx);
    if (m === null) return [];
    const seen = this.keys.get(m.key) ?? { last: 0, count: 0, ids: [], figures: m.figures };
    seen.last = Math.max(seen.last, Math.min(r.endMs, now));
    seen.count++;
    seen.ids.push(r.id);
    if (seen.ids.length > 50) seen.ids.shift();
    seen.figures = m.figures;
    this.keys.set(m.key, seen);
    return [this.observe(m.key, seen, now, true)];
  }

  onTick(now: number): Observation[] {
    const out: Observation[] = [];
    for (const [key, seen] of [...this.keys.entries()]) {
      if (now - seen.last < this.quietMin * 60_000) continue;
      this.keys.delete(key);
      out.push(this.observe(key, seen, now, false));
    }
    return out;
  }

  snapshot(): unknown {
    return [...this.keys.entries()];
  }

  restore(s: unknown): void {
    if (Array.isArray(s)) for (const [k, v] of s as Array<[string, Seen]>) this.keys.set(k, v);
  }

  private observe(key: string, seen: Seen, now: number, bad: boolean): Observation {
    return {
      rule: this.name,
      key,
      bad,
      good: !bad,
      figures: { ...seen.figures, calls: seen.count, lastCall: new Date(seen.last).toISOString() },
      window: { quietMinutes: this.quietMin, end: new Date(now).toISOString() },
      causes: seen.ids,
    };
  }
}

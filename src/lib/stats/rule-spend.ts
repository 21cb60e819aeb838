import type { Observation } from './alert-book';
import { LruMap } from './lru';
import type { StatsRecord } from './record';
import { recordKey, type RecordKey, type RecordRule } from './rules';
import { bucketEnd, bucketStart, type WindowSpec } from './windows';

/**
 * Spend or minutes per account (or caller …) per hour or day, in a time zone:
 * raised when the period's total goes above `cap`, cleared when a new period
 * starts (the total is back under `clearRatio` × cap). Cost adds the amounts
 * of every currency as they are: set one currency in cdr-calc.
 */
export interface SpendSettings {
  by: RecordKey;
  measure: 'cost' | 'minutes';
  period: 'hour' | 'day';
  timeZone: string;
  cap: number;
  clearRatio: number;
  maxKeys: number;
}

interface Total {
  start: number;
  total: number;
  ids: string[];
}

export class SpendRule implements RecordRule {
  readonly name: string;
  private readonly keys: LruMap<Total>;
  private readonly period: WindowSpec;

  constructor(private readonly s: SpendSettings) {
    this.name = s.measure === 'cost' ? 'spend cap' : 'minutes cap';
    this.keys = new LruMap(s.maxKeys);
    this.period = { type: 'tumbling', unit: s.period, size: 1, timeZone: s.timeZone };
  }

  onRecord(r: StatsRecord, _ctx: unknown, now: number): Observation[] {
    const amount = this.s.measure === 'cost' ? (r.costAmount ?? 0) : r.talkSec / 60;
    if (amount <= 0) return [];
    const key = recordKey(r, this.s.by);
    if (key === undefined) return [];
    const start = bucketStart(this.period, Math.min(r.endMs, now));
    let t = this.keys.get(key);
    if (t === undefined || t.start < start) t = { start, total: 0, ids: [] };
    if (start < t.start) return []; // a late record of a past period: that period is over
    t.total += amount;
    t.ids.push(r.id);
    if (t.ids.length > 50) t.ids.shift();
    this.keys.set(key, t);
    return [this.observe(key, t)];
  }

  onTick(now: number): Observation[] {
    const current = bucketStart(this.period, now);
    const out: Observation[] = [];
    for (const [key, t] of [...this.keys.entries()]) {
      if (t.start >= current) continue;
      this.keys.delete(key);
      out.push(this.observe(key, { start: current, total: 0, ids: [] }));
    }
    return out;
  }

  snapshot(): unknown {
    return [...this.keys.entries()];
  }

  restore(s: unknown): void {
    if (Array.isArray(s)) for (const [k, v] of s as Array<[string, Total]>) this.keys.set(k, v);
  }

  private observe(key: string, t: Total): Observation {
    const total = Math.round(t.total * 1e6) / 1e6;
    return {
      rule: this.name,
      key: `${this.s.by}:${key}`,
      bad: total > this.s.cap,
      good: total <= this.s.cap * this.s.clearRatio,
      figures: { [this.s.measure]: total, cap: this.s.cap },
      window: { period: this.s.period, start: new Date(t.start).toISOString(), end: new Date(bucketEnd(this.period, t.start)).toISOString() },
      causes: t.ids,
    };
  }
}

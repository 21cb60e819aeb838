import type { Observation } from './alert-book';
import type { Report } from './engine';
import { LruMap } from './lru';
import type { ReportRule } from './rules';
import { idsBehind } from './rule-threshold';

/**
 * A sudden rise: a window's attempts (or cost, all currencies added) more than
 * `factor` × the average of the same time of day over the last `days` days.
 * History is one value per key, day and slot (`slotMinutes` of the day, UTC),
 * the last report's figure in that slot. Cleared when back under `clearFactor` ×.
 */
export interface RiseSettings {
  figure: 'attempts' | 'cost';
  factor: number;
  clearFactor: number;
  days: number;
  /** Below this the figure is too small to call a rise (e.g. 20 attempts). */
  minValue: number;
  slotMinutes: number;
  maxKeys: number;
}

type History = Record<string, Record<string, number>>; // day → slot → value

const DAY = 86_400_000;

export class RiseRule implements ReportRule {
  readonly name = 'sudden rise';
  private history: LruMap<History>;

  constructor(private readonly s: RiseSettings) {
    this.history = new LruMap(s.maxKeys);
  }

  onReport(r: Report, _now: number): Observation[] {
    if (r.window.final === false && r.window.type === 'tumbling') return [];
    const at = Date.parse(r.window.end);
    const day = Math.floor(at / DAY);
    const slot = String(Math.floor((at % DAY) / (this.s.slotMinutes * 60_000)));
    const value = this.s.figure === 'attempts' ? r.attempts : Object.values(r.cost).reduce((a, b) => a + b, 0);
    const key = `${r.key}:${r.value}/${r.window.name}`;
    const h = this.history.get(key) ?? {};
    const past: number[] = [];
    for (let d = day - this.s.days; d < day; d++) {
      const v = h[String(d)]?.[slot];
      if (v !== undefined) past.push(v);
    }
    (h[String(day)] ??= {})[slot] = value;
    for (const d of Object.keys(h)) if (Number(d) < day - this.s.days) delete h[d];
    this.history.set(key, h);
    if (past.length === 0) return [];
    const average = past.reduce((a, b) => a + b, 0) / past.length;
    const ratio = average > 0 ? value / average : value > 0 ? Infinity : 0;
    return [
      {
        rule: this.name,
        key,
        bad: value >= this.s.minValue && ratio > this.s.factor,
        good: ratio <= this.s.clearFactor,
        figures: { [this.s.figure]: value, average: Math.round(average * 1000) / 1000, days: past.length, ratio: Number.isFinite(ratio) ? Math.round(ratio * 100) / 100 : null },
        window: r.window,
        causes: idsBehind(r, this.s.figure),
      },
    ];
  }

  snapshot(): unknown {
    return [...this.history.entries()];
  }

  restore(s: unknown): void {
    if (Array.isArray(s)) for (const [k, v] of s as Array<[string, History]>) this.history.set(k, v);
  }
}

import type { Observation } from './alert-book';
import type { Report } from './engine';
import type { Figures } from './figures';
import type { ReportRule } from './rules';

/**
 * A KPI past a level on a cdr-stats report, e.g. ASR < 0.3 over the 15-minute
 * window with at least 50 attempts. Raised below (or above) `raise`, cleared
 * back past `clear`; a report with fewer than `minAttempts` attempts clears
 * (too few calls to judge).
 */
export type ThresholdFigure = 'asr' | 'ner' | 'acd' | 'pddAvg' | 'pddP95' | 'shortCallRatio' | 'attempts' | 'talkMinutes' | 'concurrentPeak';
export const THRESHOLD_FIGURES: readonly ThresholdFigure[] = ['asr', 'ner', 'acd', 'pddAvg', 'pddP95', 'shortCallRatio', 'attempts', 'talkMinutes', 'concurrentPeak'];

export interface ThresholdSettings {
  figure: ThresholdFigure;
  op: '<' | '>';
  raise: number;
  clear: number;
  minAttempts: number;
  /** Only reports of this window name ("15m"); empty for all. */
  window: string;
}

/**
 * The Cdrs behind a figure, from the ids a cdr-stats report carries: for the
 * answer ratios the calls that failed (what an operator checks on a low ASR),
 * for the other figures the last calls counted. A report from a cdr-stats that
 * keeps no ids names none.
 */
export function idsBehind(r: Report, figure: ThresholdFigure | 'cost'): readonly string[] | undefined {
  return figure === 'asr' || figure === 'ner' ? r.failedIds : r.recentIds;
}

export class ThresholdRule implements ReportRule {
  readonly name: string;

  constructor(private readonly s: ThresholdSettings) {
    this.name = `${s.figure} ${s.op} ${s.raise}`;
  }

  onReport(r: Report, _now: number): Observation[] {
    if (this.s.window !== '' && r.window.name !== this.s.window) return [];
    const v = r[this.s.figure as keyof Figures] as number | null;
    const judged = r.attempts >= this.s.minAttempts && v !== null;
    const past = (level: number): boolean => (this.s.op === '<' ? v! < level : v! > level);
    return [
      {
        rule: this.name,
        key: `${r.key}:${r.value}/${r.window.name}`,
        bad: judged && past(this.s.raise),
        good: !judged || !past(this.s.clear),
        figures: { [this.s.figure]: v, attempts: r.attempts, answered: r.answered },
        window: r.window,
        causes: idsBehind(r, this.s.figure),
      },
    ];
  }

  snapshot(): unknown {
    return null;
  }

  restore(): void {}
}

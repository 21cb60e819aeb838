import { AlertBook, type AlertBookOptions, type AlertMessage, type Observation } from './alert-book';
import type { Report } from './engine';
import type { KeyContext } from './keys';
import type { StatsRecord } from './record';
import type { RecordRule, ReportRule } from './rules';

/**
 * cdr-alert without Node-RED: record rules see every Cdr, report rules every
 * cdr-stats report, and one alert book turns what they observe into alerts
 * raised once and cleared once. `tick` lets time clear what no record will.
 */
export class Alerter {
  readonly book: AlertBook;
  records = 0;
  reports = 0;

  constructor(
    private readonly recordRules: RecordRule[],
    private readonly reportRules: ReportRule[],
    opts: AlertBookOptions,
  ) {
    this.book = new AlertBook(opts);
  }

  onRecord(r: StatsRecord, ctx: KeyContext, now: number): AlertMessage[] {
    this.records++;
    return this.apply(this.recordRules.flatMap((rule) => rule.onRecord(r, ctx, now)), now);
  }

  onReport(r: Report, now: number): AlertMessage[] {
    this.reports++;
    return this.apply(this.reportRules.flatMap((rule) => rule.onReport(r, now)), now);
  }

  tick(now: number): AlertMessage[] {
    return this.apply(this.recordRules.flatMap((rule) => rule.onTick(now)), now);
  }

  snapshot(): unknown {
    return {
      version: 1,
      active: this.book.snapshot(),
      rules: Object.fromEntries([...this.recordRules, ...this.reportRules].map((r) => [r.name, r.snapshot()])),
    };
  }

  restore(s: unknown): void {
    const snap = s as { version?: number; active?: unknown; rules?: Record<string, unknown> } | null;
    if (!snap || snap.version !== 1) return;
    this.book.restore(snap.active);
    for (const r of [...this.recordRules, ...this.reportRules]) if (snap.rules && snap.rules[r.name] !== undefined) r.restore(snap.rules[r.name]);
  }

  private apply(obs: Observation[], now: number): AlertMessage[] {
    const out: AlertMessage[] = [];
    for (const o of obs) {
      const m = this.book.observe(o, now);
      if (m) out.push(m);
    }
    return out;
  }
}

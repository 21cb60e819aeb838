import type { Observation } from './alert-book';
import type { Report } from './engine';
import type { KeyContext } from './keys';
import type { StatsRecord } from './record';

/** A rule on single records (fraud patterns): sees each Cdr, and the clock on a tick. */
export interface RecordRule {
  readonly name: string;
  onRecord(r: StatsRecord, ctx: KeyContext, now: number): Observation[];
  /** Observations of the keys it follows at `now` (windows empty out, quiet periods end). */
  onTick(now: number): Observation[];
  snapshot(): unknown;
  restore(s: unknown): void;
}

/** A rule on cdr-stats reports (KPI thresholds, a sudden rise). */
export interface ReportRule {
  readonly name: string;
  onReport(r: Report, now: number): Observation[];
  snapshot(): unknown;
  restore(s: unknown): void;
}

/** Which field of a record a fraud rule is kept per. */
export type RecordKey = 'caller' | 'account' | 'trunk' | 'callee';

export function recordKey(r: StatsRecord, k: RecordKey): string | undefined {
  switch (k) {
    case 'caller':
      return r.callerNumber || undefined;
    case 'account':
      return r.accountCode;
    case 'trunk':
      return r.trunkOut ?? r.trunkIn;
    case 'callee':
      return r.calleeNumber || undefined;
  }
}

export const RECORD_KEYS: readonly RecordKey[] = ['caller', 'account', 'trunk', 'callee'];

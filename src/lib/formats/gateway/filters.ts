/**
 * The report filters of the gateway's CDR report, as a node setting: which
 * assembled calls are sent on.
 */

import type { GatewayCallRecord } from './assembler';

export type ReportFilter = 'all' | 'call-in' | 'call-out' | 'only-pstn' | 'call-out-failed' | 'call-in-reject' | 'other';

/** Filter values in the report's order, with the report's own labels. */
export const REPORT_FILTERS: ReadonlyArray<{ value: ReportFilter; label: string }> = [
  { value: 'all', label: 'All' },
  { value: 'call-in', label: 'Call In' },
  { value: 'call-out', label: 'Call Out' },
  { value: 'only-pstn', label: 'Only PSTN' },
  { value: 'call-out-failed', label: 'Call Out Failed' },
  { value: 'call-in-reject', label: 'Call In Reject' },
  { value: 'other', label: 'Other' },
];

export function isReportFilter(value: unknown): value is ReportFilter {
  return REPORT_FILTERS.some((f) => f.value === value);
}

/** True when the call touched the PSTN: a PSTN caller, PSTN digits, a PSTN line in use, or any PSTN_ event. */
export function involvesPstn(r: GatewayCallRecord): boolean {
  if (r['PSTN Caller ID'] !== '' || r['PSTN Dial'] !== '' || r['PSTN Time'] !== '') return true;
  return r.Events.some((e) => e.Event.startsWith('PSTN_'));
}

/** Does `record` pass `filter`? "Other" is what no other notation filter takes: Hook On/Off and Other. */
export function matchesFilter(record: GatewayCallRecord, filter: ReportFilter): boolean {
  switch (filter) {
    case 'all':
      return true;
    case 'call-in':
      return record.Notation === 'Call in';
    case 'call-out':
      return record.Notation === 'Call out';
    case 'only-pstn':
      return involvesPstn(record);
    case 'call-out-failed':
      return record.Notation === 'Call out failed';
    case 'call-in-reject':
      return record.Notation === 'Call in reject';
    case 'other':
      return record.Notation === 'Hook On/Off' || record.Notation === 'Other';
  }
}

import type { Cdr } from '../cdr/schema';
import { isoMs } from './iso-ms';

/**
 * What cdr-stats and cdr-alert read from one record: a `Cdr` (leg or call,
 * after cdr-normalize / cdr-calc) or a flat row from cdr-calc, reduced to the
 * few fields the KPIs need. Times are epoch ms.
 */
export interface StatsRecord {
  id: string;
  startMs: number;
  endMs: number;
  answered: boolean;
  disposition: string;
  q850: number | undefined;
  cause: string | undefined;
  /** Talk seconds: metrics.talkSec when cdr-calc ran, else billSec (the PBX's own count). */
  talkSec: number;
  /** Post-dial delay, only for calls that rang (the vendor's or cdr-calc's figure). */
  pddSec: number | undefined;
  costAmount: number | undefined;
  costCurrency: string | undefined;
  vendor: string;
  callerNumber: string;
  calleeNumber: string;
  direction: string;
  trunkIn: string | undefined;
  trunkOut: string | undefined;
  accountCode: string | undefined;
}

type Row = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The StatsRecord of `payload`, or a reason why it is not a record cdr-stats can count. */
export function toStatsRecord(payload: unknown): StatsRecord | string {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return 'msg.payload is not a Cdr or a flat row';
  const p = payload as Row;
  if (p['schema'] === 1) return fromCdr(p as unknown as Cdr);
  if (typeof p['start_time'] === 'string' && typeof p['disposition'] === 'string') return fromRow(p);
  return 'msg.payload is not a Cdr (schema 1) or a flat row (start_time, disposition)';
}

const timeOf = (v: unknown): number => (typeof v === 'string' ? isoMs(v) : NaN);

/** Why a start and end are not times, or undefined (no pair is built per record). */
function badTimes(s: number, e: number): string | undefined {
  if (Number.isNaN(s)) return 'the start time is not a time';
  if (Number.isNaN(e)) return 'the end time is not a time';
  return undefined;
}

function fromCdr(c: Cdr): StatsRecord | string {
  const s = timeOf(c.startTime);
  const e = timeOf(c.endTime);
  const bad = badTimes(s, e);
  if (bad !== undefined) return bad;
  if (typeof c.disposition !== 'string') return 'the disposition is missing';
  const cost = c.cost ?? undefined;
  return {
    id: String(c.id),
    startMs: s,
    endMs: Math.max(s, e),
    answered: c.disposition === 'answered',
    disposition: c.disposition,
    q850: c.hangup?.q850,
    cause: str(c.hangup?.cause),
    talkSec: c.disposition === 'answered' ? (num(c.metrics?.talkSec) ?? num(c.billSec) ?? 0) : 0,
    pddSec: num(c.metrics?.pddSec) ?? num(c.timing?.pddSec),
    costAmount: num(cost?.amount),
    costCurrency: str(cost?.currency),
    vendor: String(c.vendor),
    callerNumber: String(c.caller?.number ?? ''),
    calleeNumber: String(c.callee?.number ?? ''),
    direction: String(c.direction ?? 'unknown'),
    trunkIn: str(c.trunk?.in),
    trunkOut: str(c.trunk?.out),
    accountCode: str(c.accountCode),
  };
}

function fromRow(r: Row): StatsRecord | string {
  const s = timeOf(r['start_time']);
  const e = timeOf(r['end_time']);
  const bad = badTimes(s, e);
  if (bad !== undefined) return bad;
  const answered = r['disposition'] === 'answered';
  return {
    id: String(r['id'] ?? ''),
    startMs: s,
    endMs: Math.max(s, e),
    answered,
    disposition: String(r['disposition']),
    q850: num(r['hangup_q850']),
    cause: str(r['hangup_cause']),
    talkSec: answered ? (num(r['talk_sec']) ?? num(r['bill_sec']) ?? 0) : 0,
    pddSec: num(r['pdd_sec']),
    costAmount: num(r['cost_amount']),
    costCurrency: str(r['cost_currency']),
    vendor: String(r['vendor'] ?? ''),
    callerNumber: String(r['caller_number'] ?? ''),
    calleeNumber: String(r['callee_number'] ?? ''),
    direction: String(r['direction'] ?? 'unknown'),
    trunkIn: str(r['trunk_in']),
    trunkOut: str(r['trunk_out']),
    accountCode: str(r['account_code']),
  };
}

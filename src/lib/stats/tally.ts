import { causeLabel, isEffective } from './ner';
import type { StatsRecord } from './record';

/**
 * The counts of one key over one bucket of time. Everything a figure needs
 * and nothing more, so that buckets add up (a sliding window is the sum of its
 * minute buckets) and serialize to JSON for node context.
 */
export interface TallyData {
  attempts: number;
  answered: number;
  effective: number;
  talkSec: number;
  shortCalls: number;
  pddCount: number;
  pddSum: number;
  /** PDD histogram: tenths of a second → count (p95 to 0.1 s). */
  pdd: Record<string, number>;
  cost: Record<string, number>;
  revenue: Record<string, number>;
  /** Failed attempts by cause (at most MAX_CAUSES names; the rest as "other"). */
  causes: Record<string, number>;
  late: number;
}

export const MAX_CAUSES = 64;

export function emptyTally(): TallyData {
  return { attempts: 0, answered: 0, effective: 0, talkSec: 0, shortCalls: 0, pddCount: 0, pddSum: 0, pdd: {}, cost: {}, revenue: {}, causes: {}, late: 0 };
}

export interface TallyOptions {
  /** An answered call with less talk than this is a short call. */
  shortCallSec: number;
}

export interface Money {
  amount: number;
  currency: string;
}

function addTo(map: Record<string, number>, key: string, n: number, cap = Infinity): void {
  if (map[key] !== undefined) map[key] += n;
  else if (Object.keys(map).length < cap) map[key] = n;
  else map['other'] = (map['other'] ?? 0) + n;
}

/** What every bucket of one record needs, worked out once per record (not per key and window). */
export interface Counted {
  r: StatsRecord;
  effective: boolean;
  /** The failure cause label, for a record that was not answered. */
  cause: string | undefined;
  /** The PDD histogram bin, for a record with a PDD. */
  pddBin: string | undefined;
  short: boolean;
  revenue: Money | undefined;
}

export function countedOf(r: StatsRecord, opts: TallyOptions, revenue: Money | undefined): Counted {
  return {
    r,
    effective: isEffective(r),
    cause: r.answered ? undefined : causeLabel(r),
    pddBin: r.pddSec === undefined ? undefined : String(Math.round(r.pddSec * 10)),
    short: r.answered && r.talkSec < opts.shortCallSec,
    revenue,
  };
}

export function addRecord(t: TallyData, c: Counted, late: boolean): void {
  const r = c.r;
  t.attempts++;
  if (late) t.late++;
  if (r.answered) {
    t.answered++;
    t.talkSec += r.talkSec;
    if (c.short) t.shortCalls++;
  } else {
    addTo(t.causes, c.cause!, 1, MAX_CAUSES);
  }
  if (c.effective) t.effective++;
  if (c.pddBin !== undefined) {
    t.pddCount++;
    t.pddSum += r.pddSec!;
    addTo(t.pdd, c.pddBin, 1);
  }
  const revenue = c.revenue;
  if (r.costAmount !== undefined && r.costCurrency !== undefined) addTo(t.cost, r.costCurrency, r.costAmount);
  if (revenue) addTo(t.revenue, revenue.currency, revenue.amount);
}

/** Adds `from` into `into` (the sum of two buckets). */
export function mergeTally(into: TallyData, from: TallyData): void {
  into.attempts += from.attempts;
  into.answered += from.answered;
  into.effective += from.effective;
  into.talkSec += from.talkSec;
  into.shortCalls += from.shortCalls;
  into.pddCount += from.pddCount;
  into.pddSum += from.pddSum;
  into.late += from.late;
  for (const [k, n] of Object.entries(from.pdd)) addTo(into.pdd, k, n);
  for (const [k, n] of Object.entries(from.cost)) addTo(into.cost, k, n);
  for (const [k, n] of Object.entries(from.revenue)) addTo(into.revenue, k, n);
  for (const [k, n] of Object.entries(from.causes)) addTo(into.causes, k, n, MAX_CAUSES);
}

import { orderedIds, pushId } from './id-sample';
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
  /** The ids of the last Cdrs counted (a ring, see id-sample), and how many were pushed. */
  ids: string[];
  idsN: number;
  /** The same for the attempts that were not answered: the calls behind a low ASR. */
  failedIds: string[];
  failedIdsN: number;
}

export const MAX_CAUSES = 64;

export function emptyTally(): TallyData {
  return { attempts: 0, answered: 0, effective: 0, talkSec: 0, shortCalls: 0, pddCount: 0, pddSum: 0, pdd: {}, cost: {}, revenue: {}, causes: {}, late: 0, ids: [], idsN: 0, failedIds: [], failedIdsN: 0 };
}

export interface TallyOptions {
  /** An answered call with less talk than this is a short call. */
  shortCallSec: number;
  /** How many Cdr ids each bucket keeps (all and failed ones); 0 keeps none. */
  sampleIds?: number;
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

// The per-record adds, one function per kind of map: each keeps its own inline
// cache (a PDD histogram is indexed by number, a money map by currency), which
// a single shared addTo turns megamorphic.
function addBin(map: Record<number, number>, bin: number): void {
  const v = map[bin];
  map[bin] = v === undefined ? 1 : v + 1;
}

function addMoney(map: Record<string, number>, currency: string, amount: number): void {
  const v = map[currency];
  map[currency] = v === undefined ? amount : v + amount;
}

function addCause(map: Record<string, number>, cause: string): void {
  const v = map[cause];
  if (v !== undefined) map[cause] = v + 1;
  else addTo(map, cause, 1, MAX_CAUSES);
}

/** What every bucket of one record needs, worked out once per record (not per key and window). */
export interface Counted {
  r: StatsRecord;
  effective: boolean;
  /** The failure cause label, for a record that was not answered. */
  cause: string | undefined;
  /** The PDD histogram bin (tenths of a second; a number, so no string is built); unused without a PDD. */
  pddBin: number;
  short: boolean;
  revenue: Money | undefined;
  /** Ids kept per bucket (TallyOptions.sampleIds). */
  idCap: number;
}

/** A Counted to fill with `fillCounted`: the engine keeps one and reuses it for every record. */
export function blankCounted(r: StatsRecord): Counted {
  return { r, effective: false, cause: undefined, pddBin: -1, short: false, revenue: undefined, idCap: 0 };
}

export function fillCounted(c: Counted, r: StatsRecord, opts: TallyOptions, revenue: Money | undefined): Counted {
  c.r = r;
  c.effective = isEffective(r);
  c.cause = r.answered ? undefined : causeLabel(r);
  c.pddBin = r.pddSec === undefined ? -1 : Math.round(r.pddSec * 10);
  c.short = r.answered && r.talkSec < opts.shortCallSec;
  c.revenue = revenue;
  c.idCap = opts.sampleIds ?? DEFAULT_SAMPLE_IDS;
  return c;
}

export const DEFAULT_SAMPLE_IDS = 10;

export function addRecord(t: TallyData, c: Counted, late: boolean): void {
  const r = c.r;
  t.attempts++;
  if (late) t.late++;
  if (c.idCap > 0) pushId(t.ids, t.idsN++, c.idCap, r.id);
  if (r.answered) {
    t.answered++;
    t.talkSec += r.talkSec;
    if (c.short) t.shortCalls++;
  } else {
    addCause(t.causes, c.cause!);
    if (c.idCap > 0) pushId(t.failedIds, t.failedIdsN++, c.idCap, r.id);
  }
  if (c.effective) t.effective++;
  if (r.pddSec !== undefined) {
    t.pddCount++;
    t.pddSum += r.pddSec!;
    addBin(t.pdd, c.pddBin);
  }
  const revenue = c.revenue;
  if (r.costAmount !== undefined && r.costCurrency !== undefined) addMoney(t.cost, r.costCurrency, r.costAmount);
  if (revenue) addMoney(t.revenue, revenue.currency, revenue.amount);
}

/** Adds `from` into `into` (the sum of two buckets). The id samples are not summed: see the engine's report. */
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

/**
 * Empties the id rings of the older buckets of a sliding window (`buckets`
 * oldest first) once the newer ones hold `cap` ids: a report names only the
 * last `cap`, and a 24-hour window of 1-minute buckets would otherwise keep
 * 1,440 rings per key. A late record may still add to an emptied ring.
 */
export function dropOlderIds(buckets: readonly TallyData[], cap: number): void {
  let ids = 0;
  let failed = 0;
  for (let i = buckets.length - 1; i >= 0; i--) {
    const t = buckets[i]!;
    if (ids >= cap) {
      t.ids = [];
      t.idsN = 0;
    }
    if (failed >= cap) {
      t.failedIds = [];
      t.failedIdsN = 0;
    }
    ids += t.ids.length;
    failed += t.failedIds.length;
  }
}

/**
 * A bucket read back from node context, as a copy (a memory context store hands
 * back the very objects saved): one from before id samples, or kept with another
 * cap, is made whole.
 */
export function restoredTally(saved: TallyData, cap: number): TallyData {
  const t = structuredClone(saved);
  const fix = (ring: unknown, n: unknown): [string[], number] => {
    if (cap === 0 || !Array.isArray(ring) || typeof n !== 'number' || n < ring.length) return [[], 0];
    const kept = orderedIds(ring as string[], n).slice(-cap);
    return [kept, kept.length];
  };
  [t.ids, t.idsN] = fix(t.ids, t.idsN);
  [t.failedIds, t.failedIdsN] = fix(t.failedIds, t.failedIdsN);
  return t;
}

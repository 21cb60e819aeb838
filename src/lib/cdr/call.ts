import type { Cdr, Timing, Trunks, Vendor } from './schema';
import { stableId } from './id';
import { isoUtc } from './time';
import { defaultCallRule, unansweredDisposition, type CallRule } from './call-rules';
import { asteriskCallRule } from './normalize/asterisk-call';
import { ucmCallRule } from './normalize/ucm-call';
import { freeswitchCallRule } from './normalize/freeswitch-call';

/** Counts the vendor gives for the whole call (a UCM group's `main_cdr`). */
export interface CallCounts {
  durationSec?: number;
  billSec?: number;
}

const RULES: Partial<Record<Vendor, CallRule>> = {
  asterisk: asteriskCallRule,
  ucm: ucmCallRule,
  freeswitch: freeswitchCallRule,
};

/**
 * One `kind: "call"` record from the legs of a call, whatever the vendor.
 *
 * The call's figures are the PBX's own counts, never recomputed from its
 * timestamps: PBXs write times truncated to the second, so end − start is a
 * second off about one time in four, while Duration and BillableSeconds are
 * what the PBX counted and what a carrier invoices. Rules (README, "How a call
 * is built from its legs"):
 * - legs are ordered by start time (then end time, then id), so the order they
 *   arrived in does not matter;
 * - the vendor's rule (normalize/<vendor>-call.ts) says which legs answered the
 *   dialed destination and which tell how an unanswered call ended; a leg with
 *   0 billable seconds never answers a call;
 * - disposition: answered when such a leg exists, else the most telling of the
 *   dial attempts (no_answer, busy, congestion, failed); answerTime only for an
 *   answered call (the earliest answer of its answering legs); billSec 0 when
 *   not answered;
 * - durationSec: the vendor's count for the call (`counts`, a UCM main_cdr),
 *   else the primary leg's (FreeSWITCH A-leg), else the Duration of the leg
 *   that spans the call, else the legs' Durations placed at their start
 *   offsets;
 * - billSec: the vendor's count for the call, else the primary leg's, else the
 *   answering legs' own billsec, once for legs talking at the same time and
 *   added for legs one after another; never more than the PBX billed for them;
 * - start = earliest leg start, end = latest leg end (the primary leg's when
 *   the vendor has one);
 * - caller and callee from the leg that leads the call (the vendor's rule:
 *   Asterisk's first dial leg, FreeSWITCH's A-leg; else the first leg);
 *   dialed (only when it differs from the callee), direction, timing, account
 *   code and user field from the first leg that has them; trunks from the
 *   first leg with an inbound / outbound trunk; recordings from every leg;
 *   `extra.answeredBy` is who answered (the vendor's rule, else the callee of
 *   the first answering leg), only on an answered call;
 * - id is a hash of the callId and the leg ids: the same legs give the same id.
 */
export function buildCall(legs: readonly Cdr[], callId?: string, counts: CallCounts = {}): Cdr {
  if (legs.length === 0) throw new Error('buildCall: a call needs at least one leg');
  const ordered = [...legs].sort(compareLegs);
  const first = ordered[0]!;
  const id = callId ?? first.callId;
  const outcome = (RULES[first.vendor] ?? defaultCallRule)(ordered);
  const lead = outcome.lead ?? first;
  const primary = outcome.primary;
  const answered = [...outcome.answered].sort(compareLegs);
  const isAnswered = answered.length > 0;

  let startMs = Infinity;
  let endMs = -Infinity;
  for (const leg of ordered) {
    startMs = Math.min(startMs, Date.parse(leg.startTime));
    endMs = Math.max(endMs, Date.parse(leg.endTime));
  }
  if (primary) {
    startMs = Date.parse(primary.startTime);
    endMs = Math.max(startMs, Date.parse(primary.endTime));
  }
  let answerMs: number | null = null;
  if (isAnswered) {
    answerMs = Math.min(...answered.map((l) => Date.parse(l.answerTime!)));
    answerMs = Math.min(Math.max(answerMs, startMs), endMs);
  }

  const durationSec = counts.durationSec ?? primary?.durationSec ?? countedDuration(ordered, startMs, endMs);
  // Talk time never exceeds the call it is part of.
  const billed = !isAnswered ? 0 : Math.min(durationSec, counts.billSec ?? primary?.billSec ?? countedBill(answered));

  const call: Cdr = {
    schema: 1,
    kind: 'call',
    id: stableId(`${first.vendor}-call`, [id, ...ordered.map((l) => l.id).sort()]),
    callId: id,
    vendor: first.vendor,
    startTime: isoUtc(startMs),
    answerTime: answerMs === null ? null : isoUtc(answerMs),
    endTime: isoUtc(endMs),
    durationSec,
    billSec: billed,
    caller: { ...lead.caller },
    callee: { ...lead.callee },
    disposition: isAnswered ? 'answered' : unansweredDisposition(outcome.telling),
    direction: ordered.find((l) => l.direction !== 'unknown')?.direction ?? 'unknown',
    legs: ordered,
    extra: { legCount: ordered.length },
  };
  if (isAnswered) call.extra['answeredBy'] = (outcome.answeredBy ?? answered[0]!).callee.number;

  const dialed = lead.dialed ?? firstOf(ordered, (l) => l.dialed);
  if (dialed !== undefined && dialed !== call.callee.number) call.dialed = dialed;
  const trunk: Trunks = {};
  const tin = firstOf(ordered, (l) => l.trunk?.in);
  const tout = firstOf(ordered, (l) => l.trunk?.out);
  if (tin !== undefined) trunk.in = tin;
  if (tout !== undefined) trunk.out = tout;
  if (tin !== undefined || tout !== undefined) call.trunk = trunk;
  const accountCode = firstOf(ordered, (l) => l.accountCode);
  if (accountCode !== undefined) call.accountCode = accountCode;
  const userField = firstOf(ordered, (l) => l.userField);
  if (userField !== undefined) call.userField = userField;
  const recordings = [...new Set(ordered.flatMap((l) => l.recordings ?? []))];
  if (recordings.length > 0) call.recordings = recordings;
  const timing: Timing | undefined = lead.timing ?? firstOf(ordered, (l) => l.timing);
  if (timing !== undefined) call.timing = timing;
  const last = [...ordered].sort((a, b) => Date.parse(b.endTime) - Date.parse(a.endTime))[0]!;
  if (last.hangup) call.hangup = { ...last.hangup };
  return call;
}

export function compareLegs(a: Cdr, b: Cdr): number {
  return (
    Date.parse(a.startTime) - Date.parse(b.startTime) ||
    Date.parse(a.endTime) - Date.parse(b.endTime) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

function firstOf<T>(legs: readonly Cdr[], pick: (leg: Cdr) => T | undefined): T | undefined {
  for (const l of legs) {
    const v = pick(l);
    if (v !== undefined && v !== '') return v;
  }
  return undefined;
}

/**
 * The call's duration from the legs' own Durations: the leg that spans the
 * call (starts at its start and ends at its end) when there is one, else each
 * leg's Duration counted from its start offset, the longest.
 */
function countedDuration(legs: readonly Cdr[], startMs: number, endMs: number): number {
  let spanning = -1;
  let placed = 0;
  for (const leg of legs) {
    const s = Date.parse(leg.startTime);
    if (s === startMs && Date.parse(leg.endTime) === endMs) spanning = Math.max(spanning, leg.durationSec);
    placed = Math.max(placed, (s - startMs) / 1000 + leg.durationSec);
  }
  return spanning >= 0 ? spanning : placed;
}

/**
 * The answering legs' billsec: legs whose answer..end overlap (parallel or
 * nested, as a forwarded call's two dial records) are one stretch of talk,
 * counted from its first answer with each leg's own billsec; stretches one
 * after another (a transfer) add up. Never more than the legs' billsec summed.
 */
function countedBill(answered: readonly Cdr[]): number {
  const spans = answered
    .map((l) => ({ a: Date.parse(l.answerTime!), e: Date.parse(l.endTime), bill: l.billSec }))
    .sort((x, y) => x.a - y.a);
  let total = 0;
  let sum = 0;
  let groupStart = NaN;
  let groupEnd = -Infinity;
  let groupBill = 0;
  for (const s of spans) {
    sum += s.bill;
    if (s.a >= groupEnd) {
      total += groupBill;
      groupStart = s.a;
      groupEnd = s.e;
      groupBill = s.bill;
    } else {
      groupEnd = Math.max(groupEnd, s.e);
      groupBill = Math.max(groupBill, (s.a - groupStart) / 1000 + s.bill);
    }
  }
  total += groupBill;
  return Math.min(total, sum);
}

import type { Cdr, Disposition, Timing, Trunks } from './schema';
import { stableId } from './id';

/**
 * One `kind: "call"` record from the legs of a call, whatever the vendor.
 *
 * Rules (documented in the README):
 * - legs are ordered by start time (then end time, then id), so the order they
 *   arrived in does not matter;
 * - start = earliest leg start, end = latest leg end, answer = earliest answer;
 * - billSec = the time at least one leg was answered (the union of the legs'
 *   answer..end intervals), so parallel ring-group legs are not counted twice;
 * - disposition: answered if any leg was, else the most telling of the legs'
 *   (no_answer, then busy, then congestion, then failed);
 * - caller, callee, dialed, direction, timing, account code and user field come
 *   from the first leg that has them; trunks from the first leg with an
 *   inbound / outbound trunk; recordings from every leg;
 * - id is a hash of the callId and the leg ids: the same legs give the same id.
 */
export function buildCall(legs: readonly Cdr[], callId?: string): Cdr {
  if (legs.length === 0) throw new Error('buildCall: a call needs at least one leg');
  const ordered = [...legs].sort(compareLegs);
  const first = ordered[0]!;
  const id = callId ?? first.callId;

  let startMs = Infinity;
  let endMs = -Infinity;
  let answerMs = Infinity;
  const answered: Array<[number, number]> = [];
  for (const leg of ordered) {
    const s = Date.parse(leg.startTime);
    const e = Date.parse(leg.endTime);
    if (s < startMs) startMs = s;
    if (e > endMs) endMs = e;
    if (leg.answerTime !== null) {
      const a = Date.parse(leg.answerTime);
      if (a < answerMs) answerMs = a;
      answered.push([a, e]);
    }
  }

  const call: Cdr = {
    schema: 1,
    kind: 'call',
    id: stableId(`${first.vendor}-call`, [id, ...ordered.map((l) => l.id).sort()]),
    callId: id,
    vendor: first.vendor,
    startTime: new Date(startMs).toISOString(),
    answerTime: answered.length > 0 ? new Date(answerMs).toISOString() : null,
    endTime: new Date(endMs).toISOString(),
    durationSec: (endMs - startMs) / 1000,
    billSec: unionMs(answered) / 1000,
    caller: { ...first.caller },
    callee: { ...first.callee },
    disposition: callDisposition(ordered),
    direction: ordered.find((l) => l.direction !== 'unknown')?.direction ?? 'unknown',
    legs: ordered,
    extra: { legCount: ordered.length },
  };
  const answeredLeg = ordered.find((l) => l.answerTime !== null && l.billSec > 0) ?? ordered.find((l) => l.answerTime !== null);
  if (answeredLeg) call.extra['answeredBy'] = answeredLeg.callee.number;

  const dialed = firstOf(ordered, (l) => l.dialed);
  if (dialed !== undefined) call.dialed = dialed;
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
  const timing: Timing | undefined = firstOf(ordered, (l) => l.timing);
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

const UNANSWERED_RANK: Disposition[] = ['no_answer', 'busy', 'congestion', 'failed'];

function callDisposition(legs: readonly Cdr[]): Disposition {
  if (legs.some((l) => l.disposition === 'answered' || l.answerTime !== null)) return 'answered';
  for (const d of UNANSWERED_RANK) if (legs.some((l) => l.disposition === d)) return d;
  return 'failed';
}

function firstOf<T>(legs: readonly Cdr[], pick: (leg: Cdr) => T | undefined): T | undefined {
  for (const l of legs) {
    const v = pick(l);
    if (v !== undefined && v !== '') return v;
  }
  return undefined;
}

/** Total length of the union of [start, end] intervals, in ms. */
function unionMs(intervals: Array<[number, number]>): number {
  const sorted = intervals.filter(([s, e]) => e > s).sort((x, y) => x[0] - y[0]);
  let total = 0;
  let curS = -Infinity;
  let curE = -Infinity;
  for (const [s, e] of sorted) {
    if (s > curE) {
      if (curE > curS) total += curE - curS;
      curS = s;
      curE = e;
    } else if (e > curE) {
      curE = e;
    }
  }
  if (curE > curS) total += curE - curS;
  return total;
}

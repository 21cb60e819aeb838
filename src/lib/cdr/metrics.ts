import type { Cdr, Metrics } from './schema';

/**
 * Derived durations of a call or leg, in seconds (rounded to the millisecond,
 * or to the microsecond for FreeSWITCH, which counts in microseconds).
 *
 * A record that was not answered (disposition other than answered) has
 * talkSec 0 whatever stray answer time or billsec it carries (an Asterisk dial
 * leg with NO ANSWER has both), and rang the whole time.
 *
 * - totalSec = durationSec (the vendor's count).
 * - talkSec = billSec, the vendor's count (answer to end; 0 when not
 *   answered); FreeSWITCH: hangup − answer to the microsecond.
 * - ring start = `timing.earlyMediaTime` when the vendor reports early media,
 *   else `timing.progressTime`.
 * - ringSec = (answer, or end when unanswered) − ring start when the ring start
 *   is known; otherwise durationSec − billSec for an answered record and the
 *   whole duration for an unanswered one (the time the caller waited; what PBX
 *   loggers call ring time).
 * - pddSec = the vendor's own `timing.pddSec` when given, else ring start −
 *   start when the ring start is known; absent otherwise.
 * - holdSec = the sum of `timing.holds` periods when the vendor reports holds;
 *   absent otherwise.
 */
export function computeMetrics(cdr: Cdr): Metrics {
  const answered = cdr.disposition === 'answered' && cdr.answerTime !== null;
  const timing = cdr.timing;
  const ringStartText = timing?.earlyMediaTime ?? timing?.progressTime;
  const ringStart = ringStartText === undefined ? null : Date.parse(ringStartText);
  const precise = preciseFigures(cdr);

  // The record's own times are read only where a ring start needs them: most
  // records have none, and three Date.parse calls were most of this function.
  let ringMs: number;
  if (precise?.ringSec !== undefined && (answered || precise.talkSec === 0)) ringMs = precise.ringSec * 1000;
  else if (ringStart !== null) ringMs = Date.parse(answered ? cdr.answerTime! : cdr.endTime) - ringStart;
  else if (answered) ringMs = (cdr.durationSec - cdr.billSec) * 1000;
  else ringMs = cdr.durationSec * 1000;

  const talkSec = !answered ? 0 : precise?.talkSec ?? cdr.billSec;
  const metrics: Metrics = {
    ringSec: sec(Math.max(0, ringMs)),
    talkSec: sec(talkSec * 1000),
    totalSec: sec(cdr.durationSec * 1000),
  };
  if (timing?.pddSec !== undefined) metrics.pddSec = sec(timing.pddSec * 1000);
  else if (precise?.pddSec !== undefined) metrics.pddSec = sec(precise.pddSec * 1000);
  else if (ringStart !== null) metrics.pddSec = sec(Math.max(0, ringStart - Date.parse(cdr.startTime)));
  if (timing?.holds !== undefined) {
    let holdMs = 0;
    for (const h of timing.holds) holdMs += Math.max(0, Date.parse(h.end) - Date.parse(h.start));
    metrics.holdSec = precise?.holdSec ?? sec(holdMs);
  }
  return metrics;
}

interface PreciseFigures {
  talkSec?: number;
  ringSec?: number;
  pddSec?: number;
  holdSec?: number;
}

/**
 * FreeSWITCH's figures to the microsecond, which its mapper keeps in `extra`
 * (the ISO times hold milliseconds); for a call, those of its A-leg.
 */
function preciseFigures(cdr: Cdr): PreciseFigures | null {
  if (cdr.vendor !== 'freeswitch') return null;
  const source = cdr.kind === 'call' ? cdr.legs?.find((l) => l.id === cdr.callId) : cdr;
  if (!source) return null;
  const out: PreciseFigures = {};
  for (const k of ['talkSec', 'ringSec', 'pddSec', 'holdSec'] as const) {
    const v = source.extra[k];
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) out[k] = v;
  }
  return Object.keys(out).length > 0 ? out : null;
}

/** ms → seconds, kept to the microsecond (FreeSWITCH's precision; whole-second counts stay whole). */
function sec(ms: number): number {
  return Math.round(ms * 1000) / 1_000_000;
}

/** `secs` as `H:MM:SS` (hours not limited to 24), the "as a time" form PBX loggers show. */
export function formatDuration(secs: number): string {
  const whole = Math.max(0, Math.round(secs));
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

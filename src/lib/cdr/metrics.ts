import type { Cdr, Metrics } from './schema';

/**
 * Derived durations of a call or leg, in seconds (rounded to the millisecond).
 *
 * - totalSec = durationSec (start to end).
 * - talkSec = billSec (answer to end; 0 when not answered).
 * - ring start = `timing.earlyMediaTime` when the vendor reports early media,
 *   else `timing.progressTime`.
 * - ringSec = (answer, or end when unanswered) − ring start when the ring start
 *   is known; otherwise answer − start for an answered record and the whole
 *   duration for an unanswered one (the time the caller waited; this is also
 *   Duration − BillableSeconds, what PBX loggers call ring time).
 * - pddSec = the vendor's own `timing.pddSec` when given, else ring start −
 *   start when the ring start is known; absent otherwise.
 * - holdSec = the sum of `timing.holds` periods when the vendor reports holds;
 *   absent otherwise.
 */
export function computeMetrics(cdr: Cdr): Metrics {
  const start = Date.parse(cdr.startTime);
  const end = Date.parse(cdr.endTime);
  const answer = cdr.answerTime === null ? null : Date.parse(cdr.answerTime);
  const timing = cdr.timing;
  const ringStartText = timing?.earlyMediaTime ?? timing?.progressTime;
  const ringStart = ringStartText === undefined ? null : Date.parse(ringStartText);

  let ringMs: number;
  if (ringStart !== null) ringMs = (answer ?? end) - ringStart;
  else if (answer !== null) ringMs = answer - start;
  else ringMs = cdr.durationSec * 1000;

  const metrics: Metrics = {
    ringSec: sec(Math.max(0, ringMs)),
    talkSec: sec(cdr.billSec * 1000),
    totalSec: sec(cdr.durationSec * 1000),
  };
  if (timing?.pddSec !== undefined) metrics.pddSec = sec(timing.pddSec * 1000);
  else if (ringStart !== null) metrics.pddSec = sec(Math.max(0, ringStart - start));
  if (timing?.holds !== undefined) {
    let holdMs = 0;
    for (const h of timing.holds) holdMs += Math.max(0, Date.parse(h.end) - Date.parse(h.start));
    metrics.holdSec = sec(holdMs);
  }
  return metrics;
}

function sec(ms: number): number {
  return Math.round(ms) / 1000;
}

/** `secs` as `H:MM:SS` (hours not limited to 24), the "as a time" form PBX loggers show. */
export function formatDuration(secs: number): string {
  const whole = Math.max(0, Math.round(secs));
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

/**
 * Placing a record's instants when the PBX writes local wall-clock times.
 *
 * On the autumn clock change an hour repeats: a call from 02:50 (first pass)
 * to 02:10 (second pass) reads as ending before it started, and a time in the
 * repeated hour is read as its first pass. The PBX's own duration (counted in
 * real seconds) tells the instants apart: when end − start disagrees with the
 * duration by a clock shift or more (or goes backwards), the end is start +
 * duration if that instant reads as the end's wall clock, else the start is
 * end − duration if that reads as the start's; when the clock went backwards
 * by no more than a clock change and neither reads right, end = start +
 * duration. The answer is placed the same way from billsec. A vendor with no count (VOS3000's wall clock, the
 * gateway's event times) can only tell a time that went backwards: it was the
 * second pass of the repeated hour.
 */
import { wallClockToEpochMs, zoneOffsetMs } from '../time';

/** Smallest clock change there is (some zones shift by 30 minutes). */
export const ZONE_SHIFT_MS = 30 * 60_000;
/** Largest clock change there is (two hours, Antarctica/Troll). */
const MAX_ZONE_SHIFT_MS = 2 * 60 * 60_000;

/** True when instant `ms` reads as the wall-clock `text` in `timeZone` (to the second, or one second off for truncated counts). */
export function readsAs(ms: number, text: string, timeZone: string): boolean {
  const asUtc = wallClockToEpochMs(text, 'UTC');
  if (asUtc === null) return false;
  const wall = Math.floor((ms + zoneOffsetMs(ms, timeZone)) / 1000);
  return Math.abs(wall - Math.floor(asUtc / 1000)) <= 1;
}

export interface Placed {
  startMs: number;
  endMs: number;
}

/** Start and end from their wall-clock texts and the vendor's duration (seconds, or null when it gave none). */
export function placeByDuration(startMs: number, endMs: number, startText: string, endText: string, durationSec: number | null, timeZone: string): Placed {
  if (durationSec === null) return { startMs, endMs: secondPass(endMs, endText, startMs, timeZone) };
  const durationMs = durationSec * 1000;
  const off = endMs - startMs - durationMs;
  if (endMs >= startMs && Math.abs(off) < ZONE_SHIFT_MS) return { startMs, endMs };
  if (readsAs(startMs + durationMs, endText, timeZone)) return { startMs, endMs: startMs + durationMs };
  if (readsAs(endMs - durationMs, startText, timeZone)) return { startMs: endMs - durationMs, endMs };
  // Backwards by no more than a clock change can move it (a zone set a change
  // behind the PBX's): the count places the end. Further back is no clock
  // change but a contradictory record, left for the mapper to refuse.
  if (endMs < startMs && startMs - endMs <= MAX_ZONE_SHIFT_MS) return { startMs, endMs: startMs + durationMs };
  return { startMs, endMs };
}

/** The answer instant from its wall-clock text, checked against end − billsec the same way. */
export function placeAnswer(answerMs: number, answerText: string, endMs: number, billSec: number | null, timeZone: string): number {
  if (billSec === null) return answerMs;
  const fromBill = endMs - billSec * 1000;
  if (Math.abs(answerMs - fromBill) < ZONE_SHIFT_MS) return answerMs;
  return readsAs(fromBill, answerText, timeZone) ? fromBill : answerMs;
}

/**
 * Without a count: a time read before `notBeforeMs` (the clock went
 * backwards) that falls in a repeated hour was its second pass.
 */
export function secondPass(ms: number, text: string, notBeforeMs: number, timeZone: string): number {
  if (ms >= notBeforeMs) return ms;
  for (let k = 1; k <= 4; k++) {
    const later = ms + k * ZONE_SHIFT_MS;
    if (later >= notBeforeMs && readsAs(later, text, timeZone)) return later;
  }
  return ms;
}

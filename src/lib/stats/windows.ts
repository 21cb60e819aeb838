import { zoneOffsetMs } from '../cdr/time';

/**
 * The time windows of cdr-stats. A sliding window is the last N minutes, kept
 * as 1-minute buckets; a tumbling window is one period after another (N
 * minutes, N hours or one day), aligned to the wall clock of a time zone, so a
 * day is 23 or 25 hours long on the days daylight saving time changes.
 */
export type WindowSpec =
  | { type: 'sliding'; minutes: number }
  | { type: 'tumbling'; unit: 'minute' | 'hour' | 'day'; size: number; timeZone: string };

export const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/** "15m" for a sliding window of 15 minutes, "1h" / "30m" / "1d" for tumbling periods. */
export function windowName(w: WindowSpec): string {
  if (w.type === 'sliding') return `${w.minutes}m`;
  return `${w.size}${w.unit === 'minute' ? 'm' : w.unit === 'hour' ? 'h' : 'd'}`;
}

/** Parses "sliding 15m", "tumbling 1h", "tumbling 1d" (the dialog's list); throws with a message for anything else. */
export function parseWindow(text: string, timeZone: string): WindowSpec {
  const m = /^\s*(sliding|tumbling)\s+(\d+)\s*(m|min|h|d)\s*$/i.exec(text);
  if (!m) throw new Error(`window "${text}" must be like "sliding 15m", "tumbling 1h" or "tumbling 1d"`);
  const type = m[1]!.toLowerCase();
  const size = Number(m[2]);
  const unit = m[3]!.toLowerCase();
  if (type === 'sliding') {
    const minutes = unit === 'h' ? size * 60 : unit === 'd' ? size * 1440 : size;
    if (minutes < 1 || minutes > 1440) throw new Error(`window "${text}": a sliding window is 1 minute to 24 hours`);
    return { type: 'sliding', minutes };
  }
  if (unit === 'd') {
    if (size !== 1) throw new Error(`window "${text}": a tumbling day window is 1d`);
    return { type: 'tumbling', unit: 'day', size: 1, timeZone };
  }
  if (unit === 'h') {
    if (size < 1 || 24 % size !== 0) throw new Error(`window "${text}": tumbling hours must divide 24 (1, 2, 3, 4, 6, 8, 12)`);
    return { type: 'tumbling', unit: 'hour', size, timeZone };
  }
  if (size < 1 || 60 % size !== 0) throw new Error(`window "${text}": tumbling minutes must divide 60 (1, 5, 10, 15, 30 …)`);
  return { type: 'tumbling', unit: 'minute', size, timeZone };
}

/** The start of the bucket that holds instant `t`: its minute (sliding) or its period (tumbling). */
export function bucketStart(w: WindowSpec, t: number): number {
  if (w.type === 'sliding') return Math.floor(t / MINUTE_MS) * MINUTE_MS;
  if (w.unit === 'day') return localDayStart(t, w.timeZone);
  const period = w.size * (w.unit === 'hour' ? HOUR_MS : MINUTE_MS);
  const off = zoneOffsetMs(t, w.timeZone);
  return Math.floor((t + off) / period) * period - off;
}

/** The end (exclusive) of the bucket that starts at `start`. */
export function bucketEnd(w: WindowSpec, start: number): number {
  if (w.type === 'sliding') return start + MINUTE_MS;
  if (w.unit === 'day') return localDayStart(start + 26 * HOUR_MS, w.timeZone);
  return start + w.size * (w.unit === 'hour' ? HOUR_MS : MINUTE_MS);
}

/** Local midnight of the day that holds `t` in `timeZone`, as epoch ms. */
function localDayStart(t: number, timeZone: string): number {
  const DAY = 24 * HOUR_MS;
  const local = t + zoneOffsetMs(t, timeZone);
  const midnightLocal = Math.floor(local / DAY) * DAY;
  // The offset at midnight may differ from the one at t (a DST change that day).
  let guess = midnightLocal - zoneOffsetMs(t, timeZone);
  guess = midnightLocal - zoneOffsetMs(guess, timeZone);
  return guess > t ? localDayStart(guess - 1, timeZone) : guess;
}

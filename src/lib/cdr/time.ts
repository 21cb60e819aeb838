/**
 * Wall-clock times without a zone (what PBXs send) → UTC ISO 8601.
 *
 * Ambiguity rules (the same as Temporal's "compatible" disambiguation, which is
 * also what most databases do):
 * - a time in the skipped hour (spring forward) is read with the offset in force
 *   before the change, so it lands after the gap: 02:30 on a 02:00→03:00 day
 *   becomes 03:30 local;
 * - a time in the repeated hour (fall back) is the earlier of its two instants.
 */

/** The wall-clock times read (the reader below goes by it character by character; tests check the two agree). */
export const WALL_CLOCK = /^(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?$/;
const DAY_MS = 86_400_000;

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The host's IANA time zone (the default for every node). */
export function hostTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** True when `timeZone` is an IANA name this runtime knows. */
export function isValidTimeZone(timeZone: string): boolean {
  if (typeof timeZone !== 'string' || timeZone.trim() === '') return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Offset of `timeZone` from UTC at instant `epochMs`, in ms (local − UTC). */
export function zoneOffsetMs(epochMs: number, timeZone: string): number {
  const whole = Math.floor(epochMs / 1000) * 1000;
  const parts = formatterFor(timeZone).formatToParts(new Date(whole));
  const get = (type: Intl.DateTimeFormatPartTypes): number => {
    const p = parts.find((x) => x.type === type);
    return p ? Number(p.value) : 0;
  };
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - whole;
}

// Where the reader below stands in its text (module state: no object per call).
let at = 0;

/** `min` to `max` ASCII digits at `at` as a number (moving past them), or -1. */
function digits(s: string, min: number, max: number): number {
  let n = 0;
  let len = 0;
  while (len < max && at < s.length) {
    const d = s.charCodeAt(at) - 48;
    if (d < 0 || d > 9) break;
    n = n * 10 + d;
    at++;
    len++;
  }
  return len >= min ? n : -1;
}

/**
 * Reads what WALL_CLOCK matches, character by character: no regex match
 * array and no substrings per time (three times per record).
 */
function parseWallClock(text: string): WallClock | null {
  const s = text.trim();
  at = 0;
  const year = digits(s, 4, 4);
  if (year < 0 || s.charCodeAt(at++) !== 45) return null; // -
  const month = digits(s, 1, 2);
  if (month < 0 || s.charCodeAt(at++) !== 45) return null;
  const day = digits(s, 1, 2);
  const sep = s.charCodeAt(at++);
  if (day < 0 || (sep !== 84 && sep !== 32)) return null; // T or space
  const hour = digits(s, 1, 2);
  if (hour < 0 || s.charCodeAt(at++) !== 58) return null; // :
  const minute = digits(s, 2, 2);
  if (minute < 0) return null;
  let second = 0;
  let millisecond = 0;
  if (at < s.length) {
    if (s.charCodeAt(at++) !== 58) return null;
    second = digits(s, 2, 2);
    if (second < 0) return null;
    if (at < s.length) {
      const mark = s.charCodeAt(at++);
      if (mark !== 46 && mark !== 44) return null; // . or ,
      const from = at;
      const fraction = digits(s, 1, 9);
      if (fraction < 0) return null;
      const len = at - from;
      // The first three digits are the milliseconds: .5 is 500, .123456 is 123.
      millisecond = len >= 3 ? Math.floor(fraction / 10 ** (len - 3)) : fraction * 10 ** (3 - len);
    }
  }
  if (at !== s.length) return null;
  const wc: WallClock = { year, month, day, hour, minute, second, millisecond };
  if (wc.month < 1 || wc.month > 12 || wc.day < 1 || wc.hour > 23 || wc.minute > 59 || wc.second > 59) return null;
  // Reject 2023-02-30 and friends: Date.UTC would silently roll them over.
  if (wc.day > daysInMonth(wc.year, wc.month)) return null;
  return wc;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days of a month of the proleptic Gregorian calendar (as Date.UTC counts them), without a Date per record. */
function daysInMonth(year: number, month: number): number {
  if (month !== 2) return MONTH_DAYS[month - 1]!;
  // Date.UTC reads years 0–99 as 1900–1999: the same here, so the same dates pass.
  const y = year >= 0 && year <= 99 ? year + 1900 : year;
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
}

// Results are cached per zone and local hour: records arrive in bursts that
// share hours, and formatToParts is the slow part. An hour is resolved from its
// first and last minute; when they are exactly 59 minutes apart no clock change
// happens inside it (two changes within one hour do not occur), so every minute
// is the first one plus its minutes. An hour with a change inside is resolved
// minute by minute.
// Keyed per zone by a number for the local hour (no string built per record).
const hours = new Map<string, Map<number, number | null>>();
const minutes = new Map<string, Map<number, number>>();
const CACHE_MAX = 20_000;

function remember<V>(map: Map<number, V>, key: number, value: V): V {
  if (map.size >= CACHE_MAX) map.clear();
  map.set(key, value);
  return value;
}

function zoneMap<V>(maps: Map<string, Map<number, V>>, timeZone: string): Map<number, V> {
  let m = maps.get(timeZone);
  if (m === undefined) {
    if (maps.size >= 64) maps.clear();
    m = new Map<number, V>();
    maps.set(timeZone, m);
  }
  return m;
}

function resolveMinute(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): number {
  const asUtc = Date.UTC(year, month - 1, day, hour, minute);
  const before = zoneOffsetMs(asUtc - DAY_MS, timeZone);
  const after = zoneOffsetMs(asUtc + DAY_MS, timeZone);
  const candidates = [...new Set([before, after])]
    .map((off) => asUtc - off)
    .filter((t) => zoneOffsetMs(t, timeZone) === asUtc - t)
    .sort((a, b) => a - b);
  // No candidate: the minute was skipped; read it with the offset before the change.
  return candidates.length > 0 ? candidates[0]! : asUtc - before;
}

function minuteStartUtc(wc: WallClock, timeZone: string): number {
  const hourKey = ((wc.year * 13 + wc.month) * 32 + wc.day) * 24 + wc.hour;
  const zoneHours = zoneMap(hours, timeZone);
  let first = zoneHours.get(hourKey);
  if (first === undefined) {
    const a = resolveMinute(wc.year, wc.month, wc.day, wc.hour, 0, timeZone);
    const b = resolveMinute(wc.year, wc.month, wc.day, wc.hour, 59, timeZone);
    first = remember(zoneHours, hourKey, b - a === 59 * 60_000 ? a : null);
  }
  if (first !== null) return first + wc.minute * 60_000;
  const key = hourKey * 60 + wc.minute;
  const zoneMinutes = zoneMap(minutes, timeZone);
  const hit = zoneMinutes.get(key);
  if (hit !== undefined) return hit;
  return remember(zoneMinutes, key, resolveMinute(wc.year, wc.month, wc.day, wc.hour, wc.minute, timeZone));
}

/**
 * `YYYY-MM-DD HH:MM[:SS[.fff]]` in `timeZone` → epoch ms, or null when the text is
 * empty or not such a time. `0000-00-00 00:00:00` (a "never" seen in some exports)
 * is null too.
 */
export function wallClockToEpochMs(text: string | null | undefined, timeZone: string): number | null {
  if (text === null || text === undefined) return null;
  const wc = parseWallClock(String(text));
  if (!wc) return null;
  return minuteStartUtc(wc, timeZone) + wc.second * 1000 + wc.millisecond;
}

/** Like {@link wallClockToEpochMs} but gives the ISO 8601 UTC string. */
export function wallClockToIso(text: string | null | undefined, timeZone: string): string | null {
  const ms = wallClockToEpochMs(text, timeZone);
  return ms === null ? null : new Date(ms).toISOString();
}

export type EpochUnit = 's' | 'ms' | 'us';

const PER_MS: Record<EpochUnit, number> = { s: 1 / 1000, ms: 1, us: 1000 };

/** Epoch number (or numeric string) in `unit` → ISO 8601 UTC; 0, empty or non-numeric → null. */
export function epochToIso(value: string | number | null | undefined, unit: EpochUnit): string | null {
  if (value === null || value === undefined || value === '') return null;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n) || n <= 0) return null;
  const ms = Math.round(n / PER_MS[unit]);
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

// The date of the last day formatted, as character codes ("2024-03-31"):
// records come in bursts from the same day, and the calendar is most of
// toISOString's cost.
let isoDay = NaN;
const dayCodes = new Array<number>(10).fill(48);

/**
 * `new Date(ms).toISOString()`, the same text, for the instants a Cdr holds
 * (whole milliseconds from 1970 to 9999): the day's date is cached, the time
 * of day is computed. One flat string from character codes, not a chain of
 * concatenations (each a string of its own for the collector). Anything else
 * goes to toISOString (which throws for an invalid time, as before).
 */
export function isoUtc(ms: number): string {
  if (!(ms >= 0 && ms < 253_402_300_800_000) || Math.floor(ms) !== ms) return new Date(ms).toISOString();
  const day = Math.floor(ms / DAY_MS);
  if (day !== isoDay) {
    const date = new Date(day * DAY_MS).toISOString();
    for (let i = 0; i < 10; i++) dayCodes[i] = date.charCodeAt(i);
    isoDay = day;
  }
  let rest = ms - day * DAY_MS;
  const milli = rest % 1000;
  rest = (rest - milli) / 1000;
  const s = rest % 60;
  rest = (rest - s) / 60;
  const m = rest % 60;
  const h = (rest - m) / 60;
  const d = dayCodes;
  return String.fromCharCode(
    d[0]!, d[1]!, d[2]!, d[3]!, 45, d[5]!, d[6]!, 45, d[8]!, d[9]!, 84,
    48 + ((h / 10) | 0), 48 + (h % 10), 58, 48 + ((m / 10) | 0), 48 + (m % 10), 58, 48 + ((s / 10) | 0), 48 + (s % 10), 46,
    48 + ((milli / 100) | 0), 48 + (((milli / 10) | 0) % 10), 48 + (milli % 10), 90,
  );
}

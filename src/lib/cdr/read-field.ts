/**
 * Reading vendor fields defensively, shared by every mapper. A vendor record is
 * whatever arrived in `msg.payload`: a field may be missing, of another type
 * (a number where text is expected, an object, an array), out of range, or
 * named like a property every object inherits (`constructor`, `__proto__`).
 * Each reader gives a value of the type the mapper needs, or throws a
 * `MapError` that says which field, what value and which rule — never a
 * TypeError from deep inside a mapper, never NaN.
 */
import { MapError } from './normalize/types';

/** Longest call or leg we accept, in seconds (a year): beyond it a count is garbage, and costs stop being finite numbers. */
export const MAX_CALL_SEC = 366 * 86_400;

/** Earliest and latest instants a CDR time may have (1980 to 2200, UTC). */
export const MIN_EPOCH_MS = Date.UTC(1980, 0, 1);
export const MAX_EPOCH_MS = Date.UTC(2200, 0, 1);

const hasOwn = Object.prototype.hasOwnProperty;

/** A field of the record itself, never one every object inherits (`constructor`, `toString`, …). */
export function own(rec: object, key: string): unknown {
  return hasOwn.call(rec, key) ? (rec as Record<string, unknown>)[key] : undefined;
}

/** Sets `key` as an own property, even `__proto__` (which plain assignment would treat as the prototype). */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** A value as a short text for an error message (quoted, at most 40 characters). */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'a list';
  return 'an object';
}

/** The error for `field` holding `value` against `rule` ("must be …"). */
export function fieldError(field: string, value: unknown, rule: string): MapError {
  return new MapError(`${field} is ${describe(value)}: ${rule}`, field);
}

/**
 * A text field: strings as sent, finite numbers and booleans as their text
 * (an XML or JSON parser may have turned "1002" into 1002); '' when missing
 * or null. Throws for an object, a list or a number that is not finite.
 */
export function asText(value: unknown, field: string): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return String(value);
    throw fieldError(field, value, 'must be text');
  }
  if (typeof value === 'boolean') return String(value);
  throw fieldError(field, value, 'must be text');
}

/** A number, null when missing or empty, NaN when not a finite number (the caller names the rule). */
function numberOrNull(value: unknown): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : NaN;
  if (typeof value !== 'string') return NaN;
  const text = value.trim();
  if (text === '') return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : NaN;
}

function asNumber(value: unknown, field: string, rule: string): number | null {
  const n = numberOrNull(value);
  if (Number.isNaN(n)) throw fieldError(field, value, rule);
  return n;
}

const NO_OPTIONS: { max?: number; whole?: boolean } = {};

/**
 * A count of seconds from 0 to `max` (default {@link MAX_CALL_SEC}); null when
 * missing or empty. `whole` requires a whole number.
 */
export function asSeconds(value: unknown, field: string, options: { max?: number; whole?: boolean } = NO_OPTIONS): number | null {
  const max = options.max ?? MAX_CALL_SEC;
  const n = numberOrNull(value);
  if (n === null) return null;
  // The rule's text is built only for an error: this runs for several fields of every record.
  if (!(n >= 0 && n <= max) || (options.whole === true && !Number.isInteger(n))) {
    throw fieldError(field, value, `must be a ${options.whole ? 'whole ' : ''}number of seconds from 0 to ${max}`);
  }
  return n;
}

/** A whole number from `min` to `max`; null when missing, empty or out of range (for optional codes such as Q.850 causes). */
export function asIntegerIn(value: unknown, min: number, max: number): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value.trim()) : NaN;
  return Number.isInteger(n) && n >= min && n <= max ? n : null;
}

/**
 * Epoch time → ms, its unit told by its size: seconds below 10¹¹ (until year
 * 5138), milliseconds below 10¹⁴, microseconds below 10¹⁷ — so a µs value is
 * never read as ms (year 56216). Null when missing, empty or 0 (a "never");
 * throws when the instant is not from 1980 to 2200.
 */
export function epochMs(value: unknown, field: string): number | null {
  const rule = 'must be an epoch time (s, ms or µs) from 1980 to 2200';
  const n = asNumber(value, field, rule);
  if (n === null || n === 0) return null;
  const ms = n < 1e11 ? n * 1000 : n < 1e14 ? n : n < 1e17 ? n / 1000 : NaN;
  if (!(ms >= MIN_EPOCH_MS && ms < MAX_EPOCH_MS)) throw fieldError(field, value, rule);
  return Math.round(ms);
}

/** Throws unless `ms` (read from `field`) is an instant from 1980 to 2200; gives it back. */
export function checkInstant(ms: number, field: string, raw: unknown): number {
  if (!(ms >= MIN_EPOCH_MS && ms < MAX_EPOCH_MS)) throw fieldError(field, raw, 'must be a time from 1980 to 2200');
  return ms;
}

/**
 * Throws unless start ≤ answer ≤ end (answer null = never answered), naming
 * the vendor's fields: a record whose times contradict each other would give
 * negative seconds.
 */
export function checkTimeOrder(
  t: { startMs: number; answerMs: number | null; endMs: number },
  names: { start: string; answer: string; end: string },
): void {
  if (t.endMs < t.startMs) throw new MapError(`${names.end} (${iso(t.endMs)}) is before ${names.start} (${iso(t.startMs)})`, names.end);
  if (t.answerMs !== null && (t.answerMs < t.startMs || t.answerMs > t.endMs)) {
    throw new MapError(`${names.answer} (${iso(t.answerMs)}) is outside ${names.start}..${names.end} (${iso(t.startMs)}..${iso(t.endMs)})`, names.answer);
  }
}

function iso(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}

/**
 * A value as text without ever throwing, for fields that are only carried
 * along: strings as sent, numbers and booleans as their text, objects as JSON.
 */
export function looseText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') {
    try {
      return JSON.stringify(value) ?? '';
    } catch {
      return '';
    }
  }
  return String(value);
}

/**
 * Every own field of `obj` as text ({@link looseText}). The usual record,
 * whose values are all text already, is given back as it is (copying a
 * hundred FreeSWITCH variables per record would cost more than mapping it);
 * any other is copied. Fixed field names can be read from the result
 * directly; a name that comes from a user's setting is read with {@link own},
 * as it may be one every object inherits (`constructor`).
 */
export function textFields(obj: unknown): Record<string, string> {
  if (typeof obj !== 'object' || obj === null) return Object.create(null) as Record<string, string>;
  const rec = obj as Record<string, unknown>;
  let allText = true;
  for (const k in rec) {
    if (typeof rec[k] !== 'string') {
      allText = false;
      break;
    }
  }
  if (allText) return rec as Record<string, string>;
  const out = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(rec)) out[k] = looseText(v);
  return out;
}

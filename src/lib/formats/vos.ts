/**
 * VOS3000 pipe-delimited CDR lines (real-time forwarding and the hourly
 * `YYYYMMDDHH.txt` files use the same line) → a vendor record.
 *
 * No real record has been published (REFERENCE.md §4 is LOW–MED confidence), so
 * the parser is tolerant by design: the field order is configurable, trailing
 * fields may be missing or extra (extras are kept as `extra1`, `extra2`, …),
 * every time value is read as epoch ms, epoch s or `YYYY-MM-DD HH:MM:SS`
 * (detected per value), and CRLF or LF line ends are both fine. What it does not
 * tolerate gets a {@link VosParseError} with a code, the field and the value.
 */

/** The 19 fields named by the product brief, in its order. */
export const VOS_DEFAULT_FIELDS: readonly string[] = Object.freeze([
  'callerE164',
  'calleeE164',
  'startTime',
  'stopTime',
  'holdTime',
  'endReason',
  'endDirection',
  'callerGatewayId',
  'calleeGatewayId',
  'callerIp',
  'calleeIp',
  'callerAccessE164',
  'calleeAccessE164',
  'callerToGatewayE164',
  'calleeToGatewayE164',
  'calleeBilling',
  'billingMode',
  'callerPdd',
  'calleePdd',
]);

/** `endDirection` codes (REFERENCE.md §4, LOW): who ended the call. */
export const VOS_END_DIRECTIONS: Readonly<Record<number, VosEndDirection>> = Object.freeze({
  0: 'caller',
  1: 'callee',
  2: 'server',
});

/** `billingMode` codes (REFERENCE.md §4, LOW). */
export const VOS_BILLING_MODES: Readonly<Record<number, VosBillingMode>> = Object.freeze({
  [-1]: 'not_billed',
  0: 'account',
  1: 'gateway',
  3: 'phone_card',
});

export type VosEndDirection = 'caller' | 'callee' | 'server';
export type VosBillingMode = 'not_billed' | 'account' | 'gateway' | 'phone_card';

/**
 * A time as the record carries it: epoch milliseconds (epoch seconds are
 * converted), or the softswitch's wall-clock text as sent (no zone: the zone is
 * a setting of `cdr-normalize`), or null for an empty / `0` / all-zero value.
 */
export type VosTime = number | string | null;

/** One parsed line. Keys are the configured field names; values per kind (see README). */
export type VosRecord = Record<string, string | number | null>;

export type VosErrorCode =
  | 'empty'
  | 'binary'
  | 'too_few_fields'
  | 'too_many_fields'
  | 'bad_time'
  | 'bad_number'
  | 'truncated';

/** A line that is not a VOS3000 CDR. `field`/`value` name the culprit when there is one. */
export class VosParseError extends Error {
  constructor(
    readonly code: VosErrorCode,
    message: string,
    readonly field?: string,
    readonly value?: string,
  ) {
    super(message);
    this.name = 'VosParseError';
  }
}

/** A configuration that cannot work (duplicate names, bad unit, …). */
export class VosConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VosConfigError';
  }
}

export type PddUnit = 'ms' | 's';

export interface VosFormatOptions {
  /** Field names in line order. Default {@link VOS_DEFAULT_FIELDS}. Known names match case-insensitively. */
  fields?: readonly string[];
  /** Field separator. Default `|`. */
  separator?: string;
  /** Unit the softswitch writes `callerPdd`/`calleePdd` in. Records always carry milliseconds. Default `ms`. */
  pddUnit?: PddUnit;
  /**
   * Fewest fields a line may have. Default: up to the last of callerE164,
   * calleeE164, startTime, stopTime, holdTime in the configured order.
   */
  minFields?: number;
  /**
   * Most fields beyond the configured ones (kept as `extraN`). More is an error:
   * it usually means a wrong separator or two lines run together. Default 16.
   */
  maxExtraFields?: number;
}

type FieldKind = 'text' | 'time' | 'seconds' | 'pdd' | 'endReason' | 'endDirection' | 'billingMode' | 'code';

const KNOWN_KINDS: Readonly<Record<string, FieldKind>> = {
  startTime: 'time',
  stopTime: 'time',
  holdTime: 'seconds',
  callerPdd: 'pdd',
  calleePdd: 'pdd',
  endReason: 'endReason',
  endDirection: 'endDirection',
  billingMode: 'billingMode',
  calleeBilling: 'code',
};

/** Lower-case spelling → canonical name, for every field we know. */
const CANONICAL = new Map<string, string>(VOS_DEFAULT_FIELDS.map((n) => [n.toLowerCase(), n]));

const REQUIRED = ['callerE164', 'calleeE164', 'startTime', 'stopTime', 'holdTime'];

interface Field {
  name: string;
  kind: FieldKind;
}

/** A compiled format: validate the settings once, parse many lines. */
export interface VosFormat {
  readonly fields: readonly string[];
  readonly separator: string;
  readonly pddUnit: PddUnit;
  readonly minFields: number;
  readonly maxFields: number;
  /**
   * One line (with or without its line end) → record, or throws {@link VosParseError}.
   * `whole`: the line may have been cut (a connection ended inside it), so it
   * must have every configured field, not just `minFields` (code `truncated`).
   */
  parse(line: string | Buffer, whole?: boolean): VosRecord;
}

/** Validate options and build a parser. Throws {@link VosConfigError}. */
export function compileVosFormat(options: VosFormatOptions = {}): VosFormat {
  const names = (options.fields ?? VOS_DEFAULT_FIELDS).map((n) => String(n).trim());
  if (names.length === 0) throw new VosConfigError('the field list is empty');
  const seen = new Set<string>();
  const fields: Field[] = names.map((raw) => {
    if (raw === '') throw new VosConfigError('a field name is empty');
    if (/^extra\d+$/.test(raw)) throw new VosConfigError(`field name "${raw}" is reserved for extra trailing fields`);
    const name = CANONICAL.get(raw.toLowerCase()) ?? raw;
    if (seen.has(name)) throw new VosConfigError(`field "${name}" appears twice`);
    seen.add(name);
    return { name, kind: KNOWN_KINDS[name] ?? 'text' };
  });
  const separator = options.separator ?? '|';
  if (typeof separator !== 'string' || separator.length === 0 || /[\r\n]/.test(separator)) {
    throw new VosConfigError('the separator must be a non-empty string without line ends');
  }
  const pddUnit = options.pddUnit ?? 'ms';
  if (pddUnit !== 'ms' && pddUnit !== 's') throw new VosConfigError(`PDD unit must be "ms" or "s", not "${String(pddUnit)}"`);
  const required = fields.map((f, i) => (REQUIRED.includes(f.name) ? i + 1 : 0));
  const minFields = options.minFields ?? Math.max(1, ...required);
  if (!Number.isInteger(minFields) || minFields < 1 || minFields > fields.length) {
    throw new VosConfigError(`minimum field count must be an integer from 1 to ${fields.length}`);
  }
  const maxExtra = options.maxExtraFields ?? 16;
  if (!Number.isInteger(maxExtra) || maxExtra < 0) throw new VosConfigError('maximum extra fields must be an integer ≥ 0');
  const maxFields = fields.length + maxExtra;
  const pddFactor = pddUnit === 's' ? 1000 : 1;

  const parse = (input: string | Buffer, whole = false): VosRecord => {
    const line = stripLineEnd(typeof input === 'string' ? input : input.toString('utf8'));
    if (!NOT_BLANK.test(line)) throw new VosParseError('empty', 'empty line');
    if (BINARY.test(line)) {
      throw new VosParseError('binary', `not a text line (control bytes): ${preview(line)}`);
    }
    const parts = line.split(separator);
    if (whole && parts.length < fields.length) {
      throw new VosParseError(
        'truncated',
        `the connection ended inside a record: ${parts.length} of ${fields.length} fields, no line end (${fields[parts.length - 1]?.name ?? '?'} may be cut)`,
      );
    }
    if (parts.length < minFields) {
      throw new VosParseError(
        'too_few_fields',
        `too few fields: ${parts.length}, at least ${minFields} needed (${fields[parts.length]?.name ?? '?'} is missing)`,
      );
    }
    if (parts.length > maxFields) {
      throw new VosParseError(
        'too_many_fields',
        `too many fields: ${parts.length}, at most ${maxFields} accepted (wrong separator, or two lines run together?)`,
      );
    }
    const record: VosRecord = {};
    const n = Math.min(parts.length, fields.length);
    for (let i = 0; i < n; i++) {
      const f = fields[i]!;
      record[f.name] = decode(f, trimmed(parts[i]!), pddFactor);
    }
    for (let i = fields.length; i < parts.length; i++) record[`extra${i - fields.length + 1}`] = parts[i]!;
    return record;
  };

  return Object.freeze({
    fields: Object.freeze(fields.map((f) => f.name)),
    separator,
    pddUnit,
    minFields,
    maxFields,
    parse,
  });
}

/** One line with the default format. Prefer {@link compileVosFormat} for a stream. */
export function parseVosLine(line: string | Buffer, options?: VosFormatOptions): VosRecord {
  return compileVosFormat(options).parse(line);
}

// NUL and the other C0 controls except TAB, and DEL: no text line has them, binary almost
// always does. U+FFFD (undecodable bytes) is not refused: a softswitch writing GBK gateway
// names to a UTF-8 reader still sends good numbers and times, and the record is worth more
// than a garbled name.
// eslint-disable-next-line no-control-regex
const BINARY = /[\u0000-\u0008\u000a-\u001f\u007f]/;

const NOT_BLANK = /\S/;

// Most fields have no surrounding blanks: skip trim()'s copy for them.
function trimmed(v: string): string {
  if (v.length === 0) return v;
  const a = v.charCodeAt(0);
  const b = v.charCodeAt(v.length - 1);
  return a <= 32 || b <= 32 || a === 160 || b === 160 ? v.trim() : v;
}

function stripLineEnd(s: string): string {
  let end = s.length;
  while (end > 0 && (s.charCodeAt(end - 1) === 10 || s.charCodeAt(end - 1) === 13)) end--;
  return end === s.length ? s : s.slice(0, end);
}

function preview(s: string): string {
  const shown = JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
  return shown;
}

function decode(f: Field, v: string, pddFactor: number): string | number | null {
  switch (f.kind) {
    case 'text':
      return v;
    case 'time':
      return readVosTime(v, f.name);
    case 'seconds':
      return readNumber(v, f.name, 1);
    case 'pdd':
      return readNumber(v, f.name, pddFactor);
    case 'endDirection':
      return readCode(v, VOS_END_DIRECTIONS);
    case 'billingMode':
      return readCode(v, VOS_BILLING_MODES);
    case 'endReason':
    case 'code':
      return v === '' ? null : INTEGER.test(v) ? Number(v) : v;
  }
}

const INTEGER = /^-?\d+$/;
const DECIMAL = /^\d+(?:\.\d+)?$/;
const WALL = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?$/;

// Epoch detection by magnitude: ≥ 1e11 cannot be seconds before the year 5138,
// and < 1e11 as milliseconds would be early 1973 — no CDR is that old.
const MS_THRESHOLD = 1e11;
const MIN_SECONDS = 1e8; // 1973-03-03: anything smaller is not a CDR time
const MAX_MS = 1e14; // year 5138

/**
 * One time value → epoch ms (number), wall-clock text (string), or null for
 * "no time" (empty, `0`, `0000-00-00 00:00:00`). Throws `bad_time` otherwise.
 */
export function readVosTime(v: string, field = 'time'): VosTime {
  if (v === '' || v === '0' || v === '0000-00-00 00:00:00') return null;
  if (DECIMAL.test(v)) {
    const n = Number(v);
    if (n >= MS_THRESHOLD && n < MAX_MS) return Math.round(n);
    if (n >= MIN_SECONDS && n < MS_THRESHOLD) return Math.round(n * 1000);
    throw new VosParseError('bad_time', `${field}: ${preview(v)} is not an epoch time in seconds or milliseconds`, field, v);
  }
  const m = WALL.exec(v);
  if (m && validDate(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]))) return v;
  throw new VosParseError(
    'bad_time',
    `${field}: ${preview(v)} is not a time (epoch ms, epoch s or YYYY-MM-DD HH:MM:SS)`,
    field,
    v,
  );
}

function validDate(y: number, mo: number, d: number, h: number, mi: number, s: number): boolean {
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return false;
  const check = new Date(Date.UTC(y, mo - 1, d));
  return check.getUTCDate() === d && check.getUTCMonth() === mo - 1;
}

function readNumber(v: string, field: string, factor: number): number | null {
  if (v === '') return null;
  if (!DECIMAL.test(v)) throw new VosParseError('bad_number', `${field}: ${preview(v)} is not a number ≥ 0`, field, v);
  return Math.round(Number(v) * factor * 1000) / 1000;
}

function readCode<T extends string>(v: string, names: Readonly<Record<number, T>>): T | number | string | null {
  if (v === '') return null;
  if (!INTEGER.test(v)) return v; // a text value: keep it as sent
  const n = Number(v);
  return names[n] ?? n;
}

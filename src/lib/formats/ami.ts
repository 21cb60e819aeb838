/**
 * Asterisk Manager Interface (AMI) wire format: framing of the byte stream into
 * messages, and `Cdr` / `CEL` events into vendor records. Pure: no I/O.
 *
 * Wire facts (REFERENCE.md §2.3, samples/asterisk): the server first sends one
 * banner line `Asterisk Call Manager/<version>\r\n` with no blank line after
 * it; then messages of `Key: Value\r\n` lines, each ended by an empty line.
 * Several messages often come in one TCP read, and a read may end anywhere,
 * even inside a UTF-8 character.
 */

import { StringDecoder } from 'node:string_decoder';

const CR = 0x0d;
const BANNER_PREFIX = 'Asterisk Call Manager/';

/** One AMI message: its header lines in the order received (keys may repeat). */
export interface AmiMessage {
  headers: Array<[string, string]>;
}

export type AmiFrame =
  | { kind: 'banner'; version: string; line: string }
  | { kind: 'message'; message: AmiMessage }
  | { kind: 'error'; error: AmiFormatError; raw: string };

export class AmiFormatError extends Error {
  constructor(message: string, readonly field?: string) {
    super(message);
    this.name = 'AmiFormatError';
  }
}

export interface AmiFramerOptions {
  /** Largest message, in characters of the decoded text (bytes for ASCII); a longer one is dropped and reported (default 256 Ki). */
  maxMessageBytes?: number;
  /** Whether the first line may be the server's banner (true for a client reading a server). */
  expectBanner?: boolean;
}

/**
 * Cuts an AMI byte stream into frames. Feed it every chunk as it arrives;
 * frames come out as soon as they are complete. Bare LF line ends are accepted
 * too (some proxies and hand-written test servers send them).
 */
export class AmiFramer {
  // Decoding each read once and cutting lines in the string is several times
  // faster than decoding line by line; the decoder keeps a UTF-8 character
  // split between reads until its last byte arrives.
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  private lines: Array<[string, string]> = [];
  private bytes = 0;
  private oversized = false;
  private bannerPossible: boolean;
  private readonly maxBytes: number;

  constructor(options: AmiFramerOptions = {}) {
    this.maxBytes = options.maxMessageBytes ?? 256 * 1024;
    this.bannerPossible = options.expectBanner ?? true;
  }

  /** Size held of a message not complete yet (a partial line included). */
  get buffered(): number {
    return this.bytes + this.pending.length;
  }

  push(chunk: Buffer): AmiFrame[] {
    const out: AmiFrame[] = [];
    let text = this.decoder.write(chunk);
    if (this.pending !== '') {
      text = this.pending + text;
      this.pending = '';
    }
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      const end = nl > start && text.charCodeAt(nl - 1) === CR ? nl - 1 : nl;
      this.line(end === start ? '' : text.slice(start, end), nl - start + 1, out);
      start = nl + 1;
    }
    if (start < text.length) {
      const rest = start === 0 ? text : text.slice(start);
      if (this.oversized) {
        // The rest of a message already reported as too large.
      } else if (this.bytes + rest.length > this.maxBytes) {
        // A line that never ends: drop what we hold instead of growing without limit.
        this.overflow(out);
      } else {
        this.pending = rest;
      }
    }
    return out;
  }

  private line(text: string, size: number, out: AmiFrame[]): void {
    if (text === '') {
      // An empty line ends a message; empty lines between messages mean nothing.
      if (this.oversized) {
        this.oversized = false;
        this.bytes = 0;
        this.lines = [];
        return;
      }
      if (this.lines.length > 0) {
        out.push({ kind: 'message', message: { headers: this.lines } });
        this.lines = [];
        this.bytes = 0;
      }
      return;
    }
    if (this.bannerPossible) {
      this.bannerPossible = false;
      if (this.lines.length === 0 && text.startsWith(BANNER_PREFIX)) {
        out.push({ kind: 'banner', version: text.slice(BANNER_PREFIX.length).trim(), line: text });
        return;
      }
    }
    if (this.oversized) return;
    this.bytes += size;
    if (this.bytes > this.maxBytes) {
      this.overflow(out);
      return;
    }
    this.lines.push(splitHeader(text));
  }

  private overflow(out: AmiFrame[]): void {
    const raw = this.lines.map(([k, v]) => `${k}: ${v}`).slice(0, 20).join('\r\n');
    out.push({
      kind: 'error',
      error: new AmiFormatError(`AMI message larger than ${this.maxBytes} bytes: dropped`),
      raw,
    });
    this.oversized = true;
    this.lines = [];
    this.bytes = 0;
    this.pending = '';
  }
}

/** `Key: Value` → [key, value]. Exactly one space follows the colon; the rest is the value as sent. */
export function splitHeader(line: string): [string, string] {
  const colon = line.indexOf(':');
  if (colon < 0) return ['', line];
  const key = line.slice(0, colon);
  const value = line.charCodeAt(colon + 1) === 0x20 ? line.slice(colon + 2) : line.slice(colon + 1);
  return [key, value];
}

/** The first value of a header, keys compared without case (AMI keys are case-insensitive). */
export function header(message: AmiMessage, key: string): string | undefined {
  const want = key.toLowerCase();
  for (const [k, v] of message.headers) if (k.toLowerCase() === want) return v;
  return undefined;
}

/** The message as it was on the wire (CRLF lines, blank line at the end): for error reports. */
export function messageText(message: AmiMessage): string {
  let s = '';
  for (const [k, v] of message.headers) s += k === '' ? `${v}\r\n` : `${k}: ${v}\r\n`;
  return s + '\r\n';
}

/** An action (client → server) on the wire. Header order is kept. */
export function formatAction(headers: ReadonlyArray<readonly [string, string]>): string {
  let s = '';
  for (const [k, v] of headers) {
    // A CR or LF inside a value would end the header and let the value inject a new one.
    s += `${k}: ${v.replace(/[\r\n]+/g, ' ')}\r\n`;
  }
  return s + '\r\n';
}

/** A vendor record: the message's headers as a plain object, names and values as sent. */
export type AmiRecord = Record<string, string | string[]>;

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Headers → plain object. A repeated key keeps every value, in order, as an
 * array. Only own keys count as present, and every header becomes an own
 * property: a `__proto__`, `constructor` or `hasOwnProperty` line is a field
 * like any other, never the object's prototype or an inherited method.
 */
export function toRecord(message: AmiMessage): AmiRecord {
  const rec: AmiRecord = {};
  for (const [k, v] of message.headers) {
    const key = k === '' ? 'Unparsed' : k;
    const prev = hasOwn.call(rec, key) ? rec[key] : undefined;
    if (prev === undefined) Object.defineProperty(rec, key, { value: v, enumerable: true, writable: true, configurable: true });
    else if (Array.isArray(prev)) prev.push(v);
    else rec[key] = [prev, v];
  }
  return rec;
}

/** Standard `Cdr` event fields in cdr_manager.c order; anything after `UserField` is a `[mappings]` field. */
export const CDR_FIELDS = [
  'AccountCode', 'Source', 'Destination', 'DestinationContext', 'CallerID', 'Channel',
  'DestinationChannel', 'LastApplication', 'LastData', 'StartTime', 'AnswerTime', 'EndTime',
  'Duration', 'BillableSeconds', 'Disposition', 'AMAFlags', 'UniqueID', 'UserField',
] as const;

/** Headers AMI itself adds to every event (manager.c), not part of the CDR. */
export const ENVELOPE_FIELDS = ['Event', 'Privilege', 'Timestamp', 'SystemName'] as const;

/** Standard `CEL` event fields (cel_manager.c; `PeerAccount`, `UserDefType` and `Extra` only in newer versions). */
export const CEL_FIELDS = [
  'EventName', 'AccountCode', 'CallerIDnum', 'CallerIDname', 'CallerIDani', 'CallerIDrdnis',
  'CallerIDdnid', 'Exten', 'Context', 'Channel', 'Application', 'AppData', 'EventTime',
  'AMAFlags', 'UniqueID', 'LinkedID', 'Userfield', 'Peer',
] as const;

const CDR_REQUIRED = ['StartTime', 'EndTime', 'Duration', 'BillableSeconds', 'Disposition', 'UniqueID'];
const CEL_REQUIRED = ['EventName', 'EventTime', 'UniqueID'];
const DATE_RE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const INT_RE = /^-?\d+$/;

export function eventName(message: AmiMessage): string | undefined {
  return header(message, 'Event');
}

/**
 * A `Cdr` event → the vendor record (every header as sent, the `[mappings]`
 * fields included). Throws AmiFormatError when a field the CDR cannot do
 * without is missing or malformed.
 */
export function cdrRecord(message: AmiMessage): AmiRecord {
  if ((eventName(message) ?? '').toLowerCase() !== 'cdr') throw new AmiFormatError('not a Cdr event', 'Event');
  const rec = toRecord(message);
  for (const f of CDR_REQUIRED) {
    if (typeof field(rec, f) !== 'string') throw new AmiFormatError(`Cdr event without ${f}`, f);
  }
  for (const f of ['StartTime', 'EndTime']) {
    if (!DATE_RE.test(field(rec, f) as string)) throw new AmiFormatError(`Cdr ${f} is not YYYY-MM-DD HH:MM:SS`, f);
  }
  const answer = field(rec, 'AnswerTime');
  if (typeof answer === 'string' && answer !== '' && !DATE_RE.test(answer)) {
    throw new AmiFormatError('Cdr AnswerTime is not YYYY-MM-DD HH:MM:SS', 'AnswerTime');
  }
  for (const f of ['Duration', 'BillableSeconds']) {
    if (!INT_RE.test(field(rec, f) as string)) throw new AmiFormatError(`Cdr ${f} is not an integer`, f);
  }
  return rec;
}

/** A `CEL` event → the vendor record (every header as sent). */
export function celRecord(message: AmiMessage): AmiRecord {
  if ((eventName(message) ?? '').toLowerCase() !== 'cel') throw new AmiFormatError('not a CEL event', 'Event');
  const rec = toRecord(message);
  for (const f of CEL_REQUIRED) {
    if (typeof field(rec, f) !== 'string') throw new AmiFormatError(`CEL event without ${f}`, f);
  }
  if (!DATE_RE.test(field(rec, 'EventTime') as string)) {
    throw new AmiFormatError('CEL EventTime is not YYYY-MM-DD HH:MM:SS', 'EventTime');
  }
  return rec;
}

/**
 * The value of a field, its name compared without case, as the record holds it
 * (a repeated field gives its first value). Only the record's own keys are
 * read, never a name every object inherits.
 */
export function fieldValue(rec: Readonly<Record<string, unknown>>, name: string): unknown {
  let v: unknown = hasOwn.call(rec, name) ? rec[name] : undefined;
  if (v === undefined) {
    const want = name.toLowerCase();
    for (const k of Object.keys(rec)) {
      if (k.toLowerCase() === want) {
        v = rec[k];
        break;
      }
    }
  }
  return Array.isArray(v) ? v[0] : v;
}

/**
 * A field of a record as text ({@link fieldValue}). A record that came as JSON
 * may hold numbers or booleans: they are given as their text; any other value
 * (an object, null) is treated as absent.
 */
export function field(rec: Readonly<AmiRecord>, name: string): string | undefined {
  const v = fieldValue(rec, name);
  if (typeof v === 'string') return v;
  if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean') return String(v);
  return undefined;
}

/** The `[mappings]` fields of a Cdr record: every header that is neither standard nor envelope. */
export function customFields(rec: Readonly<AmiRecord>): Record<string, string | string[]> {
  const known = new Set<string>([...CDR_FIELDS, ...ENVELOPE_FIELDS].map((f) => f.toLowerCase()));
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(rec)) if (!known.has(k.toLowerCase())) out[k] = v;
  return out;
}

/** Whether the CDR's channel was answered: `AnswerTime` is the empty string when it was not. */
export function isAnswered(rec: Readonly<AmiRecord>): boolean {
  const a = field(rec, 'AnswerTime');
  return typeof a === 'string' && a.trim() !== '';
}

export interface CallerId {
  name: string;
  number: string;
}

/**
 * Splits Asterisk's `clid` (`"Name" <number>`, `Name <number>`, `<number>`,
 * a bare number or a bare name) into name and number, as ast_callerid_parse does:
 * without angle brackets, text that looks like a phone number is the number.
 */
export function splitCallerId(clid: string | undefined): CallerId {
  const s = (clid ?? '').trim();
  if (s === '') return { name: '', number: '' };
  const lt = s.lastIndexOf('<');
  const gt = s.lastIndexOf('>');
  if (lt >= 0 && gt > lt) {
    return { name: unquote(s.slice(0, lt).trim()), number: s.slice(lt + 1, gt).trim() };
  }
  if (/^[+]?[0-9*#()\-. ]+$/.test(s) && /[0-9]/.test(s)) return { name: '', number: s.replace(/[()\-. ]/g, '') };
  return { name: unquote(s), number: '' };
}

function unquote(s: string): string {
  if (s.length >= 2 && s.startsWith('"') && s.endsWith('"')) return s.slice(1, -1).replace(/\\(.)/g, '$1');
  return s;
}

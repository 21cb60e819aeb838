import { parseXml, XmlSyntaxError } from './xml';

/**
 * Grandstream UCM "CDR Real-Time Output" payloads → vendor records.
 *
 * The push format is not documented (REFERENCE.md §1.2), so every known shape
 * is accepted, as JSON or XML: a flat leg; `{cdr_root:[…]}`; `{cdr:[…]}`; a
 * group `{main_cdr, sub_cdr_1…N}` (a sub may be an object, an array or empty);
 * arrays and wrappers of these. A leg is kept exactly as sent; a group stays one
 * record, as sent.
 */

/** One UCM record: a flat leg, or a group with `main_cdr` / `sub_cdr_N`. */
export type UcmRecord = Record<string, unknown>;

export type UcmFormat = 'auto' | 'json' | 'xml';

export type UcmErrorCode = 'syntax' | 'not_cdr';

export class UcmFormatError extends Error {
  constructor(
    readonly code: UcmErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'UcmFormatError';
  }
}

/** Field names of a UCM leg; a record must carry a few of them to count as one. */
const LEG_FIELDS = new Set([
  'AcctId', 'accountcode', 'src', 'dst', 'dcontext', 'clid', 'channel', 'dstchannel', 'lastapp', 'lastdata',
  'start', 'answer', 'end', 'duration', 'billsec', 'disposition', 'amaflags', 'uniqueid', 'userfield',
  'channel_ext', 'dstchannel_ext', 'service', 'caller_name', 'recordfiles', 'dstanswer', 'chanext',
  'dstchanext', 'session', 'action_owner', 'action_type', 'src_trunk_name', 'dst_trunk_name',
]);
const MIN_LEG_FIELDS = 3;
const SUB_CDR = /^sub_cdr_\d+$/;
const MAX_DEPTH = 8;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A `sub_cdr_N` key: the prefix is compared first, the regex runs only on keys that have it. */
function isSubCdrKey(k: string): boolean {
  return k.startsWith('sub_cdr_') && SUB_CDR.test(k);
}

const enum Kind {
  Group,
  Leg,
  Other,
}

/**
 * What a parsed object is, in one walk over its keys (this runs for every
 * record received): a group (`main_cdr` or a `sub_cdr_N` key) wins over a leg
 * (flat, with a few known leg fields); anything else is a wrapper to look into.
 */
function kindOf(v: Record<string, unknown>): Kind {
  if ('main_cdr' in v) return Kind.Group;
  let known = 0;
  let flat = true;
  for (const k in v) {
    if (isSubCdrKey(k)) return Kind.Group;
    if (!flat) continue;
    const value = v[k];
    if (typeof value === 'object' && value !== null) flat = false;
    else if (LEG_FIELDS.has(k)) known++;
  }
  return flat && known >= MIN_LEG_FIELDS ? Kind.Leg : Kind.Other;
}

/** A main_cdr/sub_cdr group (one call), as against a flat leg. */
export function isUcmGroup(v: Record<string, unknown>): boolean {
  return kindOf(v) === Kind.Group;
}

function collect(value: unknown, out: UcmRecord[], depth: number): void {
  if (depth > MAX_DEPTH) return;
  if (Array.isArray(value)) {
    for (const item of value) collect(item, out, depth + 1);
    return;
  }
  if (!isPlainObject(value)) return;
  if (kindOf(value) !== Kind.Other) {
    out.push(value);
    return;
  }
  // A wrapper (cdr_root, cdr, root, …): look inside.
  for (const child of Object.values(value)) collect(child, out, depth + 1);
}

/** Records found in an already-parsed value (a JSON body, an XML tree). Throws UcmFormatError when there are none. */
export function ucmRecordsFrom(value: unknown): UcmRecord[] {
  const out: UcmRecord[] = [];
  collect(value, out, 0);
  if (out.length === 0) {
    throw new UcmFormatError('not_cdr', 'no CDR found: expected a leg, a main_cdr/sub_cdr group, or cdr_root/cdr wrapping them');
  }
  return out;
}

function detect(text: string): 'json' | 'xml' | null {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b || c === 0x5b) return 'json';
    if (c === 0x3c) return 'xml';
    if (c > 0x20 && c !== 0xfeff) return null;
  }
  return null;
}

/** One frame (or HTTP body) of text → its records. Throws UcmFormatError. */
export function parseUcm(text: string, format: UcmFormat = 'auto'): UcmRecord[] {
  return parseUcmFrame(text, format).records;
}

/**
 * parseUcm(), also saying whether the text is JSON of exactly its one record
 * (no wrapper, no array): then the text itself is that record's JSON, and a
 * journal can keep it as received instead of serializing the record again.
 * `json`: the text's JSON.parse() value when the framing already parsed it
 * (a JSON text: not parsed again).
 */
export function parseUcmFrame(text: string, format: UcmFormat = 'auto', json?: unknown): { records: UcmRecord[]; recordJson: string | null } {
  const kind = format === 'auto' ? detect(text) : format;
  if (kind === null) throw new UcmFormatError('syntax', 'neither JSON nor XML');
  let value: unknown;
  if (kind === 'json' && json !== undefined) value = json;
  else if (kind === 'json') {
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new UcmFormatError('syntax', `not valid JSON: ${(err as Error).message}`);
    }
  } else {
    try {
      value = parseXml(text);
    } catch (err) {
      const msg = err instanceof XmlSyntaxError ? err.message : `not valid XML: ${(err as Error).message}`;
      throw new UcmFormatError('syntax', msg);
    }
  }
  const records = ucmRecordsFrom(value);
  return { records, recordJson: kind === 'json' && records.length === 1 && records[0] === value ? text : null };
}

/** The format of a text, for `msg.source.format`. */
export function ucmFormatOf(text: string): 'json' | 'xml' | 'unknown' {
  return detect(text) ?? 'unknown';
}

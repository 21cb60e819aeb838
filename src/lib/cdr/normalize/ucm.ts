import type { Cdr, Direction, Disposition, Party, Trunks } from '../schema';
import { stableId } from '../id';
import { isoUtc, wallClockToEpochMs } from '../time';
import { placeAnswer, placeByDuration } from './wall-clock';
import { buildCall, type CallCounts } from '../call';
import { asSeconds, asText, checkInstant, own, setOwn } from '../read-field';
import { MapError, type Mapped, type MapOptions, type VendorMapper, type VendorRecord } from './types';

/**
 * Grandstream UCM (CDR Real-Time Output and `cdrapi`) → `Cdr`.
 *
 * A record is either one flat leg `{AcctId, src, dst, start, …}` or a group
 * `{cdr?, main_cdr, sub_cdr_1, sub_cdr_2, …}` (a `sub_cdr_N` may also be an
 * array of legs, or empty). A group is one call: its legs are mapped one by one
 * and the call record is built from the legs (ucm-call.ts). `main_cdr` is the
 * UCM's own summary: its `duration` and `billsec` (what the UCM counted and
 * billed for the whole group) are the call's; its other fields (start, src,
 * dst: seen edited by hand) are not trusted and only kept, with the rest of
 * its non-empty fields, in the call's `extra.main_cdr`.
 *
 * Vendor settings (`options.vendor`):
 * - `extensionPattern`: regular expression of an internal extension number,
 *   used to guess the direction when `userfield` does not say it (default
 *   `^\d{2,6}$`).
 */

export interface UcmSettings {
  extensionPattern?: string;
}

const DEFAULT_EXTENSION = /^\d{2,6}$/;
const TRUNK_EXT = /^trunk_/i;
// Fields that become `Cdr` fields; everything else non-empty goes to `extra`.
const MAPPED = new Set([
  'src', 'dst', 'start', 'answer', 'end', 'duration', 'billsec', 'disposition', 'userfield',
  'caller_name', 'recordfiles', 'session', 'accountcode', 'src_trunk_name', 'dst_trunk_name', 'dstanswer',
]);

const DISPOSITIONS: Record<string, Disposition> = {
  ANSWERED: 'answered',
  'NO ANSWER': 'no_answer',
  NOANSWER: 'no_answer',
  BUSY: 'busy',
  FAILED: 'failed',
  CONGESTION: 'congestion',
};

const USERFIELD_DIRECTIONS: Record<string, Direction> = {
  inbound: 'inbound',
  outbound: 'outbound',
  internal: 'internal',
};

export const mapUcm: VendorMapper = (record: VendorRecord, options: MapOptions): Mapped => {
  const settings = readSettings(options.vendor);
  const extra = 'main_cdr' in record ? null : flatLegExtra(record);
  if (extra === null) {
    const legRecords = groupLegs(record);
    if (legRecords.length === 0) {
      // A group with no sub records: the main record is the only leg there is.
      const main = record['main_cdr'];
      if (!isObject(main)) throw new MapError('UCM group has neither sub_cdr legs nor a main_cdr record', 'main_cdr');
      const leg = mapLeg(main, options.timeZone, settings);
      return { legs: [leg], call: buildCall([leg]) };
    }
    const legs = legRecords.map((r) => mapLeg(r, options.timeZone, settings));
    const main = record['main_cdr'];
    const call = buildCall(legs, undefined, isObject(main) ? mainCounts(main) : {});
    if (isObject(main)) {
      const kept = nonEmptyFields(main, NOTHING);
      if (Object.keys(kept).length > 0) call.extra['main_cdr'] = kept;
    }
    return { legs: call.legs ?? legs, call };
  }
  return { legs: [mapLeg(record, options.timeZone, settings, extra)] };
};

// Settings arrive with every record; compile each pattern once.
const patterns = new Map<string, RegExp>();

const DEFAULT_SETTINGS = { extension: DEFAULT_EXTENSION };

function readSettings(vendor: Record<string, unknown> | undefined): { extension: RegExp } {
  const pattern = vendor?.['extensionPattern'];
  if (typeof pattern !== 'string' || pattern === '') return DEFAULT_SETTINGS;
  let re = patterns.get(pattern);
  if (!re) {
    try {
      re = new RegExp(pattern);
    } catch {
      throw new MapError(`UCM setting extensionPattern is not a valid regular expression: ${pattern}`, 'extensionPattern');
    }
    if (patterns.size >= 100) patterns.clear();
    patterns.set(pattern, re);
  }
  return { extension: re };
}

/** The group's own counts from `main_cdr`, where they are numbers. */
function mainCounts(main: VendorRecord): CallCounts {
  const counts: CallCounts = {};
  const duration = asSeconds(own(main, 'duration'), 'duration');
  const billsec = asSeconds(own(main, 'billsec'), 'billsec');
  if (duration !== null) counts.durationSec = duration;
  if (billsec !== null) counts.billSec = duration !== null ? Math.min(billsec, duration) : billsec;
  return counts;
}

function isObject(v: unknown): v is VendorRecord {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A record without `main_cdr`: the `extra` of the flat leg it is, or null when
 * a `sub_cdr…` field makes it a group. One walk over the fields for both (this
 * runs per record; a walk to tell a group and another for `extra` cost twice).
 */
function flatLegExtra(record: VendorRecord): Record<string, unknown> | null {
  const out: Record<string, unknown> = {};
  // for…in over own keys, not Object.keys: no array of every field name per record.
  for (const k in record) {
    if (!Object.prototype.hasOwnProperty.call(record, k)) continue;
    if (k.startsWith('sub_cdr')) return null;
    const v = record[k];
    if (v === '' || v === null || v === undefined || MAPPED.has(k)) continue;
    setOwn(out, k, v);
  }
  return out;
}

/** The legs of a group in sub_cdr_N order; tolerant of arrays and empty values. */
function groupLegs(record: VendorRecord): VendorRecord[] {
  const keys = Object.keys(record)
    .filter((k) => /^sub_cdr(_\d+)?$/.test(k))
    .sort((a, b) => subIndex(a) - subIndex(b));
  const legs: VendorRecord[] = [];
  for (const k of keys) {
    const v = record[k];
    const items = Array.isArray(v) ? v : [v];
    for (const item of items) {
      if (isObject(item)) legs.push(item);
      else if (item !== '' && item !== null && item !== undefined) throw new MapError(`UCM ${k} is not a record`, k);
    }
  }
  return legs;
}

function subIndex(key: string): number {
  const n = Number(key.slice('sub_cdr_'.length));
  return Number.isFinite(n) ? n : 0;
}

/**
 * The fields of a leg, read by name: the record itself when it is a plain
 * object (what JSON.parse and the XML reader give), a copy of its own fields
 * otherwise. A leg's two dozen fields read through a shared keyed helper with
 * an own-property test cost a fifth of the mapping; read by name at each site,
 * V8 keeps one fast load per field. None of the names read is one a plain
 * object inherits (the own test guarded against `constructor`, `toString` …),
 * so on a plain object a name read is an own field or absent. A record with a
 * prototype of its own (a class instance from a function node) is read through
 * the copy, so an inherited value is never taken for a field.
 */
function fieldsOf(r: VendorRecord): VendorRecord {
  const proto: unknown = Object.getPrototypeOf(r);
  return proto === Object.prototype || proto === null ? r : nonEmptyFields(r, NOTHING);
}

const NOTHING = new Set<string>();

/** A UCM value as a trimmed string ("" when absent). Values are strings on the wire; XML parsers may give numbers. */
function text(value: unknown, key: string): string {
  return asText(value, key).trim();
}

function nonEmptyFields(r: VendorRecord, skip: Set<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // for…in over own keys: no [key, value] array per field (this runs per record).
  for (const k in r) {
    if (!Object.prototype.hasOwnProperty.call(r, k)) continue;
    const v = r[k];
    if (v === '' || v === null || v === undefined || skip.has(k)) continue;
    setOwn(out, k, v);
  }
  return out;
}

/** `"Name" <number>` → its parts. */
const NO_CLID = { name: '', number: '' };

function parseClid(clid: string): { name: string; number: string } {
  // Most legs have no clid, or a bare number: no regex, no match array.
  if (clid === '') return NO_CLID;
  if (clid.indexOf('<') < 0) return { name: '', number: clid.trim() };
  const m = /^\s*"?([^"<]*?)"?\s*<([^>]*)>\s*$/.exec(clid);
  if (m) return { name: m[1]!.trim(), number: m[2]!.trim() };
  return { name: '', number: clid.trim() };
}

/** `extra`: the leg's unmapped non-empty fields, when the caller has them already. */
function mapLeg(r: VendorRecord, timeZone: string, settings: { extension: RegExp }, extra?: Record<string, unknown>): Cdr {
  const f = fieldsOf(r);
  const startText = text(f['start'], 'start');
  let startMs = wallClockToEpochMs(startText, timeZone);
  if (startMs === null) throw new MapError(`UCM start is not a time: "${startText}"`, 'start');
  checkInstant(startMs, 'start', startText);

  const dispText = text(f['disposition'], 'disposition').toUpperCase();
  const disposition = own(DISPOSITIONS, dispText) as Disposition | undefined;
  if (disposition === undefined) throw new MapError(`UCM disposition is not known: "${text(f['disposition'], 'disposition')}"`, 'disposition');

  const duration = asSeconds(f['duration'], 'duration');
  const billsec = asSeconds(f['billsec'], 'billsec');
  const endText = text(f['end'], 'end');
  let endMs = wallClockToEpochMs(endText, timeZone);
  if (endMs === null) {
    if (endText !== '' || duration === null) throw new MapError(`UCM end is not a time: "${endText}"`, 'end');
    endMs = startMs + duration * 1000;
  }
  // A leg across a clock change: the duration (real seconds) places the instants.
  ({ startMs, endMs } = placeByDuration(startMs, endMs, startText, endText, duration, timeZone));
  checkInstant(endMs, 'end', endText);
  if (endMs < startMs) throw new MapError(`UCM end (${endText}) is before start (${startText})`, 'end');

  // The UCM fills `answer` with the end time on legs nobody answered: only an
  // answered leg has an answer time.
  let answerMs: number | null = null;
  if (disposition === 'answered') {
    const answerText = text(f['answer'], 'answer');
    answerMs = wallClockToEpochMs(answerText, timeZone);
    const fromBill = billsec === null ? null : endMs - billsec * 1000;
    if (answerMs === null) answerMs = fromBill ?? endMs;
    else answerMs = placeAnswer(answerMs, answerText, endMs, billsec, timeZone);
    if (answerMs < startMs) answerMs = startMs;
    if (answerMs > endMs) answerMs = endMs;
  }

  const src = text(f['src'], 'src');
  const dst = text(f['dst'], 'dst');
  const dstanswer = text(f['dstanswer'], 'dstanswer');
  const clid = parseClid(text(f['clid'], 'clid'));
  const caller: Party = { number: src !== '' ? src : clid.number };
  const name = text(f['caller_name'], 'caller_name') || clid.name;
  if (name !== '') caller.name = name;
  const calleeNumber = answerMs !== null && dstanswer !== '' ? dstanswer : dst;

  const acctId = text(f['AcctId'], 'AcctId');
  const uniqueid = text(f['uniqueid'], 'uniqueid');
  const session = text(f['session'], 'session');
  const id =
    acctId !== ''
      ? stableId('ucm', ['acct', acctId, uniqueid])
      : stableId('ucm', ['leg', session, uniqueid, startText, endText, src, dst, text(f['channel'], 'channel'), text(f['dstchannel'], 'dstchannel'), text(f['lastapp'], 'lastapp')]);

  const tin = text(f['src_trunk_name'], 'src_trunk_name') || trunkExt(text(f['channel_ext'], 'channel_ext'));
  const tout = text(f['dst_trunk_name'], 'dst_trunk_name') || trunkExt(text(f['dstchannel_ext'], 'dstchannel_ext'));
  const userField = text(f['userfield'], 'userfield');

  const leg: Cdr = {
    schema: 1,
    kind: 'leg',
    id,
    callId: session || uniqueid || id,
    vendor: 'ucm',
    startTime: isoUtc(startMs),
    answerTime: answerMs === null ? null : isoUtc(answerMs),
    endTime: isoUtc(endMs),
    durationSec: duration ?? (endMs - startMs) / 1000,
    billSec: answerMs === null ? 0 : (billsec ?? (endMs - answerMs) / 1000),
    caller,
    callee: { number: calleeNumber },
    disposition,
    direction: direction(userField, tin, tout, src, dst, settings.extension),
    extra: extra ?? nonEmptyFields(r, MAPPED),
  };
  if (dst !== '' && dst !== calleeNumber) leg.dialed = dst;
  if (tin !== '' || tout !== '') {
    const trunk: Trunks = {};
    if (tin !== '') trunk.in = tin;
    if (tout !== '') trunk.out = tout;
    leg.trunk = trunk;
  }
  const accountCode = text(f['accountcode'], 'accountcode');
  if (accountCode !== '') leg.accountCode = accountCode;
  if (userField !== '') leg.userField = userField;
  // Most legs have no recording: no split and no arrays for them.
  const recordFiles = text(f['recordfiles'], 'recordfiles');
  if (recordFiles !== '') {
    const recordings = recordFiles
      .split('@')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (recordings.length > 0) leg.recordings = recordings;
  }
  return leg;
}

/** A channel extension naming a trunk (`trunk_…`), else ''. */
function trunkExt(ext: string): string {
  return TRUNK_EXT.test(ext) ? ext : '';
}

function direction(userField: string, trunkIn: string, trunkOut: string, src: string, dst: string, extension: RegExp): Direction {
  const said = (userField === '' ? undefined : own(USERFIELD_DIRECTIONS, userField.toLowerCase())) as Direction | undefined;
  if (said) return said;
  if (trunkIn !== '' && trunkOut === '') return 'inbound';
  if (trunkOut !== '' && trunkIn === '') return 'outbound';
  if (trunkIn === '' && trunkOut === '' && extension.test(src) && extension.test(dst)) return 'internal';
  return 'unknown';
}

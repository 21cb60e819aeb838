/**
 * VOS3000 record (from `formats/vos`) → `Cdr`.
 *
 * - `id`: VOS forwards no flow number, so the id is a hash of every field of the
 *   line in order — the same line resent (or read again from the hourly file)
 *   gives the same id; the line end does not matter.
 * - times: epoch ms as parsed, or the softswitch's wall clock read in `timeZone`.
 *   `holdTime` is the talk time in seconds; the answer is `stopTime − holdTime`
 *   (right whether `startTime` is the call's setup or its answer).
 * - disposition: talk > 0 → answered; else from `endReason` when it is known
 *   (the `endReasons` setting, then well-known words and SIP codes in the text);
 *   else failed.
 * - `endDirection` → `hangup.by`; gateways → `trunk.in`/`trunk.out`;
 *   `callerPdd` (else `calleePdd`) → `timing.pddSec`.
 */
import type { Cdr, Disposition, Direction, HangupBy, Timing, Trunks } from '../schema';
import { stableId } from '../id';
import { wallClockToEpochMs } from '../time';
import { secondPass } from './wall-clock';
import { readVosTime, VosParseError } from '../../formats/vos';
import { MapError, type MapOptions, type Mapped, type VendorMapper, type VendorRecord } from './types';

/** Settings read from `options.vendor`. */
export interface Vos3000MapSettings {
  /** endReason value (as text) → disposition, checked before the built-in rules. */
  endReasons?: Record<string, Disposition>;
  /** Direction to give every record (VOS is a transit switch: it does not say). Default "unknown". */
  direction?: Direction;
}

const MAPPED = new Set([
  'callerE164',
  'calleeE164',
  'startTime',
  'stopTime',
  'holdTime',
  'calleeAccessE164',
  'callerGatewayId',
  'calleeGatewayId',
]);

const HANGUP_BY: Record<string, HangupBy> = { caller: 'caller', callee: 'callee', server: 'system' };
const DISPOSITIONS: ReadonlySet<string> = new Set(['answered', 'no_answer', 'busy', 'failed', 'congestion']);
const DIRECTIONS: ReadonlySet<string> = new Set(['inbound', 'outbound', 'internal', 'unknown']);

export const mapVos3000: VendorMapper = (record: VendorRecord, options: MapOptions): Mapped => {
  const settings = readSettings(options.vendor);
  const startMs = timeOf(record, 'startTime', options.timeZone);
  if (startMs === null) throw new MapError('startTime is missing', 'startTime');
  const holdSec = secondsOf(record, 'holdTime');
  let endMs = timeOf(record, 'stopTime', options.timeZone);
  if (endMs === null) endMs = startMs + holdSec * 1000;
  // A wall-clock stop in the repeated hour of a clock change, read before the start: its second pass.
  else if (typeof record['stopTime'] === 'string') endMs = secondPass(endMs, String(record['stopTime']).trim(), startMs, options.timeZone);
  if (endMs < startMs) throw new MapError('stopTime is before startTime', 'stopTime');
  const durationSec = Math.max(Math.round((endMs - startMs) / 1000), holdSec);
  const answered = holdSec > 0;
  const answerMs = answered ? Math.max(startMs, endMs - holdSec * 1000) : null;

  const id = stableId('vos3000', Object.values(record).map(canonical));
  const endReason = record['endReason'];
  const cdr: Cdr = {
    schema: 1,
    kind: 'leg',
    id,
    callId: id,
    vendor: 'vos3000',
    startTime: new Date(startMs).toISOString(),
    answerTime: answerMs === null ? null : new Date(answerMs).toISOString(),
    endTime: new Date(endMs).toISOString(),
    durationSec,
    billSec: holdSec,
    caller: { number: text(record['callerE164']) },
    callee: { number: text(record['calleeE164']) },
    disposition: answered ? 'answered' : dispositionFromReason(endReason, settings.endReasons),
    direction: settings.direction ?? 'unknown',
    extra: {},
  };
  const dialed = text(record['calleeAccessE164']);
  if (dialed !== '' && dialed !== cdr.callee.number) cdr.dialed = dialed;

  const by = HANGUP_BY[String(record['endDirection'])];
  if ((endReason !== null && endReason !== undefined && endReason !== '') || by) {
    cdr.hangup = {};
    if (endReason !== null && endReason !== undefined && endReason !== '') cdr.hangup.cause = String(endReason);
    if (by) cdr.hangup.by = by;
  }
  const trunk: Trunks = {};
  const gwIn = text(record['callerGatewayId']);
  const gwOut = text(record['calleeGatewayId']);
  if (gwIn !== '') trunk.in = gwIn;
  if (gwOut !== '') trunk.out = gwOut;
  if (trunk.in !== undefined || trunk.out !== undefined) cdr.trunk = trunk;

  const pddMs = positive(record['callerPdd']) ?? positive(record['calleePdd']);
  if (pddMs !== null) {
    const timing: Timing = { pddSec: Math.round(pddMs) / 1000 };
    cdr.timing = timing;
  }
  for (const [k, v] of Object.entries(record)) if (!MAPPED.has(k)) cdr.extra[k] = v;
  return { legs: [cdr] };
};

export default mapVos3000;

function readSettings(vendor: Record<string, unknown> | undefined): Vos3000MapSettings {
  const out: Vos3000MapSettings = {};
  if (!vendor) return out;
  const reasons = vendor['endReasons'];
  if (reasons !== undefined && reasons !== null) {
    if (typeof reasons !== 'object') throw new MapError('endReasons must be an object of endReason → disposition');
    const map: Record<string, Disposition> = {};
    for (const [k, v] of Object.entries(reasons as Record<string, unknown>)) {
      if (typeof v !== 'string' || !DISPOSITIONS.has(v)) throw new MapError(`endReasons["${k}"] is not a disposition`);
      map[k.toLowerCase()] = v as Disposition;
    }
    out.endReasons = map;
  }
  const direction = vendor['direction'];
  if (direction !== undefined && direction !== null) {
    if (typeof direction !== 'string' || !DIRECTIONS.has(direction)) throw new MapError(`direction "${String(direction)}" is not a direction`);
    out.direction = direction as Direction;
  }
  return out;
}

function canonical(v: unknown): string {
  return v === null || v === undefined ? '' : String(v);
}

function text(v: unknown): string {
  return v === null || v === undefined ? '' : String(v).trim();
}

function timeOf(record: VendorRecord, field: string, timeZone: string): number | null {
  const v = record[field];
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new MapError(`${field} is not a time`, field);
    return v === 0 ? null : v;
  }
  let read: number | string | null;
  try {
    read = readVosTime(String(v).trim(), field);
  } catch (e) {
    throw new MapError(e instanceof VosParseError ? e.message : `${field} is not a time`, field);
  }
  if (read === null || typeof read === 'number') return read;
  const ms = wallClockToEpochMs(read, timeZone);
  if (ms === null) throw new MapError(`${field}: "${read}" is not a time`, field);
  return ms;
}

function secondsOf(record: VendorRecord, field: string): number {
  const v = record[field];
  if (v === null || v === undefined || v === '') return 0;
  const n = typeof v === 'number' ? v : Number(String(v).trim());
  if (!Number.isFinite(n) || n < 0) throw new MapError(`${field} is not a number of seconds`, field);
  return Math.round(n);
}

function positive(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) && n > 0 ? n : null;
}

// Words VOS (and SIP / Q.850 texts generally) use for an unanswered call's end.
const REASON_WORDS: ReadonlyArray<[RegExp, Disposition]> = [
  [/busy/i, 'busy'],
  [/no.?answer|not.?answer|timeout|time.?out|cancel|no.?response/i, 'no_answer'],
  [/congest|overload|unavailable|no.?route|no.?circuit|capacity|limit/i, 'congestion'],
];

// SIP final responses, when the reason text carries one ("486 Busy Here", "SIP 503").
const SIP_CODES: Readonly<Record<string, Disposition>> = {
  '486': 'busy',
  '600': 'busy',
  '408': 'no_answer',
  '480': 'no_answer',
  '487': 'no_answer',
  '503': 'congestion',
  '502': 'congestion',
  '500': 'congestion',
  '504': 'congestion',
};

/** A call that was not answered: what its `endReason` says, when we know the value. */
export function dispositionFromReason(reason: unknown, map?: Record<string, Disposition>): Disposition {
  if (reason === null || reason === undefined || reason === '') return 'failed';
  const s = String(reason).trim();
  const mapped = map?.[s.toLowerCase()];
  if (mapped) return mapped;
  // A bare number is a VOS-specific code with no published table: only the user's map knows it.
  if (/^-?\d+$/.test(s)) return 'failed';
  const sip = /(?:^|\D)([4-6]\d\d)(?:\D|$)/.exec(s);
  if (sip && SIP_CODES[sip[1]!]) return SIP_CODES[sip[1]!]!;
  for (const [re, d] of REASON_WORDS) if (re.test(s)) return d;
  return 'failed';
}

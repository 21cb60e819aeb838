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
import { isoUtc, wallClockToEpochMs } from '../time';
import { secondPass } from './wall-clock';
import { readVosTime, VosParseError } from '../../formats/vos';
import { asSeconds, asText, checkInstant, epochMs, own, setOwn } from '../read-field';
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
  if (endMs < startMs) throw new MapError(`stopTime (${new Date(endMs).toISOString()}) is before startTime (${new Date(startMs).toISOString()})`, 'stopTime');
  // holdTime is the talk time: it cannot be longer than the call (1 s for the truncation of each).
  if (holdSec * 1000 > endMs - startMs + 1000) {
    throw new MapError(`holdTime is ${holdSec} s: longer than the call (startTime..stopTime = ${Math.round((endMs - startMs) / 1000)} s)`, 'holdTime');
  }
  const durationSec = Math.max(Math.round((endMs - startMs) / 1000), holdSec);
  const answered = holdSec > 0;
  const answerMs = answered ? Math.max(startMs, endMs - holdSec * 1000) : null;

  const id = stableId('vos3000', Object.values(record).map(canonical));
  const endReason = text(record['endReason'], 'endReason');
  const cdr: Cdr = {
    schema: 1,
    kind: 'leg',
    id,
    callId: id,
    vendor: 'vos3000',
    startTime: isoUtc(startMs),
    answerTime: answerMs === null ? null : isoUtc(answerMs),
    endTime: isoUtc(endMs),
    durationSec,
    billSec: holdSec,
    caller: { number: text(record['callerE164'], 'callerE164') },
    callee: { number: text(record['calleeE164'], 'calleeE164') },
    disposition: answered ? 'answered' : dispositionFromReason(endReason, settings.endReasons),
    direction: settings.direction ?? 'unknown',
    extra: {},
  };
  const dialed = text(record['calleeAccessE164'], 'calleeAccessE164');
  if (dialed !== '' && dialed !== cdr.callee.number) cdr.dialed = dialed;

  const by = own(HANGUP_BY, text(record['endDirection'], 'endDirection')) as HangupBy | undefined;
  if (endReason !== '' || by) {
    cdr.hangup = {};
    if (endReason !== '') cdr.hangup.cause = endReason;
    if (by) cdr.hangup.by = by;
  }
  const trunk: Trunks = {};
  const gwIn = text(record['callerGatewayId'], 'callerGatewayId');
  const gwOut = text(record['calleeGatewayId'], 'calleeGatewayId');
  if (gwIn !== '') trunk.in = gwIn;
  if (gwOut !== '') trunk.out = gwOut;
  if (trunk.in !== undefined || trunk.out !== undefined) cdr.trunk = trunk;

  const pddMs = positive(record['callerPdd']) ?? positive(record['calleePdd']);
  // A post-dial delay longer than the call is no delay VOS measured: left out (the raw value stays in msg.vendorRecord).
  if (pddMs !== null && pddMs <= durationSec * 1000 + 1000) {
    const timing: Timing = { pddSec: Math.round(pddMs) / 1000 };
    cdr.timing = timing;
  }
  for (const [k, v] of Object.entries(record)) if (!MAPPED.has(k)) setOwn(cdr.extra, k, v);
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
      setOwn(map, k.toLowerCase(), v);
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
  if (v === null || v === undefined) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function text(v: unknown, field: string): string {
  return asText(v, field).trim();
}

function timeOf(record: VendorRecord, field: string, timeZone: string): number | null {
  const v = record[field];
  if (v === null || v === undefined) return null;
  // A number is an epoch time whose unit its size tells (µs never read as ms).
  if (typeof v === 'number') return epochMs(v, field);
  let read: number | string | null;
  try {
    read = readVosTime(asText(v, field).trim(), field);
  } catch (e) {
    throw e instanceof MapError ? e : new MapError(e instanceof VosParseError ? e.message : `${field} is not a time`, field);
  }
  if (read === null) return null;
  const ms = typeof read === 'number' ? read : wallClockToEpochMs(read, timeZone);
  if (ms === null) throw new MapError(`${field}: "${read}" is not a time`, field);
  return checkInstant(ms, field, v);
}

function secondsOf(record: VendorRecord, field: string): number {
  return Math.round(asSeconds(record[field], field) ?? 0);
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
  const mapped = map ? (own(map, s.toLowerCase()) as Disposition | undefined) : undefined;
  if (mapped) return mapped;
  // A bare number is a VOS-specific code with no published table: only the user's map knows it.
  if (/^-?\d+$/.test(s)) return 'failed';
  const sip = /(?:^|\D)([4-6]\d\d)(?:\D|$)/.exec(s);
  if (sip && SIP_CODES[sip[1]!]) return SIP_CODES[sip[1]!]!;
  for (const [re, d] of REASON_WORDS) if (re.test(s)) return d;
  return 'failed';
}

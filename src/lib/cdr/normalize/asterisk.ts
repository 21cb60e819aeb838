/**
 * Asterisk `cdr_manager` record (an AMI `Cdr` event as `ami-cdr-in` sends it)
 * → one `Cdr` leg.
 *
 * - `id`: UniqueID alone is not unique (one channel can produce two CDRs with
 *   the same UniqueID, and the counter restarts with Asterisk), so the id hashes
 *   UniqueID with the fields that tell such CDRs apart (Sequence when mapped,
 *   channels, times, application, disposition) and the PBX name when given.
 *   The same record resent gives the same id.
 * - `callId`: the `LinkedID` mapping when present (`linkedid => LinkedID` in
 *   cdr_manager.conf). Without it Asterisk gives nothing that ties the legs of a
 *   call together, so the fallback is the channel's own UniqueID: each leg is
 *   its own call. With `pbx` set, callId is `<pbx>:<value>`.
 * - `direction`: the first matching rule of `vendor.directionRules` (or the
 *   defaults below); `unknown` when none matches.
 * - times: the PBX's wall clock in `timeZone`, placed by Duration and
 *   BillableSeconds across a clock change (wall-clock.ts); `answerTime` null
 *   when `AnswerTime` is empty. Duration and BillableSeconds are kept as sent (they
 *   are truncated by Asterisk and can differ by 1 from end − start).
 * - `disposition`: NO ANSWER → no_answer, and so on; the raw value stays in
 *   `extra.Disposition` (e.g. the Dial leg of a busy call is answered on the
 *   caller's side yet has Disposition BUSY: that is Asterisk's meaning, kept).
 */
import type { Cdr, Direction, Disposition } from '../schema';
import { stableId } from '../id';
import { isoUtc, wallClockToEpochMs } from '../time';
import { placeAnswer, placeByDuration } from './wall-clock';
import { field, fieldValue, splitCallerId, type AmiRecord } from '../../formats/ami';
import { asSeconds, asText, checkInstant, checkTimeOrder, setOwn } from '../read-field';
import { MapError, type MapOptions, type Mapped, type VendorMapper, type VendorRecord } from './types';

/** All conditions (record field → regular expression, case-insensitive) must match. */
export interface DirectionRule {
  when: Record<string, string>;
  direction: Direction;
}

export interface AsteriskMapOptions {
  /** Names the PBX, so records of several PBXs never share an id or callId. */
  pbx?: string;
  /** Replaces the default rules. */
  directionRules?: DirectionRule[];
}

/** Common dialplan context names (FreePBX and stock configs); override them with `directionRules`. */
export const DEFAULT_DIRECTION_RULES: DirectionRule[] = [
  { when: { DestinationContext: '^(from-trunk|from-pstn|from-did|from-external|ext-did)' }, direction: 'inbound' },
  { when: { DestinationContext: '^(outbound|outrt-|macro-dialout|from-internal-outbound)' }, direction: 'outbound' },
  { when: { DestinationContext: '^(from-internal|internal|phones|ext-local|default)$', Destination: '^\\+?[0-9]{7,}$' }, direction: 'outbound' },
  { when: { DestinationContext: '^(from-internal|internal|phones|ext-local|default)$' }, direction: 'internal' },
];

const DISPOSITIONS: Record<string, Disposition> = {
  'ANSWERED': 'answered',
  'NO ANSWER': 'no_answer',
  'BUSY': 'busy',
  'FAILED': 'failed',
  'CONGESTION': 'congestion',
};

const DIRECTIONS = new Set<Direction>(['inbound', 'outbound', 'internal', 'unknown']);

/** Fields that become first-class Cdr fields; every other one goes to `extra`. */
const MAPPED = new Set(['event', 'privilege', 'source', 'destination', 'starttime', 'answertime', 'endtime',
  'duration', 'billableseconds', 'accountcode', 'userfield']);

interface CompiledRule {
  tests: Array<[string, RegExp]>;
  direction: Direction;
}

const compiledCache = new WeakMap<object, CompiledRule[]>();

/** Checks and compiles direction rules; throws MapError naming the bad rule. */
export function compileDirectionRules(rules: unknown): CompiledRule[] {
  if (!Array.isArray(rules)) throw new MapError('directionRules must be an array', 'directionRules');
  return rules.map((r: unknown, i) => {
    const rule = r as Partial<DirectionRule> | null;
    if (!rule || typeof rule !== 'object' || !rule.when || typeof rule.when !== 'object') {
      throw new MapError(`direction rule ${i + 1} needs a "when" object`, 'directionRules');
    }
    if (!DIRECTIONS.has(rule.direction as Direction)) {
      throw new MapError(`direction rule ${i + 1}: direction must be inbound, outbound, internal or unknown`, 'directionRules');
    }
    const tests: Array<[string, RegExp]> = [];
    for (const [name, pattern] of Object.entries(rule.when)) {
      if (typeof pattern !== 'string') throw new MapError(`direction rule ${i + 1}: ${name} must be a regular expression`, 'directionRules');
      try {
        tests.push([name, new RegExp(pattern, 'i')]);
      } catch (err) {
        throw new MapError(`direction rule ${i + 1}: ${name}: ${(err as Error).message}`, 'directionRules');
      }
    }
    return { tests, direction: rule.direction as Direction };
  });
}

function rulesFor(vendor: AsteriskMapOptions): CompiledRule[] {
  const rules = vendor.directionRules ?? DEFAULT_DIRECTION_RULES;
  let compiled = compiledCache.get(rules);
  if (!compiled) {
    compiled = compileDirectionRules(rules);
    compiledCache.set(rules, compiled);
  }
  return compiled;
}

export function directionOf(rec: Readonly<AmiRecord>, vendor: AsteriskMapOptions = {}): Direction {
  for (const rule of rulesFor(vendor)) {
    if (rule.tests.every(([name, re]) => re.test(field(rec, name) ?? ''))) return rule.direction;
  }
  return 'unknown';
}

function text(rec: Readonly<AmiRecord>, name: string): string {
  return asText(fieldValue(rec, name), name);
}

function seconds(rec: Readonly<AmiRecord>, name: string): number {
  const n = asSeconds(fieldValue(rec, name), name, { whole: true });
  if (n === null) throw new MapError(`${name} is missing: a whole number of seconds is required`, name);
  return n;
}

function time(rec: Readonly<AmiRecord>, name: string, timeZone: string): number {
  const ms = wallClockToEpochMs(text(rec, name), timeZone);
  if (ms === null) throw new MapError(`${name} is not a time: "${text(rec, name)}"`, name);
  return checkInstant(ms, name, text(rec, name));
}

export const mapAsterisk: VendorMapper = (record: VendorRecord, options: MapOptions): Mapped => {
  const rec = record as AmiRecord;
  const vendor = (options.vendor ?? {}) as AsteriskMapOptions;
  const event = fieldValue(rec, 'Event') === undefined ? undefined : text(rec, 'Event');
  if (event !== undefined && event.toLowerCase() !== 'cdr') {
    throw new MapError(`an AMI ${event} event is not a CDR`, 'Event');
  }
  const uniqueId = text(rec, 'UniqueID');
  if (uniqueId === '') throw new MapError('UniqueID is missing', 'UniqueID');
  const rawDisposition = text(rec, 'Disposition');
  const disposition = DISPOSITIONS[rawDisposition.toUpperCase()];
  if (!disposition) throw new MapError(`unknown Disposition "${rawDisposition}"`, 'Disposition');

  // Wall-clock times across a clock change: Duration and BillableSeconds place them.
  const placed = placeByDuration(time(rec, 'StartTime', options.timeZone), time(rec, 'EndTime', options.timeZone),
    text(rec, 'StartTime'), text(rec, 'EndTime'), seconds(rec, 'Duration'), options.timeZone);
  const answerMs = text(rec, 'AnswerTime').trim() === ''
    ? null
    : placeAnswer(time(rec, 'AnswerTime', options.timeZone), text(rec, 'AnswerTime'), placed.endMs, seconds(rec, 'BillableSeconds'), options.timeZone);
  checkTimeOrder({ startMs: placed.startMs, answerMs, endMs: placed.endMs }, { start: 'StartTime', answer: 'AnswerTime', end: 'EndTime' });
  const startTime = isoUtc(placed.startMs);
  const endTime = isoUtc(placed.endMs);
  const answerTime = answerMs === null ? null : isoUtc(answerMs);
  const pbx = vendor.pbx ? String(vendor.pbx) : '';

  const id = stableId('asterisk', [
    pbx, field(rec, 'SystemName'), uniqueId, field(rec, 'Sequence'), text(rec, 'Channel'),
    text(rec, 'DestinationChannel'), text(rec, 'StartTime'), text(rec, 'AnswerTime'), text(rec, 'EndTime'),
    text(rec, 'LastApplication'), text(rec, 'LastData'), rawDisposition, text(rec, 'Duration'),
    text(rec, 'BillableSeconds'), text(rec, 'Destination'),
  ]);
  const linked = text(rec, 'LinkedID').trim();
  const group = linked !== '' ? linked : uniqueId;
  const callId = pbx ? `${pbx}:${group}` : group;

  const clid = splitCallerId(text(rec, 'CallerID'));
  const caller: Cdr['caller'] = { number: clid.number !== '' ? clid.number : text(rec, 'Source') };
  if (clid.name !== '') caller.name = clid.name;

  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rec)) if (!MAPPED.has(k.toLowerCase())) setOwn(extra, k, v);

  const leg: Cdr = {
    schema: 1,
    kind: 'leg',
    id,
    callId,
    vendor: 'asterisk',
    startTime,
    answerTime,
    endTime,
    durationSec: seconds(rec, 'Duration'),
    billSec: seconds(rec, 'BillableSeconds'),
    caller,
    callee: { number: text(rec, 'Destination') },
    disposition,
    direction: directionOf(rec, vendor),
    extra,
  };
  const account = text(rec, 'AccountCode');
  if (account !== '') leg.accountCode = account;
  const userField = text(rec, 'UserField');
  if (userField !== '') leg.userField = userField;
  const recording = text(rec, 'Recordingfile');
  if (recording !== '') leg.recordings = [recording];
  return { legs: [leg] };
};

export default mapAsterisk;

/**
 * FreeSWITCH vendor record (mod_xml_cdr / mod_json_cdr document, or a
 * mod_cdr_csv line read by its template) → one `Cdr` leg.
 *
 * id = the leg's uuid (so the XML, JSON and CSV record of one leg share it);
 * callId = the A-leg's uuid by BRIEF.md's leg rules; times from the callflow
 * `times` in µs, falling back to the *_uepoch variables and then the local
 * *_stamp wall-clock texts.
 */
import type { Cdr, Direction, HoldPeriod, Timing } from '../schema';
import { epochToIso, isoUtc, wallClockToEpochMs } from '../time';
import { stableId } from '../id';
import { asIntegerIn, asSeconds, checkInstant, checkTimeOrder, looseText, own, textFields } from '../read-field';
import { placeAnswer, placeByDuration } from './wall-clock';
import { MapError, type MapOptions, type Mapped, type VendorMapper, type VendorRecord } from './types';
import type { FsCallerProfile, FsCallflow, FsCdrRecord } from '../../formats/freeswitch/types';
import { fsLegInfo, type FsLeg, type FsLegInfo } from './freeswitch-legs';
import { deriveFsTimes, fsTimesUs, parseHoldEvents, type FsHoldUs, type FsTimesUs } from './freeswitch-times';
import { fsDisposition, fsHangupBy } from './freeswitch-disposition';

/** Settings in `MapOptions.vendor` the FreeSWITCH mapper reads. */
export interface FsMapSettings {
  /** A channel variable the dialplan sets to inbound|outbound|internal (default `call_direction`). */
  directionVariable?: string;
  /** Sofia profiles facing carriers (default ['external']). */
  externalProfiles?: string[];
  /** Dialplan contexts of calls from carriers (default ['public']). */
  publicContexts?: string[];
}

export const mapFreeswitch: VendorMapper = (record: VendorRecord, options: MapOptions): Mapped => {
  const settings = (options.vendor ?? {}) as FsMapSettings;
  const isDocument = typeof record['variables'] === 'object' && record['variables'] !== null;
  const cdr = isDocument
    ? mapDocument(record as FsCdrRecord, options.timeZone, settings)
    : mapCsv(record as Record<string, unknown>, options.timeZone, settings);
  return { legs: [cdr] };
};

function mapDocument(rec: FsCdrRecord, timeZone: string, settings: FsMapSettings): Cdr {
  // Variables are text on the wire; whatever a parser or a flow made of them is read as text.
  const v = textFields(rec.variables);
  const flows: FsCallflow[] = Array.isArray(rec.callflow) ? rec.callflow.filter((f) => typeof f === 'object' && f !== null) : [];
  // FreeSWITCH lists the newest caller profile first; its times carry the hangup.
  const current = flows.find((f) => Number(f.times?.['hangup_time'] ?? 0) > 0) ?? flows[0];
  const oldest = flows[flows.length - 1];
  const profile: FsCallerProfile | undefined = current?.caller_profile;
  const uuid = str(v['uuid']) || str(profile?.uuid) || str(v['call_uuid']);
  if (!uuid) throw new MapError('FreeSWITCH record has no uuid (variables.uuid or caller_profile.uuid)', 'uuid');

  const read = timesWithFallback(fsTimesUs(current?.times), v, timeZone);
  if (read.created === 0 && read.hangup === 0) throw new MapError(`FreeSWITCH record ${uuid} has no start or end time`, 'times');
  for (const [name, us] of Object.entries(read)) if (us > 0) checkInstant(us / 1000, TIME_NAMES[name as keyof FsTimesUs], us);
  const t = billedAnswer(read, v, timeZone);
  const created = t.created || t.hangup;
  const hangup = t.hangup || created;
  checkTimeOrder({ startMs: created / 1000, answerMs: t.answered > 0 ? t.answered / 1000 : null, endMs: hangup / 1000 }, { start: 'created_time', answer: 'answered_time', end: 'hangup_time' });
  const holds = holdsOf(rec, v, hangup);
  const derived = deriveFsTimes({ ...t, created, hangup }, holds);
  const legInfo = fsLegInfo(uuid, v, profile);
  const answered = t.answered > 0;
  const bridged = t.bridged > 0 || legInfo.otherLegUuid !== undefined;

  const callerNumber = str(profile?.caller_id_number) || v['caller_id_number'] || v['effective_caller_id_number'] || v['ani'] || '';
  const callerName = str(profile?.caller_id_name) || v['caller_id_name'] || '';
  const callee = str(profile?.destination_number) || v['destination_number'] || v['sip_req_user'] || v['sip_to_user'] || '';
  // The number first dialed, before a transfer changed the destination.
  const dialed = str(oldest?.caller_profile?.destination_number);
  const context = str(profile?.context) || v['context'] || '';
  const originatorContext = str(profile?.originator?.originator_caller_profiles?.[0]?.['context']);

  const cdr: Cdr = {
    schema: 1,
    kind: 'leg',
    id: uuid,
    callId: legInfo.aLegUuid,
    vendor: 'freeswitch',
    startTime: usToIso(created),
    answerTime: answered ? usToIso(t.answered) : null,
    endTime: usToIso(hangup),
    durationSec: countOr(v['duration'], 'duration', Math.max(0, Math.floor(hangup / 1e6) - Math.floor(created / 1e6))),
    billSec: countOr(v['billsec'], 'billsec', answered ? Math.max(0, Math.floor(hangup / 1e6) - Math.floor(t.answered / 1e6)) : 0),
    caller: callerName ? { number: callerNumber, name: callerName } : { number: callerNumber },
    callee: { number: callee },
    disposition: fsDisposition(answered, v['hangup_cause']),
    direction: fsDirection(v, legInfo.leg, originatorContext || context, settings),
    extra: {},
  };
  if (dialed && dialed !== callee) cdr.dialed = dialed;
  const hangupInfo = hangupOf(v, legInfo.leg, bridged);
  if (hangupInfo) cdr.hangup = hangupInfo;
  const gateway = v['sip_gateway_name'];
  if (gateway) cdr.trunk = cdr.direction === 'inbound' ? { in: gateway } : { out: gateway };
  if (v['accountcode']) cdr.accountCode = v['accountcode'];
  if (v['userfield']) cdr.userField = v['userfield'];
  const recordings = recordingsOf(rec, v);
  if (recordings.length) cdr.recordings = recordings;
  const timing = timingOf(t, derived.earlyMedia, holds);
  if (timing) cdr.timing = timing;

  cdr.extra = compact({
    leg: legInfo.leg,
    otherLegUuid: legInfo.otherLegUuid,
    originatedLegs: legInfo.originatedLegs,
    coreUuid: rec['core-uuid'],
    switchname: rec.switchname,
    sipCallId: v['sip_call_id'],
    channelDirection: v['direction'] || rec.channel_data?.['direction'],
    context,
    // For direction rules: this leg's channel and the one it bridged (or tried) to.
    channel: v['channel_name'] || str(profile?.chan_name),
    bridgeChannel: v['bridge_channel'] || (/^bridge$/i.test(v['last_app'] ?? '') ? v['last_arg'] : undefined),
    hangupDisposition: v['sip_hangup_disposition'],
    bridgeHangupCause: v['last_bridge_hangup_cause'],
    readCodec: v['read_codec'],
    writeCodec: v['write_codec'],
    mos: mosOf(rec, v),
    // The brief's derived figures to the microsecond (cdr-calc works from `timing` in ms).
    ringStartTime: derived.ringStartUs > 0 ? usToIso(derived.ringStartUs) : undefined,
    pddSec: derived.pddSec,
    ringSec: derived.ringSec,
    talkSec: derived.talkSec,
    holdSec: holds.length ? derived.holdSec : undefined,
  });
  return cdr;
}

/** The callflow `times` names, for error messages. */
const TIME_NAMES: Record<keyof FsTimesUs, string> = {
  created: 'created_time', progress: 'progress_time', progressMedia: 'progress_media_time',
  answered: 'answered_time', bridged: 'bridged_time', hangup: 'hangup_time',
};

/** Callflow times, filled from the *_uepoch / *_epoch variables and then the local stamps. */
function timesWithFallback(t: FsTimesUs, v: Record<string, string>, timeZone: string): FsTimesUs {
  const pick = (us: number, name: string): number => {
    if (us > 0) return us;
    const u = Number(v[`${name}_uepoch`]);
    if (Number.isFinite(u) && u > 0) return u;
    const s = Number(v[`${name}_epoch`]);
    if (Number.isFinite(s) && s > 0) return s * 1e6;
    const ms = wallClockToEpochMs(v[`${name}_stamp`], timeZone);
    return ms === null ? 0 : ms * 1000;
  };
  return {
    created: pick(t.created, 'start'),
    progress: pick(t.progress, 'progress'),
    progressMedia: pick(t.progressMedia, 'progress_media'),
    answered: pick(t.answered, 'answer'),
    bridged: pick(t.bridged, 'bridge'),
    hangup: pick(t.hangup, 'end'),
  };
}

/**
 * The answer FreeSWITCH billed from. Its billsec / billusec are hangup −
 * answer of the channel's own times; old versions can write an
 * `answer_uepoch` (or a callflow time) that disagrees with them. Of the
 * answer times the record gives (callflow, answer_uepoch, answer_epoch,
 * answer_stamp), the one that agrees with billusec (to the millisecond) or
 * billsec (whole epoch seconds) wins; with billusec and none agreeing, the
 * answer is hangup − billusec.
 */
function billedAnswer(t: FsTimesUs, v: Record<string, string>, timeZone: string): FsTimesUs {
  if (t.answered === 0 || t.hangup === 0) return t;
  const billusec = Number(v['billusec']);
  const billsec = Number(v['billsec']);
  const candidates = [t.answered, Number(v['answer_uepoch']), Number(v['answer_epoch']) * 1e6, (wallClockToEpochMs(v['answer_stamp'], timeZone) ?? 0) * 1000]
    .filter((c) => Number.isFinite(c) && c > 0 && c <= t.hangup);
  if (v['billusec'] !== undefined && Number.isFinite(billusec) && billusec > 0) {
    const target = t.hangup - billusec;
    const agreeing = candidates.find((c) => Math.abs(c - target) < 1000);
    return { ...t, answered: agreeing ?? target };
  }
  if (v['billsec'] !== undefined && Number.isFinite(billsec) && billsec > 0) {
    const agreeing = candidates.find((c) => Math.floor(t.hangup / 1e6) - Math.floor(c / 1e6) === billsec);
    if (agreeing !== undefined) return { ...t, answered: agreeing };
  }
  return t;
}

/** Hold periods; one still open at hangup (stop 0) ends at the hangup. */
function holdsOf(rec: FsCdrRecord, v: Record<string, string>, hangupUs: number): FsHoldUs[] {
  let list = parseHoldEvents(v['hold_events']);
  const held: unknown = rec['hold-record']?.hold;
  if (list.length === 0 && Array.isArray(held)) {
    list = held.filter((h) => typeof h === 'object' && h !== null).map((h) => ({ startUs: Number(h.on), stopUs: Number(h.off) }));
  }
  return list
    .filter((h) => Number.isFinite(h.startUs) && Number.isFinite(h.stopUs) && h.startUs > 0)
    .map((h) => (h.stopUs > 0 ? h : { startUs: h.startUs, stopUs: Math.max(h.startUs, hangupUs) }));
}

function timingOf(t: FsTimesUs, earlyMedia: boolean, holds: FsHoldUs[]): Timing | undefined {
  const timing: Timing = {};
  if (t.progress > 0) timing.progressTime = usToIso(t.progress);
  if (earlyMedia) timing.earlyMediaTime = usToIso(t.progressMedia);
  if (t.bridged > 0) timing.bridgeTime = usToIso(t.bridged);
  const periods: HoldPeriod[] = holds.filter((h) => h.stopUs >= h.startUs).map((h) => ({ start: usToIso(h.startUs), end: usToIso(h.stopUs) }));
  if (periods.length) timing.holds = periods;
  return Object.keys(timing).length ? timing : undefined;
}

function hangupOf(v: Record<string, string>, leg: FsLeg, bridged: boolean): Cdr['hangup'] | undefined {
  const h: NonNullable<Cdr['hangup']> = {};
  if (v['hangup_cause']) h.cause = v['hangup_cause'];
  // Q.850 causes are 0..127; anything else is left out (the vendor record keeps it).
  const q = asIntegerIn(v['hangup_cause_q850'], 0, 127);
  if (q !== null) h.q850 = q;
  const by = fsHangupBy(v['sip_hangup_disposition'], leg, bridged);
  if (by) h.by = by;
  return Object.keys(h).length ? h : undefined;
}

function fsDirection(v: Record<string, string>, leg: FsLeg, context: string, s: FsMapSettings): Direction {
  const declared = looseText(own(v, s.directionVariable ?? 'call_direction')).toLowerCase();
  if (declared === 'inbound' || declared === 'outbound' || declared === 'internal') return declared;
  const externalProfiles = s.externalProfiles ?? ['external'];
  const publicContexts = s.publicContexts ?? ['public'];
  const profile = v['sofia_profile_name'] ?? '';
  const toGateway =
    !!v['sip_gateway_name'] ||
    /sofia\/gateway\//.test(`${v['bridge_channel'] ?? ''} ${v['last_arg'] ?? ''} ${v['channel_name'] ?? ''}`);
  if (publicContexts.includes(context) || (leg === 'a' && externalProfiles.includes(profile) && !toGateway)) return 'inbound';
  if (toGateway || (leg === 'b' && externalProfiles.includes(profile))) return 'outbound';
  if (context || profile) return 'internal';
  return 'unknown';
}

function recordingsOf(rec: FsCdrRecord, v: Record<string, string>): string[] {
  const out = new Set<string>();
  for (const k of ['record_file_name', 'sofia_record_file', 'recording_file']) if (v[k]) out.add(v[k]);
  const apps: unknown = rec.app_log?.applications;
  for (const app of Array.isArray(apps) ? (apps as unknown[]) : []) {
    const a = textFields(app);
    if (a['app_name'] === 'record_session' && a['app_data']) out.add(a['app_data'].split(/\s+/)[0]!);
  }
  return [...out];
}

function mosOf(rec: FsCdrRecord, v: Record<string, string>): number | undefined {
  const stats = (rec.callStats ?? rec['call-stats']) as Record<string, unknown> | undefined;
  const audio = stats?.['audio'] as Record<string, unknown> | undefined;
  const inbound = audio?.['inbound'] as Record<string, unknown> | undefined;
  const fromStats = inbound?.['mos'];
  const n = Number(fromStats ?? v['rtp_audio_in_mos']);
  return (fromStats !== undefined || v['rtp_audio_in_mos'] !== undefined) && Number.isFinite(n) ? n : undefined;
}

/* ---------------- mod_cdr_csv ---------------- */

function mapCsv(r: Record<string, unknown>, timeZone: string, settings: FsMapSettings): Cdr {
  const vars = textFields(r);
  const f = (k: string): string => vars[k] ?? '';
  let endMs = wallClockToEpochMs(f('end_stamp'), timeZone);
  let answerMs = wallClockToEpochMs(f('answer_stamp'), timeZone);
  let startMs = wallClockToEpochMs(f('start_stamp'), timeZone);
  const duration = countOr(f('duration'), 'duration', NaN);
  if (startMs !== null && endMs !== null && Number.isFinite(duration)) {
    // Local stamps across a clock change: duration and billsec place them.
    ({ startMs, endMs } = placeByDuration(startMs, endMs, f('start_stamp'), f('end_stamp'), duration, timeZone));
    const billsec = countOr(f('billsec'), 'billsec', NaN);
    if (answerMs !== null && Number.isFinite(billsec)) answerMs = placeAnswer(answerMs, f('answer_stamp'), endMs, billsec, timeZone);
  }
  // Templates without start_stamp (opencdrrate): end − duration, else the answer.
  if (startMs === null && endMs !== null && Number.isFinite(duration)) startMs = endMs - duration * 1000;
  if (startMs === null) startMs = answerMs ?? endMs;
  if (startMs === null || endMs === null) {
    throw new MapError('FreeSWITCH CSV record needs start_stamp (or answer_stamp/duration) and end_stamp', 'end_stamp');
  }
  checkInstant(startMs, 'start_stamp', f('start_stamp'));
  checkInstant(endMs, 'end_stamp', f('end_stamp'));
  checkTimeOrder({ startMs, answerMs, endMs }, { start: 'start_stamp', answer: 'answer_stamp', end: 'end_stamp' });
  const answered = answerMs !== null;
  const aLeg = f('originating_leg_uuid') || f('ent_originate_aleg_uuid') || f('originator');
  const leg: FsLeg = aLeg ? 'b' : 'a';
  const uuid = f('uuid');
  const id = uuid || stableId('freeswitch', [f('start_stamp'), f('end_stamp'), f('caller_id_number'), f('destination_number'), f('duration'), f('billsec')]);
  const legInfo: FsLegInfo = aLeg ? { leg, aLegUuid: aLeg, otherLegUuid: aLeg } : { leg, aLegUuid: id };
  const other = f('bleg_uuid') || f('signal_bond') || f('bridge_uuid');
  if (!aLeg && other) legInfo.otherLegUuid = other;
  const callerNumber = f('caller_id_number') || f('ani');
  const callerName = f('caller_id_name');
  const billSec = countOr(f('billsec'), 'billsec', answered ? Math.max(0, Math.round((endMs - answerMs!) / 1000)) : 0);

  const cdr: Cdr = {
    schema: 1,
    kind: 'leg',
    id,
    callId: legInfo.aLegUuid,
    vendor: 'freeswitch',
    startTime: isoUtc(startMs),
    answerTime: answered ? isoUtc(answerMs!) : null,
    endTime: isoUtc(endMs),
    durationSec: Number.isFinite(duration) ? duration : Math.max(0, Math.round((endMs - startMs) / 1000)),
    billSec,
    caller: callerName ? { number: callerNumber, name: callerName } : { number: callerNumber },
    callee: { number: f('destination_number') },
    disposition: fsDisposition(answered || billSec > 0, f('hangup_cause')),
    direction: fsDirection(vars, leg, f('context'), settings),
    extra: {},
  };
  const hangupInfo = hangupOf(vars, leg, !!legInfo.otherLegUuid);
  if (hangupInfo) cdr.hangup = hangupInfo;
  if (f('accountcode')) cdr.accountCode = f('accountcode');
  if (f('userfield')) cdr.userField = f('userfield');
  if (f('sip_gateway_name')) cdr.trunk = cdr.direction === 'inbound' ? { in: f('sip_gateway_name') } : { out: f('sip_gateway_name') };
  const rec = f('sofia_record_file') || f('record_file_name');
  if (rec) cdr.recordings = [rec];
  cdr.extra = compact({
    leg,
    otherLegUuid: legInfo.otherLegUuid,
    context: f('context') || undefined,
    readCodec: f('read_codec') || undefined,
    writeCodec: f('write_codec') || undefined,
  });
  return cdr;
}

/* ---------------- helpers ---------------- */

function usToIso(us: number): string {
  return epochToIso(us, 'us') ?? new Date(0).toISOString();
}

function str(v: unknown): string {
  return typeof v === 'object' ? '' : looseText(v);
}

/** FreeSWITCH's own count of seconds (whole), or `fallback` when it sent none; a negative or absurd count is an error. */
function countOr(v: string | undefined, name: string, fallback: number): number {
  const n = asSeconds(v, name);
  return n === null ? fallback : Math.trunc(n);
}

function compact(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}

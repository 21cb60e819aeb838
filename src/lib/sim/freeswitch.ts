/**
 * FreeSWITCH traffic simulator, pure part: realistic call legs as FreeSWITCH
 * records, and the texts FreeSWITCH would write for them (mod_xml_cdr XML,
 * mod_json_cdr JSON, mod_cdr_csv lines, POST bodies per `encode`).
 * Senders (HTTP with retry, spool files, a rotating Master.csv) are in
 * freeswitch-send.ts.
 */
import type { FsCallerProfile, FsCdrRecord } from '../formats/freeswitch/types';
import { compileTemplate, type CompiledTemplate } from '../formats/freeswitch/csv';
import { Rng } from './random';

export type FsSimOutcome = 'answered' | 'no_answer' | 'busy' | 'failed';
export type FsSimDirection = 'inbound' | 'outbound' | 'internal';

export interface FsSimCall {
  /** The A-leg record, always present. */
  a: FsCdrRecord;
  /** The B-leg record when the call reached a callee. */
  b?: FsCdrRecord;
  outcome: FsSimOutcome;
  direction: FsSimDirection;
}

export interface FsSimOptions {
  /** Deterministic output for the same seed (default 1). */
  seed?: number;
  /** Start time of the first call, epoch ms (default 2024-05-01T08:00:00Z). */
  startMs?: number;
  /** IANA zone for the *_stamp texts (default UTC). */
  timeZone?: string;
  /** Live traffic: every call ends at the moment it is made (the `npm start` demo). */
  live?: boolean;
}

function uuidFrom(rand: () => number): string {
  const hex = (n: number): string =>
    Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[Math.floor(rand() * 4)]}${hex(3)}-${hex(12)}`;
}

const stampFormats = new Map<string, Intl.DateTimeFormat>();

/** `YYYY-MM-DD HH:MM:SS` of an epoch µs value in a zone, as FreeSWITCH's *_stamp. */
export function fsStamp(us: number, timeZone: string): string {
  if (us <= 0) return '';
  let fmt = stampFormats.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-CA', {
      timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
    });
    stampFormats.set(timeZone, fmt);
  }
  const parts = fmt.formatToParts(new Date(Math.floor(us / 1000)));
  const p = (t: string): string => parts.find((x) => x.type === t)?.value ?? '00';
  return `${p('year')}-${p('month')}-${p('day')} ${p('hour')}:${p('minute')}:${p('second')}`;
}

const CAUSES: Record<Exclude<FsSimOutcome, 'answered'>, [string, number]> = {
  no_answer: ['NO_ANSWER', 19],
  busy: ['USER_BUSY', 17],
  failed: ['UNALLOCATED_NUMBER', 1],
};

/** A generator of calls; each call() returns the next one, 1–40 s after the previous start. */
export class FsCallGenerator {
  private readonly rand: () => number;
  private nextStartUs: number;
  private readonly timeZone: string;
  private readonly live: boolean;
  private n = 0;

  constructor(options: FsSimOptions = {}) {
    const rng = new Rng(options.seed ?? 1);
    this.rand = () => rng.next();
    this.nextStartUs = (options.startMs ?? Date.UTC(2024, 4, 1, 8, 0, 0)) * 1000;
    this.timeZone = options.timeZone ?? 'UTC';
    this.live = options.live ?? false;
  }

  call(): FsSimCall {
    const r = this.rand;
    this.n++;
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    const outcome = pick<FsSimOutcome>(['answered', 'answered', 'answered', 'answered', 'no_answer', 'busy', 'failed']);
    const direction = pick<FsSimDirection>(['inbound', 'outbound', 'internal']);
    let created = this.nextStartUs + Math.floor(r() * 1000);
    this.nextStartUs += 1_000_000 + Math.floor(r() * 39_000_000);
    const ext = String(1000 + Math.floor(r() * 100));
    const external = `+3460${String(Math.floor(r() * 1e7)).padStart(7, '0')}`;
    const caller = direction === 'inbound' ? external : ext;
    const callee = direction === 'outbound' ? external : String(1000 + Math.floor(r() * 100));
    const aUuid = uuidFrom(r);
    const bUuid = uuidFrom(r);
    const earlyMedia = r() < 0.3;
    const reached = outcome !== 'failed';
    let progress = reached ? created + 50_000 + Math.floor(r() * 2_000_000) : 0;
    let progressMedia = reached && earlyMedia ? progress + Math.floor(r() * 500_000) : 0;
    let answered = outcome === 'answered' ? progress + 1_000_000 + Math.floor(r() * 15_000_000) : 0;
    const talk = answered ? 5_000_000 + Math.floor(r() * 300_000_000) : 0;
    let hangup = answered ? answered + talk : created + (reached ? 5_000_000 + Math.floor(r() * 25_000_000) : 30_000 + Math.floor(r() * 200_000));
    const holds: [number, number][] = [];
    if (answered && r() < 0.25) {
      const on = answered + Math.floor(talk / 4);
      holds.push([on, on + Math.floor(talk / 4)]);
    }
    if (this.live) {
      // Moved as a whole so that the call ends now; its lengths stay as drawn.
      const shift = Date.now() * 1000 - hangup;
      created += shift;
      hangup += shift;
      if (progress) progress += shift;
      if (progressMedia) progressMedia += shift;
      if (answered) answered += shift;
      for (const h of holds) (h[0] += shift), (h[1] += shift);
    }
    const callerHangs = r() < 0.5;
    const [cause, q850] = outcome === 'answered' ? ['NORMAL_CLEARING', 16] : CAUSES[outcome];
    const context = direction === 'inbound' ? 'public' : 'default';
    const profileA = direction === 'inbound' ? 'external' : 'internal';
    const gateway = direction === 'outbound' ? 'carrier1' : undefined;
    const tz = this.timeZone;
    const bridged = outcome === 'answered';

    const common = (uuid: string, times: Times, extra: Record<string, string>): Record<string, string> => ({
      uuid,
      call_uuid: uuid,
      sip_call_id: `${uuid.slice(0, 8)}@sim`,
      ...stampVars(times, tz),
      hangup_cause: cause,
      hangup_cause_q850: String(q850),
      read_codec: 'PCMA',
      write_codec: 'PCMA',
      ...extra,
    });
    const tA: Times = { created, progress, progressMedia: progressMedia || (answered ? answered : 0), answered, bridged: bridged ? answered : 0, hangup };
    const aVars = common(aUuid, tA, {
      direction: 'inbound',
      sofia_profile_name: profileA,
      channel_name: `sofia/${profileA}/${caller}@10.0.0.1`,
      caller_id: `"${caller}" <${caller}>`,
      sip_hangup_disposition:
        outcome === 'answered' ? (callerHangs ? 'recv_bye' : 'send_bye') : outcome === 'no_answer' && callerHangs ? 'recv_cancel' : 'send_bye',
      last_app: 'bridge',
      last_arg: gateway ? `sofia/gateway/${gateway}/${callee}` : `user/${callee}@sim.local`,
      ...(reached ? { originate_disposition: outcome === 'answered' ? 'SUCCESS' : cause, originated_legs: `ARRAY::${bUuid};Outbound Call;${callee}`, originate_causes: `ARRAY::${bUuid};${outcome === 'answered' ? 'NONE' : cause}` } : {}),
      ...(bridged ? { bridge_uuid: bUuid, signal_bond: bUuid, last_bridge_to: bUuid, bridge_channel: `sofia/${gateway ? 'external' : 'internal'}/${callee}` } : {}),
      ...(gateway ? { sip_gateway_name: gateway } : {}),
      ...(holds.length ? { hold_events: `{${holds.map(([s, e]) => `{${s},${e}}`).join(',')}}` } : {}),
      ...(answered ? { rtp_audio_in_mos: (3.5 + r()).toFixed(2) } : {}),
    });
    const profA: FsCallerProfile = profileFor(aUuid, caller, callee, context, `sofia/${profileA}/${caller}@10.0.0.1`);
    const a: FsCdrRecord = {
      'core-uuid': 'c0ffee00-0000-4000-8000-000000000001',
      switchname: 'fs-sim',
      channel_data: { state: 'CS_REPORTING', direction: 'inbound', state_number: '11' },
      variables: aVars,
      app_log: { applications: [{ app_name: 'bridge', app_data: aVars['last_arg']!, app_stamp: String(created + 20_000) }] },
      callflow: [{ dialplan: 'XML', profile_index: '1', caller_profile: reached ? { ...profA, originatee: { originatee_caller_profiles: [profileFor(bUuid, caller, callee, context, `sofia/internal/${callee}`)] } } : profA, times: timesText(tA) }],
    };
    const call: FsSimCall = { a, outcome, direction };
    if (reached) {
      const tB: Times = { created: created + 20_000, progress, progressMedia: progressMedia || (answered ? answered : 0), answered, bridged: bridged ? answered : 0, hangup: hangup + 1_000 };
      const bVars = common(bUuid, tB, {
        direction: 'outbound',
        sofia_profile_name: gateway ? 'external' : 'internal',
        channel_name: `sofia/${gateway ? 'external' : 'internal'}/${callee}`,
        originating_leg_uuid: aUuid,
        originator: aUuid,
        sip_hangup_disposition: outcome === 'answered' ? (callerHangs ? 'send_bye' : 'recv_bye') : outcome === 'no_answer' ? 'send_cancel' : 'recv_refuse',
        ...(bridged ? { bridge_uuid: aUuid, signal_bond: aUuid, last_bridge_to: aUuid } : {}),
        ...(gateway ? { sip_gateway_name: gateway } : {}),
        ...(answered ? { rtp_audio_in_mos: (3.5 + r()).toFixed(2) } : {}),
      });
      call.b = {
        'core-uuid': a['core-uuid'],
        switchname: 'fs-sim',
        channel_data: { state: 'CS_REPORTING', direction: 'outbound', state_number: '11' },
        variables: bVars,
        callflow: [{ dialplan: 'XML', profile_index: '1', caller_profile: { ...profileFor(bUuid, caller, callee, context, bVars['channel_name']!), originator: { originator_caller_profiles: [profA] } }, times: timesText(tB) }],
      };
    }
    return call;
  }
}

interface Times { created: number; progress: number; progressMedia: number; answered: number; bridged: number; hangup: number }

function profileFor(uuid: string, caller: string, callee: string, context: string, chan: string): FsCallerProfile {
  return { username: caller, dialplan: 'XML', caller_id_name: caller, caller_id_number: caller, ani: caller, destination_number: callee, uuid, source: 'mod_sofia', context, chan_name: chan };
}

function timesText(t: Times): Record<string, string> {
  return {
    created_time: String(t.created), profile_created_time: String(t.created), progress_time: String(t.progress),
    progress_media_time: String(t.progressMedia), answered_time: String(t.answered), bridged_time: String(t.bridged),
    last_hold_time: '0', hold_accum_time: '0', hangup_time: String(t.hangup), resurrect_time: '0', transfer_time: '0',
  };
}

/** The *_stamp, *_epoch, *_uepoch and duration variables FreeSWITCH derives from the times. */
function stampVars(t: Times, tz: string): Record<string, string> {
  const s = (us: number): number => Math.floor(us / 1e6);
  const out: Record<string, string> = {};
  const set = (name: string, us: number): void => {
    out[`${name}_stamp`] = fsStamp(us, tz);
    out[`${name}_epoch`] = String(s(us));
    out[`${name}_uepoch`] = String(us);
  };
  set('start', t.created);
  set('answer', t.answered);
  set('bridge', t.bridged);
  set('progress', t.progress);
  set('progress_media', t.progressMedia);
  set('end', t.hangup);
  out['duration'] = String(s(t.hangup) - s(t.created));
  out['billsec'] = String(t.answered ? s(t.hangup) - s(t.answered) : 0);
  out['progresssec'] = String(t.progress ? s(t.progress) - s(t.created) : 0);
  out['answersec'] = String(t.answered ? s(t.answered) - s(t.created) : 0);
  out['uduration'] = String(t.hangup - t.created);
  out['billusec'] = String(t.answered ? t.hangup - t.answered : 0);
  return out;
}

/* ---------------- texts FreeSWITCH writes ---------------- */

/** FreeSWITCH's URL encoder: everything but unreserved characters is %XX-escaped (so + is %2B). */
export function fsUrlEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

const xmlEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** mod_xml_cdr text of a record (variables URL-encoded, as FreeSWITCH always does in XML). */
export function toXml(rec: FsCdrRecord): string {
  const lines: string[] = ['<?xml version="1.0"?>', `<cdr core-uuid="${xmlEscape(rec['core-uuid'] ?? '')}" switchname="${xmlEscape(rec.switchname ?? '')}">`];
  const leaf = (name: string, value: string): string => `<${name}>${xmlEscape(value)}</${name}>`;
  if (rec.channel_data) lines.push(`  <channel_data>${Object.entries(rec.channel_data).map(([k, v]) => leaf(k, v)).join('')}</channel_data>`);
  lines.push(`  <variables>${Object.entries(rec.variables).map(([k, v]) => leaf(k, fsUrlEncode(v))).join('')}</variables>`);
  if (rec.app_log) {
    lines.push(`  <app_log>${rec.app_log.applications.map((a) => `<application app_name="${xmlEscape(a.app_name)}" app_data="${xmlEscape(a.app_data)}" app_stamp="${xmlEscape(a.app_stamp ?? '')}"></application>`).join('')}</app_log>`);
  }
  const profile = (p: FsCallerProfile): string =>
    Object.entries(p)
      .filter(([, v]) => typeof v === 'string')
      .map(([k, v]) => leaf(k, v as string))
      .join('');
  for (const cf of rec.callflow) {
    const cp = cf.caller_profile;
    let inner = profile(cp);
    if (cp.originator) inner += `<originator>${cp.originator.originator_caller_profiles.map((p) => `<originator_caller_profile type="originator">${profile(p)}</originator_caller_profile>`).join('')}</originator>`;
    if (cp.originatee) inner += `<originatee>${cp.originatee.originatee_caller_profiles.map((p) => `<originatee_caller_profile type="originatee">${profile(p)}</originatee_caller_profile>`).join('')}</originatee>`;
    lines.push(`  <callflow dialplan="${xmlEscape(cf.dialplan ?? '')}" profile_index="${xmlEscape(cf.profile_index ?? '1')}">`);
    lines.push(`    <caller_profile>${inner}</caller_profile>`);
    lines.push(`    <times>${Object.entries(cf.times).map(([k, v]) => leaf(k, v)).join('')}</times>`);
    lines.push('  </callflow>');
  }
  lines.push('</cdr>');
  return lines.join('\n') + '\n';
}

/** mod_json_cdr text of a record; `encodeValues` as the module's encode-values (default true). */
export function toJson(rec: FsCdrRecord, encodeValues = true): string {
  const variables: Record<string, string> = {};
  for (const [k, v] of Object.entries(rec.variables)) variables[k] = encodeValues ? fsUrlEncode(v) : v;
  return JSON.stringify({ ...rec, variables });
}

/** The value mod_cdr_csv expands `${name}` to: a channel variable, else a caller-profile field. */
function csvValue(rec: FsCdrRecord, name: string): string {
  const v = rec.variables[name];
  if (v !== undefined) return v;
  const p = rec.callflow[0]?.caller_profile?.[name];
  if (typeof p === 'string') return p;
  if (name === 'bleg_uuid') return rec.variables['bridge_uuid'] ?? '';
  if (name === 'context') return String(rec.callflow[0]?.caller_profile?.['context'] ?? '');
  return '';
}

/** One Master.csv line (with its newline) for a record, by template name or text. */
export function toCsvLine(rec: FsCdrRecord, template: string | CompiledTemplate = 'example'): string {
  const t = typeof template === 'string' ? compileTemplate(template) : template;
  let line = t.literals[0]!;
  t.fields.forEach((f, i) => {
    line += csvValue(rec, f) + t.literals[i + 1]!;
  });
  return line + '\n';
}

export type FsPostEncoding = 'urlencoded' | 'base64' | 'plain' | 'raw';

/** The body and content type mod_xml_cdr / mod_json_cdr POST for a document and an `encode` value. */
export function postBody(doc: string, format: 'xml' | 'json', encoding: FsPostEncoding): { body: string; contentType: string } {
  switch (encoding) {
    case 'urlencoded':
      return { body: 'cdr=' + fsUrlEncode(doc), contentType: 'application/x-www-form-urlencoded' };
    case 'base64':
      return { body: 'cdr=' + Buffer.from(doc, 'utf8').toString('base64'), contentType: 'application/x-www-form-base64-encoded' };
    case 'plain':
      return { body: 'cdr=' + doc, contentType: 'application/x-www-form-plaintext' };
    case 'raw':
      return { body: doc, contentType: format === 'xml' ? 'text/xml' : 'application/json' };
  }
}

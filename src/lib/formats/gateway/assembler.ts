/**
 * Gateway events → call records, one per gateway and Call-Ref, like the rows of
 * the gateway's CDR report. The rules are written down, with the evidence from
 * the samples, in README-gateway.md; the short form:
 *
 * - A call starts at its first event and ends when the gateway side is back on
 *   hook: HOOK_ON; or, when nothing on the gateway ever went off hook (no
 *   HOOK_OFF, no PSTN_HOOK_OFF), at REJECT, REMOTE_HOOK_ON or PSTN_HOOK_ON.
 * - Notation: CALL_IN seen → "Call in" if TALK, else "Call in reject".
 *   HOOK_OFF or PSTN_CALL_IN seen → "Call out" if TALK; else "Call out failed"
 *   if anything was dialed or the far end rang/refused; else "Hook On/Off".
 *   Anything else (a call whose start we never saw) → "Other".
 * - DIAL digits go to "PSTN Dial" once the gateway has seized a PSTN line for a
 *   call that did not come from the PSTN (PSTN_HOOK_OFF without PSTN_CALL_IN),
 *   otherwise to "Dialed". Groups are joined with ", " as in the report.
 * - Time = End − first TALK. PSTN Time = (PSTN_HOOK_ON, else End) − PSTN_HOOK_OFF
 *   (else PSTN_CONNECTED).
 *
 * Memory is bounded: open calls (oldest activity closed first, marked
 * incomplete), events kept per call, and the recently-closed keys used to
 * recognise late events. Time outs use the injected clock (when events
 * arrived), never the gateway's clock, which is often wrong after a reboot.
 */

import type { GatewayEvent } from './event-line';

export type Notation = 'Call out' | 'Call in' | 'Call in reject' | 'Hook On/Off' | 'Call out failed' | 'Other';
export const NOTATIONS: readonly Notation[] = ['Call out', 'Call in', 'Call in reject', 'Hook On/Off', 'Call out failed', 'Other'];

/** Why a record was closed. Anything but "ended" makes the record incomplete. */
export type CloseReason = 'ended' | 'timeout' | 'call-ref-reused' | 'capacity' | 'flush';

/** One assembled call: the report's columns (same names), then what the report does not show. */
export interface GatewayCallRecord {
  Gateway: string;
  'Call-Ref': number;
  Port: string;
  /** `YYYY/MM/DD` of Begin. */
  Date: string;
  Notation: Notation;
  Dialed: string;
  /** Talk time `HH:MM:SS`, empty when never talking. */
  Time: string;
  /** `HH:MM:SS` of the first event. */
  Begin: string;
  'PSTN Dial': string;
  'PSTN Time': string;
  'Caller ID': string;
  'PSTN Caller ID': string;
  /** `HH:MM:SS` of the closing event (or of the last event seen, when incomplete). */
  End: string;
  /** Full gateway wall-clock times `YYYY/MM/DD HH:MM:SS` (a call may cross midnight). */
  'Begin At': string;
  'Talk At': string;
  'End At': string;
  'Talk Sec': number | null;
  'PSTN Sec': number | null;
  'Duration Sec': number;
  Incomplete: boolean;
  'Close Reason': CloseReason;
  /** Names of events this assembler does not know; the events themselves are in Events. */
  'Unknown Events': string[];
  /** Events beyond the per-call limit that were counted but not kept. */
  'Events Dropped': number;
  Events: GatewayEvent[];
}

/** An event for a call that was just closed: reported, not turned into a bogus new call. */
export interface LateEvent {
  gateway: string;
  event: GatewayEvent;
}

export interface AssemblerOutput {
  records: GatewayCallRecord[];
  late: LateEvent[];
}

export interface AssemblerOptions {
  /** Close a call after this long without an event (ms of the injected clock). Default 4 h. */
  openTimeoutMs?: number;
  /** Most calls open at once; beyond it the least recently active is closed. Default 10 000. */
  maxOpenCalls?: number;
  /** Most events kept on one record. Default 500. */
  maxEventsPerCall?: number;
  /** How long a closed Call-Ref is remembered to recognise late events. Default 60 s. */
  lateGraceMs?: number;
  /** Clock in ms. Default Date.now. */
  now?: () => number;
}

export const KNOWN_EVENTS: ReadonlySet<string> = new Set([
  'HOOK_OFF', 'HOOK_ON', 'DIAL', 'RING_BACK', 'TALK',
  'PSTN_CALL_IN', 'PSTN_HOOK_OFF', 'PSTN_CONNECTED', 'PSTN_HOOK_ON', 'REMOTE_HOOK_ON',
  'CALL_IN', 'RING', 'REJECT', 'BUSY',
]);
/** Events that begin a call; the same one seen twice on an open Call-Ref means the Call-Ref was reused. */
const START_EVENTS: ReadonlySet<string> = new Set(['HOOK_OFF', 'PSTN_CALL_IN', 'CALL_IN']);

interface OpenCall {
  gateway: string;
  callRef: number;
  port: string;
  pPort: string;
  beginAt: string;
  lastAt: string;
  talkAt: string;
  pstnStartAt: string;
  pstnEndAt: string;
  seen: Set<string>;
  offHook: boolean;
  dialed: string[];
  pstnDial: string[];
  callerId: string;
  pstnCallerId: string;
  unknown: string[];
  events: GatewayEvent[];
  dropped: number;
  lastActivity: number;
}

/** `YYYY/MM/DD HH:MM:SS` read as if UTC: only differences are taken. */
function wallMs(t: string): number {
  return Date.UTC(+t.slice(0, 4), +t.slice(5, 7) - 1, +t.slice(8, 10), +t.slice(11, 13), +t.slice(14, 16), +t.slice(17, 19));
}

function secondsBetween(from: string, to: string): number {
  // A gateway clock set back mid-call would give a negative span; 0 is the honest floor.
  return Math.max(0, Math.round((wallMs(to) - wallMs(from)) / 1000));
}

/** Seconds → `HH:MM:SS` as the report prints it (hours keep growing past 99). */
export function formatDuration(sec: number): string {
  const h = Math.floor(sec / 3600);
  const m = Math.floor((sec % 3600) / 60);
  const s = sec % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

export function notationOf(seen: ReadonlySet<string>): Notation {
  const talked = seen.has('TALK');
  if (seen.has('CALL_IN')) return talked ? 'Call in' : 'Call in reject';
  if (seen.has('HOOK_OFF') || seen.has('PSTN_CALL_IN')) {
    if (talked) return 'Call out';
    if (seen.has('DIAL') || seen.has('RING_BACK') || seen.has('REJECT') || seen.has('BUSY')) return 'Call out failed';
    return 'Hook On/Off';
  }
  return 'Other';
}

/** The key of a call: gateway and Call-Ref. */
export function keyOf(gateway: string, callRef: number): string {
  return `${gateway}\u0001${callRef}`;
}

export class CallAssembler {
  private readonly open = new Map<string, OpenCall>();
  private readonly recentlyClosed = new Map<string, number>();
  private readonly openTimeoutMs: number;
  private readonly maxOpenCalls: number;
  private readonly maxEventsPerCall: number;
  private readonly lateGraceMs: number;
  private readonly now: () => number;

  constructor(options: AssemblerOptions = {}) {
    this.openTimeoutMs = options.openTimeoutMs ?? 4 * 3600_000;
    this.maxOpenCalls = Math.max(1, options.maxOpenCalls ?? 10_000);
    this.maxEventsPerCall = Math.max(1, options.maxEventsPerCall ?? 500);
    this.lateGraceMs = options.lateGraceMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  get openCalls(): number {
    return this.open.size;
  }

  /** Is a call of this gateway and Call-Ref open? */
  isOpen(gateway: string, callRef: number): boolean {
    return this.open.has(keyOf(gateway, callRef));
  }

  /** Feed one event of `gateway`. Returns the records it closed and any late event. */
  push(gateway: string, event: GatewayEvent): AssemblerOutput {
    const out: AssemblerOutput = { records: [], late: [] };
    const now = this.now();
    const key = keyOf(gateway, event['Call-Ref']);
    let call = this.open.get(key);

    if (call && START_EVENTS.has(event.Event) && call.seen.has(event.Event)) {
      // The gateway rebooted (Call-Refs restart) or we missed the end: keep what we had.
      out.records.push(this.close(key, call, 'call-ref-reused'));
      call = undefined;
    }
    if (!call) {
      const closedAt = this.recentlyClosed.get(key);
      if (closedAt !== undefined && now - closedAt <= this.lateGraceMs && !START_EVENTS.has(event.Event)) {
        out.late.push({ gateway, event });
        return out;
      }
      this.recentlyClosed.delete(key);
      call = this.begin(gateway, event);
      if (this.open.size >= this.maxOpenCalls) {
        const [oldestKey, oldest] = this.open.entries().next().value as [string, OpenCall];
        out.records.push(this.close(oldestKey, oldest, 'capacity'));
      }
    } else {
      // Re-insert so the Map's order stays "least recently active first" (sweep and capacity rely on it).
      this.open.delete(key);
    }
    this.open.set(key, call);
    call.lastActivity = now;
    if (this.apply(call, event)) out.records.push(this.close(key, call, 'ended'));
    return out;
  }

  /** Close every call silent for longer than the timeout, as incomplete. */
  sweep(): GatewayCallRecord[] {
    const now = this.now();
    const records: GatewayCallRecord[] = [];
    for (const [key, call] of this.open) {
      if (now - call.lastActivity < this.openTimeoutMs) break;
      records.push(this.close(key, call, 'timeout'));
    }
    for (const [key, closedAt] of this.recentlyClosed) {
      if (now - closedAt <= this.lateGraceMs) break;
      this.recentlyClosed.delete(key);
    }
    return records;
  }

  /** Close every open call now, as incomplete (shutdown, or the user asked). */
  flush(): GatewayCallRecord[] {
    return [...this.open].map(([key, call]) => this.close(key, call, 'flush'));
  }

  private begin(gateway: string, event: GatewayEvent): OpenCall {
    return {
      gateway,
      callRef: event['Call-Ref'],
      port: '',
      pPort: '',
      beginAt: event.Time,
      lastAt: event.Time,
      talkAt: '',
      pstnStartAt: '',
      pstnEndAt: '',
      seen: new Set(),
      offHook: false,
      dialed: [],
      pstnDial: [],
      callerId: '',
      pstnCallerId: '',
      unknown: [],
      events: [],
      dropped: 0,
      lastActivity: 0,
    };
  }

  /** Apply one event; true when it ends the call. */
  private apply(call: OpenCall, e: GatewayEvent): boolean {
    if (call.events.length < this.maxEventsPerCall) call.events.push(e);
    else call.dropped++;
    call.lastAt = e.Time;
    if (call.port === '' && e['#'] !== '') call.port = e['#'];
    if (call.pPort === '' && e['P-Port'] !== '') call.pPort = e['P-Port'];
    const isPstn = e.Event.startsWith('PSTN_');
    if (e['Caller-ID'] !== '') {
      if (isPstn && call.pstnCallerId === '') call.pstnCallerId = e['Caller-ID'];
      else if (!isPstn && call.callerId === '') call.callerId = e['Caller-ID'];
    }
    if (!KNOWN_EVENTS.has(e.Event) && !call.unknown.includes(e.Event) && call.unknown.length < 32) call.unknown.push(e.Event);
    const firstTime = !call.seen.has(e.Event);
    call.seen.add(e.Event);

    switch (e.Event) {
      case 'DIAL': {
        const toPstn = call.seen.has('PSTN_HOOK_OFF') && !call.seen.has('PSTN_CALL_IN');
        const groups = toPstn ? call.pstnDial : call.dialed;
        if (groups.length < this.maxEventsPerCall) groups.push(e.Dialed);
        return false;
      }
      case 'TALK':
        if (firstTime) call.talkAt = e.Time;
        return false;
      case 'HOOK_OFF':
        call.offHook = true;
        return false;
      case 'PSTN_HOOK_OFF':
        call.offHook = true;
        call.pstnStartAt = e.Time;
        return false;
      case 'PSTN_CONNECTED':
        if (call.pstnStartAt === '') call.pstnStartAt = e.Time;
        return false;
      case 'PSTN_HOOK_ON':
        if (call.pstnEndAt === '') call.pstnEndAt = e.Time;
        return !call.offHook;
      case 'HOOK_ON':
        return true;
      case 'REJECT':
      case 'REMOTE_HOOK_ON':
        return !call.offHook;
      default:
        return false;
    }
  }

  private close(key: string, call: OpenCall, reason: CloseReason): GatewayCallRecord {
    this.open.delete(key);
    this.recentlyClosed.delete(key);
    this.recentlyClosed.set(key, this.now());
    if (this.recentlyClosed.size > this.maxOpenCalls) {
      this.recentlyClosed.delete(this.recentlyClosed.keys().next().value as string);
    }
    const end = call.lastAt;
    const talkSec = call.talkAt === '' ? null : secondsBetween(call.talkAt, end);
    const pstnSec = call.pstnStartAt === '' ? null : secondsBetween(call.pstnStartAt, call.pstnEndAt || end);
    return {
      Gateway: call.gateway,
      'Call-Ref': call.callRef,
      Port: call.port || call.pPort,
      Date: call.beginAt.slice(0, 10),
      Notation: notationOf(call.seen),
      Dialed: call.dialed.join(', '),
      Time: talkSec === null ? '' : formatDuration(talkSec),
      Begin: call.beginAt.slice(11),
      'PSTN Dial': call.pstnDial.join(', '),
      'PSTN Time': pstnSec === null ? '' : formatDuration(pstnSec),
      'Caller ID': call.callerId,
      'PSTN Caller ID': call.pstnCallerId,
      End: end.slice(11),
      'Begin At': call.beginAt,
      'Talk At': call.talkAt,
      'End At': end,
      'Talk Sec': talkSec,
      'PSTN Sec': pstnSec,
      'Duration Sec': secondsBetween(call.beginAt, end),
      Incomplete: reason !== 'ended',
      'Close Reason': reason,
      'Unknown Events': call.unknown,
      'Events Dropped': call.dropped,
      Events: call.events,
    };
  }
}

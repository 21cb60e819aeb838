/**
 * Legacy gateway traffic: event lines for every notation, on several ports and
 * gateways at once, interleaved in time as a CDR server receives them, plus
 * gateway log lines; and senders over TCP (lines) and UDP (one line per datagram).
 * Pure generators (seeded) so tests and benchmarks get the same traffic twice.
 */

import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { formatEventLine, type GatewayEvent } from '../formats/gateway/event-line';
import { napUnless } from './args';
import type { Notation } from '../formats/gateway/assembler';

export type SimSeparator = 'tab' | 'pipe' | 'comma';

export interface GatewaySimOptions {
  /** Gateway ids. Default ["8200", "8378"]. */
  gateways?: string[];
  /** Ports per gateway (1..). Default 4. */
  ports?: number;
  /** Calls in all. Default 20. */
  calls?: number;
  /** Notations to cycle through. Default: all six. */
  notations?: Notation[];
  /** Calls that never end (their last events are not sent), on top of `calls`. Default 0. */
  neverEnding?: number;
  /** Gateway wall clock of the first event, `YYYY/MM/DD HH:MM:SS`. Default 2004/01/15 00:00:00. */
  start?: string;
  /** Mean seconds between call starts. Default 7. */
  spacingSec?: number;
  separator?: SimSeparator;
  /** Put the gateway id in front of each event line. Default true. */
  prefix?: boolean;
  /** Add gateway log lines (logins first, bad packets, a re-login). Default false. */
  log?: boolean;
  /** PRNG seed. Default 1. */
  seed?: number;
}

/** A call the simulator made, as the assembler should report it. */
export interface SimCall {
  gateway: string;
  callRef: number;
  port: string;
  notation: Notation;
  ends: boolean;
}

export interface GatewayTraffic {
  lines: string[];
  /** When each of `lines` happens on the gateway's wall clock (ms, as formatWall reads it). */
  times: number[];
  calls: SimCall[];
  /** How many of `lines` are gateway log lines. */
  logLines: number;
  /** For each of `lines`, the index in `calls` of the call it belongs to; -1 for a log line. */
  callOfLine: number[];
}

export const ALL_NOTATIONS: readonly Notation[] = ['Call out', 'Call in', 'Call in reject', 'Hook On/Off', 'Call out failed', 'Other'];

/** mulberry32: small, fast, good enough for traffic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function parseStart(text: string): number {
  const m = /^(\d{4})[/-](\d{2})[/-](\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!m) throw new Error(`start "${text}" is not a time like 2004/01/15 00:00:00`);
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}

/** Wall clock kept as "UTC" ms → `YYYY/MM/DD HH:MM:SS`. */
export function formatWall(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ').replace(/-/g, '/');
}

type Step = [offsetSec: number, event: string, fields?: Partial<Pick<GatewayEvent, 'Dialed' | 'Caller-ID' | 'Info' | '#'>>];

/** The event script of one call; offsets in seconds from its start. */
function script(notation: Notation, port: string, rnd: () => number): Step[] {
  const talk = 5 + Math.floor(rnd() * 180);
  const digits = (n: number): string => Array.from({ length: n }, () => String(Math.floor(rnd() * 10))).join('');
  const dtmf = (from: number): Step[] => Array.from({ length: Math.floor(rnd() * 4) }, (_, i) => [from + i + 1, 'DIAL', { Dialed: String(Math.floor(rnd() * 10)) }]);
  const codec: Step[2] = { Info: 'C(18) M(17)' };
  const fromPstn = rnd() < 0.5;
  switch (notation) {
    case 'Call out':
      if (fromPstn) {
        // A PSTN caller on an FXO port dials a VoIP destination through the gateway (event view call 2).
        return [
          [0, 'PSTN_CALL_IN', { '#': port, 'Caller-ID': digits(3) }], [1, 'PSTN_HOOK_OFF'], [1, 'PSTN_CONNECTED'],
          [2, 'DIAL', { Dialed: '2252' }], [4, 'RING_BACK'], [6, 'TALK', codec], ...dtmf(6),
          [6 + talk, 'REMOTE_HOOK_ON'], [6 + talk, 'PSTN_HOOK_ON'], [6 + talk, 'HOOK_ON'],
        ];
      }
      // A phone dials out (event view call 1).
      return [[0, 'HOOK_OFF', { '#': port }], [2, 'DIAL', { Dialed: '2252' }], [2, 'RING_BACK'], [3, 'TALK', codec], ...dtmf(3), [3 + talk, 'HOOK_ON']];
    case 'Call in':
      return [
        [0, 'CALL_IN', { '#': port, 'Caller-ID': `${digits(4)}701` }], [0, 'RING'], [4, 'HOOK_OFF'], [4, 'TALK', codec],
        [4 + talk, 'REMOTE_HOOK_ON'], [4 + talk, 'HOOK_ON'],
      ];
    case 'Call in reject':
      return [[0, 'CALL_IN', { 'Caller-ID': `${digits(3)}101` }], [0, 'REJECT']];
    case 'Hook On/Off':
      return [[0, 'HOOK_OFF', { '#': port }], [1 + Math.floor(rnd() * 5), 'HOOK_ON']];
    case 'Call out failed':
      return fromPstn
        ? [[0, 'HOOK_OFF', { '#': port }], [2, 'DIAL', { Dialed: '2252' }], [3, 'BUSY'], [5, 'HOOK_ON']]
        : [[0, 'HOOK_OFF', { '#': port }], [2, 'DIAL', { Dialed: '2252' }], [2, 'RING_BACK'], [32, 'HOOK_ON']];
    case 'Other':
      // Events of a call whose start was never sent (we joined mid-call).
      return [[0, 'TALK', { ...codec, '#': port }], [talk, 'HOOK_ON']];
  }
}

interface Timed {
  at: number;
  order: number;
  line: string;
  /** Index of the call in `made`; -1 for a log line. */
  call: number;
}

/** Generate interleaved gateway traffic. Same options, same lines. */
export function generateGatewayTraffic(options: GatewaySimOptions = {}): GatewayTraffic {
  const gateways = options.gateways ?? ['8200', '8378'];
  const ports = Math.max(1, options.ports ?? 4);
  const calls = Math.max(0, options.calls ?? 20);
  const notations = options.notations ?? ALL_NOTATIONS;
  const neverEnding = Math.max(0, options.neverEnding ?? 0);
  const spacing = options.spacingSec ?? 7;
  const separator = options.separator ?? 'tab';
  const prefix = options.prefix ?? true;
  const rnd = prng(options.seed ?? 1);
  const t0 = parseStart(options.start ?? '2004/01/15 00:00:00');
  if (gateways.length === 0) throw new Error('at least one gateway is needed');

  const timed: Timed[] = [];
  let order = 0;
  const push = (at: number, line: string, call = -1): void => {
    timed.push({ at, order: order++, line, call });
  };
  const nextRef = new Map(gateways.map((g) => [g, 1 + Math.floor(rnd() * 100)]));
  // A port carries one call at a time: the next call on it starts after the last ended.
  const portFree = new Map<string, number>();
  const made: SimCall[] = [];
  let logLines = 0;

  if (options.log) {
    gateways.forEach((g, i) => {
      const mac = `000C2A02${(0x82 + i * 7).toString(16).toUpperCase().padStart(4, '0')}`;
      push(t0 - 1000, `${formatWall(t0 - 1000)}\tGateway[${g}] MAC[${mac}] From [10.10.1.${10 + i}:${2048 + i}] FXS(${Math.ceil(ports / 2)}) FXO(${Math.floor(ports / 2)}) ISDN(0) CallRef(${nextRef.get(g)}) Time[2000/01/01 08:00:06] Login!`);
      logLines++;
    });
  }

  let start = t0;
  for (let n = 0; n < calls + neverEnding; n++) {
    start += Math.round((0.5 + rnd()) * spacing * 1000);
    const notation = notations[n % notations.length]!;
    const gateway = gateways[Math.floor(rnd() * gateways.length)]!;
    const callRef = nextRef.get(gateway)!;
    nextRef.set(gateway, callRef + 1);
    const portNo = String(1 + Math.floor(rnd() * ports));
    const key = `${gateway}/${portNo}`;
    const begin = Math.max(start, (portFree.get(key) ?? 0) + 1000);
    let steps = script(notation, portNo, rnd);
    const ends = n < calls;
    if (!ends) steps = steps.slice(0, Math.max(1, steps.length - 3));
    const port = notation === 'Call in reject' ? '' : portNo;
    for (const [offset, event, fields = {}] of steps) {
      const at = begin + offset * 1000;
      const line = formatEventLine(
        {
          Gateway: prefix ? gateway : null,
          Time: formatWall(at),
          'Call-Ref': callRef,
          '#': fields['#'] ?? '',
          Event: event,
          Dialed: fields.Dialed ?? '',
          'Caller-ID': fields['Caller-ID'] ?? '',
          Info: fields.Info ?? '',
          'P-Port': '',
        },
        separator,
      );
      push(at, line, made.length);
    }
    portFree.set(key, begin + steps[steps.length - 1]![0] * 1000);
    made.push({ gateway, callRef, port, notation, ends });
    if (options.log && n % 10 === 5) {
      push(start, `${formatWall(start)}\tGateway[???] from [24.232.59.13:${50000 + n}] Bad Packet`);
      logLines++;
    }
  }
  timed.sort((a, b) => a.at - b.at || a.order - b.order);
  return { lines: timed.map((t) => t.line), times: timed.map((t) => t.at), calls: made, logLines, callOfLine: timed.map((t) => t.call) };
}

export interface SendOptions {
  host: string;
  port: number;
  /** Lines per second; 0 or absent: as fast as the socket takes them. */
  rate?: number;
  /** Real time instead: line i is sent at epoch ms `sendAt[i]`, not before (live traffic). */
  sendAt?: readonly number[];
  /** Stops sending (Ctrl-C in the CLI). */
  signal?: AbortSignal;
  /** Counts as the sender goes: `sent` lines handed to the network, `blocked` while the receiver does not read. */
  progress?: { sent: number; blocked: boolean };
  /** How long a TCP connect may take (default 10 s). */
  connectTimeoutMs?: number;
}

/** Resolves on `event` of `emitter`, or when `signal` aborts. */
function onceUnless(emitter: net.Socket, event: string, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      emitter.off(event, done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    emitter.once(event, done);
    signal?.addEventListener('abort', done, { once: true });
  });
}

function pace(options: SendOptions, sent: number, began: number): Promise<void> {
  const { rate, sendAt } = options;
  if (!sendAt && (!rate || rate <= 0)) return Promise.resolve();
  const due = sendAt ? sendAt[sent]! : began + (sent * 1000) / rate!;
  const wait = due - Date.now();
  const { signal } = options;
  if (wait <= 0 || signal?.aborted) return Promise.resolve();
  // Live traffic waits seconds between lines: a stop ends the wait.
  return napUnless(wait, signal);
}

/**
 * Send lines over one TCP connection (CRLF-free `\n` endings), then close it.
 * Resolves with the number of lines handed to the network: all of them, or
 * fewer when `signal` stopped it. A connection that cannot be made rejects.
 */
export async function sendGatewayTcp(lines: readonly string[], options: SendOptions): Promise<number> {
  const { signal } = options;
  const progress = options.progress ?? { sent: 0, blocked: false };
  const socket = net.connect({ host: options.host, port: options.port });
  const timeoutMs = options.connectTimeoutMs ?? 10_000;
  socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no TCP connection within ${timeoutMs / 1000} s`)));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.setTimeout(0);
  socket.on('error', () => undefined); // a reset shows as lines not sent
  const began = Date.now();
  try {
    for (let i = 0; i < lines.length && !signal?.aborted && !socket.destroyed; i++) {
      await pace(options, i, began);
      if (signal?.aborted) break;
      const ok = socket.write(`${lines[i]}\n`, (err) => {
        if (!err) progress.sent++;
      });
      if (!ok) {
        progress.blocked = true;
        await onceUnless(socket, 'drain', signal);
        progress.blocked = false;
      }
    }
    // What is written goes out before the close, unless the user stops the wait.
    if (!signal?.aborted && !socket.destroyed) {
      progress.blocked = socket.writableLength > 0;
      const finished = onceUnless(socket, 'finish', signal);
      socket.end();
      await finished;
      progress.blocked = false;
    }
  } finally {
    socket.destroy();
  }
  return progress.sent;
}

/** Send each line as one UDP datagram. Resolves with the number sent (fewer when `signal` stopped it). */
export async function sendGatewayUdp(lines: readonly string[], options: SendOptions): Promise<number> {
  const family = net.isIPv6(options.host) ? 'udp6' : 'udp4';
  const socket = dgram.createSocket(family);
  const progress = options.progress ?? { sent: 0, blocked: false };
  const began = Date.now();
  try {
    for (let i = 0; i < lines.length && !options.signal?.aborted; i++) {
      await pace(options, i, began);
      if (options.signal?.aborted) break;
      await new Promise<void>((resolve, reject) => socket.send(lines[i]!, options.port, options.host, (err) => (err ? reject(err) : resolve())));
      progress.sent++;
    }
  } finally {
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
  return progress.sent;
}

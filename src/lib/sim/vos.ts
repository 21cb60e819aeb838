/**
 * VOS3000 traffic simulator: call records as pipe lines, the forwarder's bounded
 * resend queue, senders over TCP and UDP, and hourly `YYYYMMDDHH.txt` files.
 * Used by tests, the bench, the demo and `cdr-sim vos`.
 */
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { zoneOffsetMs } from '../cdr/time';
import { VOS_DEFAULT_FIELDS } from '../formats/vos';

/** One simulated call, with the raw values a softswitch writes. */
export interface VosSimCall {
  callerE164: string;
  calleeE164: string;
  startMs: number;
  stopMs: number;
  holdTime: number;
  endReason: string;
  endDirection: number;
  callerGatewayId: string;
  calleeGatewayId: string;
  callerIp: string;
  calleeIp: string;
  callerAccessE164: string;
  calleeAccessE164: string;
  callerToGatewayE164: string;
  calleeToGatewayE164: string;
  calleeBilling: number;
  billingMode: number;
  callerPddMs: number;
  calleePddMs: number;
}

/** A small fast PRNG so runs are repeatable from a seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface GenerateOptions {
  /** Start time of the first call, epoch ms. */
  startMs: number;
  /** Calls per second (start times are spaced 1000/cps ms). */
  cps: number;
  seed?: number;
}

const REASONS_UNANSWERED = ['486 Busy Here', 'NoAnswer', '487 Request Terminated', '503 Service Unavailable', '404 Not Found'];

/** An endless, repeatable stream of calls. `next()` gives the next one. */
export function callGenerator(options: GenerateOptions): { next(): VosSimCall } {
  const rnd = prng(options.seed ?? 1);
  const step = 1000 / options.cps;
  let i = 0;
  const digits = (n: number): string => {
    let s = '';
    for (let k = 0; k < n; k++) s += Math.floor(rnd() * 10);
    return s;
  };
  return {
    next(): VosSimCall {
      const startMs = Math.round(options.startMs + i * step);
      i++;
      const answered = rnd() < 0.6;
      const holdTime = answered ? 1 + Math.floor(rnd() * 300) : 0;
      const callerPddMs = 500 + Math.floor(rnd() * 4000);
      const ringMs = answered ? 2000 + Math.floor(rnd() * 15000) : Math.floor(rnd() * 30000);
      const stopMs = startMs + callerPddMs + ringMs + holdTime * 1000;
      const caller = `86138${digits(8)}`;
      const callee = `86139${digits(8)}`;
      const gwIn = `GW-IN-${1 + Math.floor(rnd() * 4)}`;
      const gwOut = `GW-OUT-${1 + Math.floor(rnd() * 6)}`;
      return {
        callerE164: caller,
        calleeE164: callee,
        startMs,
        stopMs,
        holdTime,
        endReason: answered ? '0' : REASONS_UNANSWERED[Math.floor(rnd() * REASONS_UNANSWERED.length)]!,
        endDirection: Math.floor(rnd() * 3),
        callerGatewayId: gwIn,
        calleeGatewayId: gwOut,
        callerIp: `10.0.${Math.floor(rnd() * 4)}.${1 + Math.floor(rnd() * 250)}`,
        calleeIp: `10.1.${Math.floor(rnd() * 6)}.${1 + Math.floor(rnd() * 250)}`,
        callerAccessE164: `0${caller.slice(2)}`,
        calleeAccessE164: `0${callee.slice(2)}`,
        callerToGatewayE164: caller,
        calleeToGatewayE164: callee.slice(2),
        calleeBilling: 0,
        billingMode: answered ? 1 : -1,
        callerPddMs,
        calleePddMs: Math.max(100, callerPddMs - 200 - Math.floor(rnd() * 300)),
      };
    },
  };
}

/** `count` calls from {@link callGenerator}. */
export function generateCalls(count: number, options: GenerateOptions): VosSimCall[] {
  const g = callGenerator(options);
  return Array.from({ length: count }, () => g.next());
}

export type SimTimeFormat = 'ms' | 's' | 'wall';

export interface LineOptions {
  timeFormat?: SimTimeFormat;
  /** Zone of wall-clock times. Default UTC. */
  timeZone?: string;
  /** Unit of PDD values. Default ms. */
  pddUnit?: 'ms' | 's';
  /** Field order; names not in {@link VosSimCall} are written empty. Default the 19 brief fields. */
  fields?: readonly string[];
}

/** One call → one pipe line (no line end). */
export function formatLine(call: VosSimCall, options: LineOptions = {}): string {
  const time = (ms: number): string => formatTime(ms, options.timeFormat ?? 'ms', options.timeZone ?? 'UTC');
  const pdd = (ms: number): string => (options.pddUnit === 's' ? String(ms / 1000) : String(ms));
  const values: Record<string, string> = {
    callerE164: call.callerE164,
    calleeE164: call.calleeE164,
    startTime: time(call.startMs),
    stopTime: time(call.stopMs),
    holdTime: String(call.holdTime),
    endReason: call.endReason,
    endDirection: String(call.endDirection),
    callerGatewayId: call.callerGatewayId,
    calleeGatewayId: call.calleeGatewayId,
    callerIp: call.callerIp,
    calleeIp: call.calleeIp,
    callerAccessE164: call.callerAccessE164,
    calleeAccessE164: call.calleeAccessE164,
    callerToGatewayE164: call.callerToGatewayE164,
    calleeToGatewayE164: call.calleeToGatewayE164,
    calleeBilling: String(call.calleeBilling),
    billingMode: String(call.billingMode),
    callerPdd: pdd(call.callerPddMs),
    calleePdd: pdd(call.calleePddMs),
  };
  return (options.fields ?? VOS_DEFAULT_FIELDS).map((f) => values[f] ?? '').join('|');
}

/** Epoch ms → the text a softswitch would write. */
export function formatTime(ms: number, format: SimTimeFormat, timeZone = 'UTC'): string {
  if (format === 'ms') return String(ms);
  if (format === 's') return String(Math.floor(ms / 1000));
  const d = new Date(ms + zoneOffsetMs(ms, timeZone));
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

/**
 * The forwarder's resend queue while the receiver is down
 * (`EXTERNAL_MAX_CDR_PENDING_SIZE`, 1,000–100,000, default 10,000): when full,
 * the oldest record is dropped.
 */
export class ResendQueue {
  private items: string[] = [];
  private head = 0;
  dropped = 0;

  constructor(readonly capacity = 10_000) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be an integer ≥ 1');
  }

  get size(): number {
    return this.items.length - this.head;
  }

  offer(line: string): void {
    if (this.size >= this.capacity) {
      this.head++;
      this.dropped++;
    }
    this.items.push(line);
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  /**
   * Take everything queued in the order several sending threads would resend
   * it: the queue is cut into `threads` runs, each run in order, interleaved at
   * random — so the whole is out of order.
   */
  drainOutOfOrder(threads = 4, random: () => number = Math.random): string[] {
    const all = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    const t = Math.max(1, Math.min(threads, all.length));
    const runs: string[][] = [];
    const per = Math.ceil(all.length / t);
    for (let i = 0; i < all.length; i += per) runs.push(all.slice(i, i + per));
    const pos = runs.map(() => 0);
    const out: string[] = [];
    let live = runs.length;
    while (live > 0) {
      const r = Math.floor(random() * runs.length);
      const run = runs[r]!;
      if (pos[r]! >= run.length) continue;
      out.push(run[pos[r]!]!);
      pos[r]!++;
      if (pos[r] === run.length) live--;
    }
    return out;
  }
}

export interface SendOptions {
  host: string;
  port: number;
  /** Lines per second; 0 or absent = as fast as possible. */
  rate?: number;
  /** Line end for TCP. Default LF. */
  eol?: '\n' | '\r\n';
}

/** Send lines over one TCP connection, then close it. Resolves with the count written. */
export function sendTcp(lines: Iterable<string>, options: SendOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const eol = options.eol ?? '\n';
    const socket = net.connect({ host: options.host, port: options.port });
    let sent = 0;
    socket.once('error', reject);
    socket.once('connect', () => {
      const it = lines[Symbol.iterator]();
      const finish = (): void => {
        socket.end(() => resolve(sent));
      };
      if (!options.rate) {
        // Write while the kernel takes it; wait for 'drain' otherwise.
        const pump = (): void => {
          for (;;) {
            const n = it.next();
            if (n.done) return finish();
            sent++;
            if (!socket.write(n.value + eol)) {
              socket.once('drain', pump);
              return;
            }
          }
        };
        pump();
        return;
      }
      paced(options.rate, (k) => {
        let chunk = '';
        for (let j = 0; j < k; j++) {
          const n = it.next();
          if (n.done) {
            if (chunk) socket.write(chunk);
            finish();
            return false;
          }
          chunk += n.value + eol;
          sent++;
        }
        socket.write(chunk);
        return true;
      });
    });
  });
}

/** Send one datagram per line. Resolves with the count handed to the kernel. */
export function sendUdp(lines: Iterable<string>, options: SendOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(net.isIPv6(options.host) ? 'udp6' : 'udp4');
    let sent = 0;
    let pending = 0;
    let done = false;
    socket.once('error', reject);
    const it = lines[Symbol.iterator]();
    const close = (): void => {
      done = true;
      if (pending === 0) socket.close(() => resolve(sent));
    };
    const one = (line: string): void => {
      pending++;
      socket.send(line, options.port, options.host, (err) => {
        pending--;
        if (!err) sent++;
        if (done && pending === 0) socket.close(() => resolve(sent));
      });
    };
    paced(options.rate || 1_000_000, (k) => {
      for (let j = 0; j < k; j++) {
        const n = it.next();
        if (n.done) {
          close();
          return false;
        }
        one(n.value);
      }
      return true;
    });
  });
}

/** Call `step(k)` with how many items are due every few ms to hold `rate`/s; stop when it returns false. */
function paced(rate: number, step: (k: number) => boolean): void {
  const t0 = Date.now();
  let done = 0;
  const tick = (): void => {
    const due = Math.floor(((Date.now() - t0) / 1000) * rate) - done;
    const k = Math.max(due, done === 0 ? 1 : 0);
    done += k;
    if (k > 0 && !step(k)) return;
    setTimeout(tick, 5);
  };
  tick();
}

/** Hourly file name VOS writes a call into (by its stop time, in `timeZone`). */
export function hourlyFileName(stopMs: number, timeZone = 'UTC'): string {
  const d = new Date(stopMs + zoneOffsetMs(stopMs, timeZone));
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}.txt`;
}

/** Append calls to `dir/YYYYMMDDHH.txt` as VOS does (one line each, CRLF or LF). Returns the files touched. */
export function appendHourly(dir: string, calls: VosSimCall[], options: LineOptions & { eol?: '\n' | '\r\n' } = {}): string[] {
  const byFile = new Map<string, string>();
  for (const c of calls) {
    const f = hourlyFileName(c.stopMs, options.timeZone ?? 'UTC');
    byFile.set(f, (byFile.get(f) ?? '') + formatLine(c, options) + (options.eol ?? '\n'));
  }
  for (const [f, text] of byFile) fs.appendFileSync(path.join(dir, f), text);
  return [...byFile.keys()];
}

export interface ForwarderOptions {
  host: string;
  port: number;
  /** Resend queue size (`EXTERNAL_MAX_CDR_PENDING_SIZE`). Default 10,000. */
  queueSize?: number;
  /** Sending threads on resend (how out of order resends are). Default 4. */
  threads?: number;
  /** Wait between connection attempts, ms. Default 1000. */
  retryMs?: number;
  eol?: '\n' | '\r\n';
}

/**
 * A TCP forwarder that behaves like VOS: lines go out at once while connected;
 * while the receiver is down they wait in a bounded queue (oldest dropped when
 * full) and are resent out of order when it comes back.
 */
export class TcpForwarder {
  readonly queue: ResendQueue;
  sent = 0;
  connects = 0;
  /** Why the last connection failed or broke ('' until one did). */
  lastError = '';
  private socket: net.Socket | null = null;
  private connected = false;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private settle: ((connected: boolean) => void) | null = null;
  /** Resolves after the first connection attempt: true when it connected. */
  readonly firstAttempt: Promise<boolean>;

  constructor(private readonly options: ForwarderOptions) {
    this.queue = new ResendQueue(options.queueSize ?? 10_000);
    this.firstAttempt = new Promise((resolve) => (this.settle = resolve));
    this.connect();
  }

  get isConnected(): boolean {
    return this.connected;
  }

  send(line: string): void {
    if (this.connected && this.socket) {
      this.socket.write(line + (this.options.eol ?? '\n'));
      this.sent++;
    } else {
      this.queue.offer(line);
    }
  }

  /** Close the connection after what was written; stop reconnecting. */
  stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const s = this.socket;
    if (!s || s.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      // A receiver that stopped reading would hold the end forever.
      const force = setTimeout(() => s.destroy(), 2000);
      s.once('close', () => {
        clearTimeout(force);
        resolve();
      });
      s.end();
    });
  }

  private connect(): void {
    if (this.stopped) return;
    const s = net.connect({ host: this.options.host, port: this.options.port });
    this.socket = s;
    s.on('connect', () => {
      this.connected = true;
      this.connects++;
      this.settle?.(true);
      this.settle = null;
      const eol = this.options.eol ?? '\n';
      const backlog = this.queue.drainOutOfOrder(this.options.threads ?? 4);
      for (let i = 0; i < backlog.length; i += 1000) {
        s.write(backlog.slice(i, i + 1000).join(eol) + eol);
      }
      this.sent += backlog.length;
    });
    s.on('error', (err) => {
      this.lastError = err.message; // 'close' follows: reconnect there
    });
    s.on('close', () => {
      this.connected = false;
      this.settle?.(false);
      this.settle = null;
      if (!this.stopped) this.timer = setTimeout(() => this.connect(), this.options.retryMs ?? 1000);
    });
  }
}

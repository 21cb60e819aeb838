/**
 * `cdr-sim vos`: VOS3000 CDR forwarding over TCP or UDP at a given rate, an
 * outage backlog resent out of order, or hourly files in a directory.
 */
import * as fs from 'node:fs';
import { DEFAULT_GIVE_UP_SEC, stallGuard, TIMEOUT_USAGE, UsageError } from './args';
import { appendHourly, callGenerator, formatLine, ResendQueue, sendUdp, TcpForwarder, type SimTimeFormat, type VosSimCall } from './vos';

export const VOS_USAGE = `cdr-sim vos [options]
  Forwards VOS3000 CDR lines like a softswitch's real-time CDR forwarding.

  --transport tcp|udp   how records are forwarded (default tcp)
  --to HOST:PORT        the receiver (default 127.0.0.1:9000; or --host H --port P)
  --rate N              calls per second (default 10)
  --count N             stop after N live calls (default: run until Ctrl-C)
  --outage SEC          start with a receiver outage of SEC seconds: its calls
                        (SEC × rate) wait in the resend queue and are resent out
                        of order, then live traffic follows
  --queue-size N        resend queue (EXTERNAL_MAX_CDR_PENDING_SIZE), oldest
                        dropped when full (default 10000, VOS allows 1000–100000)
  --threads N           sending threads on resend (default 4)
  --time-format ms|s|wall   how times are written (default ms)
  --tz ZONE             zone of wall-clock times and file hours (default UTC)
  --crlf                end lines with CRLF
  --files DIR           write hourly YYYYMMDDHH.txt files in DIR instead of sending
  --seed N              repeatable traffic
${TIMEOUT_USAGE}
`;

interface CliOptions {
  transport: 'tcp' | 'udp';
  host: string;
  port: number;
  rate: number;
  count: number;
  outage: number;
  queueSize: number;
  threads: number;
  timeFormat: SimTimeFormat;
  tz: string;
  crlf: boolean;
  files: string | null;
  seed: number;
  timeoutSec: number;
}

export function parseVosCliArgs(argv: string[]): CliOptions | null {
  const o: CliOptions = {
    transport: 'tcp',
    host: '127.0.0.1',
    port: 9000,
    rate: 10,
    count: Infinity,
    outage: 0,
    queueSize: 10_000,
    threads: 4,
    timeFormat: 'ms',
    tz: 'UTC',
    crlf: false,
    files: null,
    seed: Date.now() % 1_000_000,
    timeoutSec: DEFAULT_GIVE_UP_SEC,
  };
  const num = (name: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n < min) throw new UsageError(`${name} needs a number ≥ ${min}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = argv[i + 1];
    switch (a) {
      case '-h':
      case '--help':
        return null;
      case '--transport':
        if (v !== 'tcp' && v !== 'udp') throw new UsageError('--transport is tcp or udp');
        o.transport = v;
        i++;
        break;
      case '--to': {
        const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(v ?? '');
        if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw new UsageError(`--to needs host:port (got "${v ?? ''}")`);
        o.host = m[1]!;
        o.port = Number(m[2]);
        i++;
        break;
      }
      case '--host':
        if (!v) throw new UsageError('--host needs a value');
        o.host = v;
        i++;
        break;
      case '--port':
        o.port = num(a, v, 1);
        i++;
        break;
      case '--rate':
        o.rate = num(a, v, 0.001);
        i++;
        break;
      case '--count':
        o.count = num(a, v, 0);
        i++;
        break;
      case '--outage':
        o.outage = num(a, v, 0);
        i++;
        break;
      case '--queue-size':
        o.queueSize = num(a, v, 1);
        i++;
        break;
      case '--threads':
        o.threads = num(a, v, 1);
        i++;
        break;
      case '--time-format':
        if (v !== 'ms' && v !== 's' && v !== 'wall') throw new UsageError('--time-format is ms, s or wall');
        o.timeFormat = v;
        i++;
        break;
      case '--tz':
        if (!v) throw new UsageError('--tz needs a zone');
        o.tz = v;
        i++;
        break;
      case '--crlf':
        o.crlf = true;
        break;
      case '--files':
        if (!v) throw new UsageError('--files needs a directory');
        o.files = v;
        i++;
        break;
      case '--seed':
        o.seed = num(a, v, 0);
        i++;
        break;
      case '--timeout':
        o.timeoutSec = num(a, v, 0);
        i++;
        break;
      default:
        throw new UsageError(`unknown option ${a}`);
    }
  }
  return o;
}

/** `cdr-sim vos …`; resolves when done, or when `signal` aborts (Ctrl-C without a signal). */
export async function runVosCli(argv: string[], signal?: AbortSignal, log: (s: string) => void = (s) => process.stderr.write(`${s}\n`)): Promise<void> {
  const o = parseVosCliArgs(argv);
  if (!o) {
    process.stdout.write(`${VOS_USAGE}\n`);
    return;
  }
  const lineOpts = { timeFormat: o.timeFormat, timeZone: o.tz };
  const eol = o.crlf ? '\r\n' : '\n';
  const now = Date.now();
  const gen = callGenerator({ startMs: now - o.outage * 1000, cps: o.rate, seed: o.seed });
  // A live call ends now: VOS forwards a CDR when the call ends.
  const live = (): VosSimCall => {
    const c = gen.next();
    const len = c.stopMs - c.startMs;
    return { ...c, stopMs: Date.now(), startMs: Date.now() - len };
  };

  // The outage: its calls pile up in the bounded queue, oldest dropped when full.
  const queue = new ResendQueue(o.queueSize);
  const outageCalls: VosSimCall[] = [];
  for (let i = 0; i < Math.round(o.outage * o.rate); i++) {
    const c = gen.next();
    if (o.files) outageCalls.push(c);
    else queue.offer(formatLine(c, lineOpts));
  }
  if (o.outage > 0 && !o.files) {
    log(`outage: ${queue.size + queue.dropped} calls, ${queue.dropped} dropped by the full queue, ${queue.size} to resend`);
  }

  let stopping = signal?.aborted ?? false;
  const stop = (): void => {
    stopping = true;
  };
  if (signal) signal.addEventListener('abort', stop, { once: true });
  else process.once('SIGINT', stop);
  const t0 = Date.now();
  let n = 0;
  // Calls due by now at the rate (at least the next one); then a short sleep.
  const due = (): number => Math.min(o.count, Math.floor(((Date.now() - t0) / 1000) * o.rate) + 1);
  const nap = (): Promise<void> => new Promise((r) => setTimeout(r, Math.max(1, Math.min(100, 1000 / o.rate))));

  if (o.files) {
    fs.mkdirSync(o.files, { recursive: true });
    if (outageCalls.length) appendHourly(o.files, outageCalls, { ...lineOpts, eol });
    while (!stopping && n < o.count) {
      const batch: VosSimCall[] = [];
      for (const end = due(); n < end; n++) batch.push(live());
      if (batch.length) appendHourly(o.files, batch, { ...lineOpts, eol });
      if (n < o.count) await nap();
    }
    log(`wrote ${n + outageCalls.length} calls to ${o.files}`);
    return;
  }

  if (o.transport === 'udp') {
    const backlog = queue.drainOutOfOrder(o.threads);
    const sentBacklog = await sendUdp(backlog, { host: o.host, port: o.port });
    let sent = 0;
    const lines = function* (): Generator<string> {
      while (!stopping && n < o.count) {
        n++;
        yield formatLine(live(), lineOpts);
      }
    };
    sent = await sendUdp(lines(), { host: o.host, port: o.port, rate: o.rate });
    log(`udp: ${sentBacklog} resent, ${sent} live datagrams sent`);
    return;
  }

  const fwd = new TcpForwarder({ host: o.host, port: o.port, queueSize: o.queueSize, threads: o.threads, eol });
  const guard = stallGuard({
    timeoutMs: o.timeoutSec * 1000,
    progress: () => fwd.sent,
    waiting: () => fwd.queue.size > 0,
    why: () => `${o.host}:${o.port} over tcp is not reachable: ${fwd.lastError || 'no connection'}`,
    signal,
  });
  // The outage backlog is already queued: it goes out out of order on connect.
  for (const line of queue.drainOutOfOrder(1)) fwd.queue.offer(line);
  if (!(await fwd.firstAttempt)) log(`tcp: ${o.host}:${o.port} is not reachable; queueing (at most ${o.queueSize}) and retrying every second`);
  try {
    while (!stopping && !guard.signal.aborted && n < o.count) {
      for (const end = due(); n < end; n++) fwd.send(formatLine(live(), lineOpts));
      if (n < o.count) await nap();
    }
  } finally {
    guard.dispose();
    await fwd.stop();
  }
  log(`tcp: ${fwd.sent} sent, ${fwd.queue.size} still queued, ${fwd.queue.dropped + queue.dropped} dropped, ${fwd.connects} connection(s)`);
  guard.check();
}

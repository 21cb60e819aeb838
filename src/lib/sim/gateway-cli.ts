/**
 * `cdr-sim gateway …`: legacy gateway event and log lines to a gw-cdr-in node
 * (or to stdout with --print).
 */

import { DEFAULT_GIVE_UP_SEC, GiveUp, parseHostPort, stallGuard, TIMEOUT_USAGE, UsageError } from './args';
import { formatWall, generateGatewayTraffic, sendGatewayTcp, sendGatewayUdp, type GatewayTraffic, type SimSeparator } from './gateway';

export const GATEWAY_CLI_USAGE = `cdr-sim gateway [--to HOST:PORT] [options]   legacy VoIP gateway event and log lines
  --to <host:port>      where gw-cdr-in listens (default 127.0.0.1:9040)
  --host <addr>, --port <n>   the same, apart
  --transport tcp|udp   one TCP connection, or one datagram per line (default tcp)
  --calls <n>           calls to make, every notation in turn (default 20)
  --never-ending <n>    extra calls whose end is never sent (default 0)
  --gateways <ids>      comma-separated gateway ids (default 8200,8378)
  --ports <n>           ports per gateway (default 4)
  --separator tab|pipe|comma   field separator (default tab)
  --no-prefix           leave the gateway id off the event lines
  --log                 add gateway log lines (login, bad packets)
  --replay              the dated calls of 2004/01/15 (the manual's report), sent at once
                        (default: live calls from now on, each line sent when its time comes)
  --rate <n>            with --replay: lines per second (default: as fast as possible)
  --seed <n>            same seed, same traffic (default 1)
  --print               write the lines to stdout instead of sending them
${TIMEOUT_USAGE}`;

interface CliOptions {
  host: string;
  port: number;
  transport: 'tcp' | 'udp';
  calls: number;
  neverEnding: number;
  gateways: string[];
  ports: number;
  separator: SimSeparator;
  prefix: boolean;
  log: boolean;
  rate: number;
  live: boolean;
  seed: number;
  print: boolean;
  timeoutSec: number;
}

function integer(name: string, value: string | undefined, min: number): number {
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n) || n < min) throw new UsageError(`${name} needs a whole number ≥ ${min}, got "${value ?? ''}"`);
  return n;
}

export function parseGatewayCliArgs(argv: readonly string[]): CliOptions {
  const o: CliOptions = {
    host: '127.0.0.1', port: 9040, transport: 'tcp', calls: 20, neverEnding: 0, gateways: ['8200', '8378'],
    ports: 4, separator: 'tab', prefix: true, log: false, rate: 0, live: true, seed: 1, print: false, timeoutSec: DEFAULT_GIVE_UP_SEC,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string | undefined => argv[++i];
    switch (arg) {
      case '--to': Object.assign(o, parseHostPort(value())); break;
      case '--host': o.host = value() ?? ''; if (o.host === '') throw new UsageError('--host needs an address'); break;
      case '--port': o.port = integer('--port', value(), 1); if (o.port > 65535) throw new UsageError('--port must be ≤ 65535'); break;
      case '--transport': {
        const t = value();
        if (t !== 'tcp' && t !== 'udp') throw new UsageError(`--transport is tcp or udp, got "${t ?? ''}"`);
        o.transport = t;
        break;
      }
      case '--calls': o.calls = integer('--calls', value(), 0); break;
      case '--never-ending': o.neverEnding = integer('--never-ending', value(), 0); break;
      case '--gateways': o.gateways = (value() ?? '').split(',').map((s) => s.trim()).filter(Boolean); if (o.gateways.length === 0) throw new UsageError('--gateways needs ids'); break;
      case '--ports': o.ports = integer('--ports', value(), 1); break;
      case '--separator': {
        const s = value();
        if (s !== 'tab' && s !== 'pipe' && s !== 'comma') throw new UsageError(`--separator is tab, pipe or comma, got "${s ?? ''}"`);
        o.separator = s;
        break;
      }
      case '--no-prefix': o.prefix = false; break;
      case '--log': o.log = true; break;
      case '--rate': o.rate = integer('--rate', value(), 0); break;
      case '--live': o.live = true; break; // the default; kept for the scripts that say it
      case '--replay': o.live = false; break;
      case '--timeout': o.timeoutSec = integer('--timeout', value(), 0); break;
      case '--seed': o.seed = integer('--seed', value(), 0); break;
      case '--print': o.print = true; break;
      case '--help': case '-h': throw new UsageError(GATEWAY_CLI_USAGE);
      default: throw new UsageError(`unknown option "${arg}"\n${GATEWAY_CLI_USAGE}`);
    }
  }
  return o;
}

export async function runGatewayCli(argv: string[], signal?: AbortSignal): Promise<void> {
  const o = parseGatewayCliArgs(argv);
  const traffic = generateGatewayTraffic({
    gateways: o.gateways, ports: o.ports, calls: o.calls, neverEnding: o.neverEnding,
    separator: o.separator, prefix: o.prefix, log: o.log, seed: o.seed,
    // Live: the gateway's wall clock is this one's in UTC, so each line's time is when it is sent.
    ...(o.live ? { start: formatWall(Date.now()) } : {}),
  });
  if (o.print) {
    process.stdout.write(traffic.lines.map((l) => `${l}\n`).join(''));
    return;
  }
  const progress = { sent: 0, blocked: false };
  const to = `${o.host}:${o.port}`;
  const guard = stallGuard({
    timeoutMs: o.timeoutSec * 1000,
    progress: () => progress.sent,
    waiting: () => progress.blocked,
    why: () => `${to} over ${o.transport} takes the connection but does not read the lines`,
    signal,
  });
  const target = { host: o.host, port: o.port, rate: o.rate, progress, signal: guard.signal, ...(o.live ? { sendAt: traffic.times } : {}) };
  try {
    if (o.transport === 'udp') await sendGatewayUdp(traffic.lines, target);
    else await sendGatewayTcp(traffic.lines, target);
  } catch (err) {
    throw new GiveUp(`cannot send to ${to} over ${o.transport}: ${(err as Error).message} (is gw-cdr-in listening there, set to ${o.transport.toUpperCase()}?)`);
  } finally {
    guard.dispose();
  }
  process.stderr.write(`cdr-sim gateway: ${sentSummary(traffic, progress.sent)} over ${o.transport} to ${to}${progress.sent < traffic.lines.length ? ' (stopped early)' : ''}\n`);
  guard.check();
}

/** What really went out of `traffic` when its first `sentLines` lines were sent: lines, calls all of whose lines went out (ended or left open), log lines. */
export function sentSummary(traffic: GatewayTraffic, sentLines: number): string {
  const linesLeft = traffic.calls.map(() => 0);
  let logLines = 0;
  traffic.callOfLine.forEach((call, i) => {
    if (call >= 0 && i >= sentLines) linesLeft[call]!++;
    if (call < 0 && i < sentLines) logLines++;
  });
  const complete = traffic.calls.filter((_, i) => linesLeft[i] === 0);
  const ended = complete.filter((c) => c.ends).length;
  return `sent ${sentLines} of ${traffic.lines.length} lines: ${complete.length} of ${traffic.calls.length} calls (${ended} ended), ${logLines} log lines`;
}

/**
 * `cdr-sim gateway …`: legacy gateway event and log lines to a gw-cdr-in node
 * (or to stdout with --print).
 */

import { parseHostPort, UsageError } from './args';
import { formatWall, generateGatewayTraffic, sendGatewayTcp, sendGatewayUdp, type SimSeparator } from './gateway';

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
  --rate <n>            lines per second (default: as fast as possible)
  --live                calls from now on, each line sent when its time comes (ignores --rate)
  --seed <n>            same seed, same traffic (default 1)
  --print               write the lines to stdout instead of sending them`;

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
}

function integer(name: string, value: string | undefined, min: number): number {
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n) || n < min) throw new UsageError(`${name} needs a whole number ≥ ${min}, got "${value ?? ''}"`);
  return n;
}

export function parseGatewayCliArgs(argv: readonly string[]): CliOptions {
  const o: CliOptions = {
    host: '127.0.0.1', port: 9040, transport: 'tcp', calls: 20, neverEnding: 0, gateways: ['8200', '8378'],
    ports: 4, separator: 'tab', prefix: true, log: false, rate: 0, live: false, seed: 1, print: false,
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
      case '--live': o.live = true; break;
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
  const target = { host: o.host, port: o.port, rate: o.rate, ...(o.live ? { sendAt: traffic.times } : {}), ...(signal ? { signal } : {}) };
  if (o.transport === 'udp') await sendGatewayUdp(traffic.lines, target);
  else await sendGatewayTcp(traffic.lines, target);
  process.stderr.write(`cdr-sim gateway: sent ${traffic.lines.length} lines (${traffic.calls.length} calls, ${traffic.logLines} log lines) over ${o.transport} to ${o.host}:${o.port}\n`);
}

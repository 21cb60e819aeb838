/**
 * `cdr-sim ami --listen PORT …`: a fake Asterisk on a TCP port, driven by
 * options and by commands typed on stdin (one per line):
 *
 *   burst N        send N generated calls now
 *   rate N         N calls per second from now on (0 stops)
 *   replay FILE    send a capture's events (after its banner and login answer) byte for byte
 *   pong off|on    stop / resume answering anything (a half-open PBX)
 *   stop | start | restart   the PBX goes away / comes back (UniqueIDs count from 0 again)
 *   status         sessions, logins, failures
 *   quit           stop and exit
 */
import { readFileSync } from 'node:fs';
import * as readline from 'node:readline';
import { AmiSimServer, type AmiSimUser } from './ami';
import { UsageError } from './args';

export interface AmiCliArgs {
  port: number;
  host: string;
  users: Record<string, AmiSimUser>;
  rate: number;
  cel: boolean;
  /** Calls placed through Local channels (several Cdr events each), as most real Asterisk systems log them. */
  local: boolean;
  replay: string | null;
  tape: string | null;
  timeZone: string;
}

export const AMI_CLI_USAGE = `cdr-sim ami [--listen PORT] [--host ADDR] [--user NAME:SECRET[:READ]]...
                  [--rate CALLS_PER_SEC] [--cel] [--local] [--replay FILE] [--tape FILE] [--tz ZONE]
  --listen PORT   TCP port (default 5038; 0 picks a free one)
  --host ADDR     address to listen on (default 127.0.0.1)
  --user …        an AMI user; READ is manager.conf read classes (default cdr,call,system).
                  Default user: cdruser:cdrpass
  --rate N        generated calls per second (Cdr events; with --cel also CEL)
  --local         place calls through Local channels, as ring groups, queues and Originate
                  do (3–4 Cdr events a call, the caller's Local half always ANSWERED)
  --replay FILE   after each login, send FILE's events byte for byte
  --tape FILE     send FILE byte for byte to every connection, banner included, ignoring input
  --tz ZONE       IANA zone of the fake PBX's wall clock (default UTC)
commands on stdin: burst N | rate N | replay FILE | pong off|on | stop | start | restart | status | quit`;

export function parseAmiCliArgs(argv: string[]): AmiCliArgs {
  const a: AmiCliArgs = { port: 5038, host: '127.0.0.1', users: {}, rate: 0, cel: false, local: false, replay: null, tape: null, timeZone: 'UTC' };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--listen': case '--port': a.port = int(value(), flag, 0, 65535); break;
      case '--host': a.host = value(); break;
      case '--user': {
        const [name, secret, read] = value().split(':');
        if (!name || secret === undefined) throw new UsageError('--user needs NAME:SECRET[:READ]');
        a.users[name] = read ? { secret, read } : { secret };
        break;
      }
      case '--rate': a.rate = Number(value()); if (!(a.rate >= 0)) throw new UsageError('--rate needs a number ≥ 0'); break;
      case '--cel': a.cel = true; break;
      case '--local': a.local = true; break;
      case '--replay': a.replay = value(); break;
      case '--tape': a.tape = value(); break;
      case '--tz': a.timeZone = value(); break;
      case '-h': case '--help': throw new UsageError('help');
      default: throw new UsageError(`unknown option ${flag}`);
    }
  }
  if (Object.keys(a.users).length === 0) a.users.cdruser = { secret: 'cdrpass', read: 'cdr,call,system' };
  return a;
}

function int(v: string, flag: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag} needs a whole number ${min}..${max}`);
  return n;
}

/** Runs the fake PBX until `quit` is typed or `signal` aborts (bin/cdr-sim.js aborts it on SIGINT/SIGTERM). */
export async function runAmiCli(
  argv: string[],
  signal?: AbortSignal,
  io: { input?: NodeJS.ReadableStream; output?: NodeJS.WritableStream } = {},
): Promise<void> {
  const out = io.output ?? process.stdout;
  const say = (s: string): void => { out.write(`${s}\n`); };
  const args = parseAmiCliArgs(argv);
  const sim = new AmiSimServer({ users: args.users, timeZone: args.timeZone, localChannels: args.local });
  if (args.tape) sim.tape = readFileSync(args.tape);
  const replay = args.replay ? readFileSync(args.replay) : null;
  sim.on('login', (user: string) => {
    say(`login ${user}`);
    if (replay) setImmediate(() => say(`replayed ${replay.length} bytes to ${sim.replay(replay)} session(s)`));
  });
  sim.on('login-failed', (user: string) => say(`login failed ${user}`));
  let port = await sim.listen(args.port, args.host);
  say(`listening on ${args.host}:${port}`);
  if (args.rate > 0) sim.startRate(args.rate, { cel: args.cel });
  let running = true;
  let rate = args.rate;

  return new Promise<void>((resolve) => {
    const rl = readline.createInterface({ input: io.input ?? process.stdin, terminal: false });
    let quitting = false;
    const quit = async (): Promise<void> => {
      if (quitting) return;
      quitting = true;
      rl.close();
      signal?.removeEventListener('abort', onSignal);
      if (running) await sim.stop();
      say('bye');
      resolve();
    };
    const onSignal = (): void => { void quit(); };
    if (signal?.aborted) onSignal();
    signal?.addEventListener('abort', onSignal, { once: true });
    rl.on('line', (line) => {
      void (async () => {
        const [cmd = '', arg = ''] = line.trim().split(/\s+/);
        try {
          switch (cmd) {
            case '': return;
            case 'burst': sim.burst(int(arg, 'burst', 1, 10_000_000), { cel: args.cel }); say(`sent ${arg}`); return;
            case 'rate': rate = Number(arg); sim.startRate(rate, { cel: args.cel }); say(`rate ${rate}/s`); return;
            case 'replay': say(`replayed to ${sim.replay(readFileSync(arg))} session(s)`); return;
            case 'pong': sim.answering = arg !== 'off'; say(`answering ${sim.answering ? 'on' : 'off'}`); return;
            case 'stop': if (running) { await sim.stop(); running = false; } say('stopped'); return;
            case 'start':
              if (!running) { port = await sim.listen(port, args.host); running = true; if (rate > 0) sim.startRate(rate, { cel: args.cel }); }
              say(`listening on ${args.host}:${port}`);
              return;
            case 'restart':
              if (running) await sim.restart(); else await sim.listen(port, args.host);
              running = true;
              if (rate > 0) sim.startRate(rate, { cel: args.cel });
              say(`restarted on ${args.host}:${port}`);
              return;
            case 'status': say(`sessions ${sim.openSockets} logged-in ${sim.loggedIn} logins ${sim.logins} failures ${sim.loginFailures}`); return;
            case 'quit': case 'exit': await quit(); return;
            default: say(`unknown command ${cmd}`);
          }
        } catch (err) {
          say(`error: ${(err as Error).message}`);
        }
      })();
    });
  });
}

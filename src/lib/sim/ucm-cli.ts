import { parseArgs } from 'node:util';
import { DEFAULT_GIVE_UP_SEC, napUnless, oneOf, paced, parseHostPort, positiveNumber, stallGuard, TIMEOUT_USAGE } from './args';
import { fraudLoop } from './fraud';
import { UcmGenerator, UcmSender, type UcmLeg } from './ucm';

export const UCM_USAGE = `cdr-sim ucm --to HOST:PORT [options]
  Pushes Grandstream UCM CDRs like a UCM's CDR Real-Time Output.
  --transport tcp|http   delivery (default tcp)
  --format json|xml      encoding (default json)
  --shape leg|group      flat legs or main_cdr/sub_cdr groups (default leg)
  --rate N               records per second (default 5; 0 = as fast as possible)
  --count N              records to send (default 0 = until Ctrl-C)
  --path /p              HTTP path (default /)
  --user U --password P  HTTP Basic credentials
  --buffer N             records kept while the receiver is down (default 10000, as a UCM)
  --seed N               random seed (default 42)
  --fraud                also a fraud pattern every 5 minutes: 12 calls of 3 s from
                         extension 1003 to 00882… (a short-call burst to a watch-listed prefix)
${TIMEOUT_USAGE}`;

/** `cdr-sim ucm …`; resolves when done or when `signal` aborts. */
export async function runUcmCli(argv: string[], signal?: AbortSignal, log: (s: string) => void = console.log): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      to: { type: 'string' },
      transport: { type: 'string' },
      format: { type: 'string' },
      shape: { type: 'string' },
      rate: { type: 'string' },
      count: { type: 'string' },
      path: { type: 'string' },
      user: { type: 'string' },
      password: { type: 'string' },
      buffer: { type: 'string' },
      seed: { type: 'string' },
      fraud: { type: 'boolean' },
      timeout: { type: 'string' },
    },
    strict: true,
  });
  const { host, port } = parseHostPort(values.to);
  const transport = oneOf(values.transport, '--transport', ['tcp', 'http'] as const, 'tcp');
  const format = oneOf(values.format, '--format', ['json', 'xml'] as const, 'json');
  const shape = oneOf(values.shape, '--shape', ['leg', 'group'] as const, 'leg');
  const rate = positiveNumber(values.rate, '--rate', 5);
  const count = positiveNumber(values.count, '--count', 0);
  const gen = new UcmGenerator({ seed: positiveNumber(values.seed, '--seed', 42), startMs: Date.now(), live: true });
  const sender = new UcmSender({
    transport,
    host,
    port,
    format,
    ...(values.path ? { path: values.path } : {}),
    ...(values.user ? { username: values.user, password: values.password ?? '' } : {}),
    bufferLimit: positiveNumber(values.buffer, '--buffer', 10_000),
  });
  const guard = stallGuard({
    timeoutMs: positiveNumber(values.timeout, '--timeout', DEFAULT_GIVE_UP_SEC) * 1000,
    progress: () => sender.stats.sent,
    waiting: () => sender.stats.buffered > 0,
    // Nothing failed yet: a try still waits. Over HTTP that is a listener that
    // took the connection and never answers, as one set to TCP does.
    why: () => `${host}:${port} over ${transport}: ${sender.stats.lastError || (transport === 'http' ? 'no answer to the HTTP POST: is the receiver set to HTTP delivery?' : 'no answer')}`,
    signal,
  });
  // Ctrl-C or the stall: a try in progress fails at once.
  guard.signal.addEventListener('abort', () => void sender.close(), { once: true });
  log(`cdr-sim ucm: ${transport}/${format} ${shape}s to ${host}:${port} at ${rate || 'max'}/s${count ? `, ${count} records` : ''}`);
  const report = setInterval(() => {
    const s = sender.stats;
    log(`sent ${s.sent}, waiting ${s.buffered}${s.dropped ? `, dropped ${s.dropped}` : ''}${s.failures ? `, failed ${s.failures}× (${s.lastError})` : ''}`);
  }, 5000);
  report.unref();
  // The fraud pattern runs beside the ordinary traffic and stops with it.
  const fraudStop = new AbortController();
  guard.signal.addEventListener('abort', () => fraudStop.abort(), { once: true });
  const fraud = values.fraud ? fraudLoop(() => gen.next('leg') as UcmLeg, (leg) => sender.send(leg), fraudStop.signal, log) : null;
  try {
    await paced(rate, count, () => sender.send(gen.next(shape)), guard.signal);
    fraudStop.abort();
    await fraud;
    // Whatever is still buffered goes out when the receiver is back.
    while (sender.stats.buffered > 0 && !guard.signal.aborted) {
      await napUnless(1000, guard.signal);
      await sender.flush();
    }
  } finally {
    clearInterval(report);
    guard.dispose();
    await sender.close();
  }
  const s = sender.stats;
  log(`done: sent ${s.sent}${s.buffered ? `, not sent ${s.buffered}` : ''}, dropped ${s.dropped}`);
  guard.check();
}

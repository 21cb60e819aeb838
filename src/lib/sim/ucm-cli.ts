import { parseArgs } from 'node:util';
import { oneOf, paced, parseHostPort, positiveNumber } from './args';
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
                         extension 1003 to 00882… (a short-call burst to a watch-listed prefix)`;

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
  log(`cdr-sim ucm: ${transport}/${format} ${shape}s to ${host}:${port} at ${rate || 'max'}/s${count ? `, ${count} records` : ''}`);
  const report = setInterval(() => {
    const s = sender.stats;
    log(`sent ${s.sent}, waiting ${s.buffered}${s.dropped ? `, dropped ${s.dropped}` : ''}${s.failures ? `, receiver unreachable ${s.failures}×` : ''}`);
  }, 5000);
  report.unref();
  // The fraud pattern runs beside the ordinary traffic and stops with it.
  const fraudStop = new AbortController();
  signal?.addEventListener('abort', () => fraudStop.abort(), { once: true });
  const fraud = values.fraud ? fraudLoop(() => gen.next('leg') as UcmLeg, (leg) => sender.send(leg), fraudStop.signal, log) : null;
  try {
    await paced(rate, count, () => sender.send(gen.next(shape)), signal);
    fraudStop.abort();
    await fraud;
    // Whatever is still buffered goes out when the receiver is back.
    while (sender.stats.buffered > 0 && !signal?.aborted) {
      await new Promise((r) => setTimeout(r, 1000));
      await sender.flush();
    }
  } finally {
    clearInterval(report);
    await sender.close();
  }
  log(`done: sent ${sender.stats.sent}, dropped ${sender.stats.dropped}`);
}

/**
 * `cdr-sim freeswitch …`: FreeSWITCH CDR traffic in three modes.
 *
 *   cdr-sim freeswitch --mode http --to http://127.0.0.1:8080/cdr [--format xml|json]
 *           [--encoding urlencoded|base64|plain|raw] [--cred user:pass] [--retries 2] [--delay 5]
 *           [--error-dir DIR] [--legs a|ab] [--count N] [--rate N] [--seed N] [--live]
 *   cdr-sim freeswitch --mode spool --dir DIR [--format xml|json] [--prefix-a-leg] …
 *   cdr-sim freeswitch --mode csv --dir DIR [--template example] [--rotate-every N] [--rotate rename|truncate] …
 */
import { FsCallGenerator, postBody, toCsvLine, toJson, toXml, type FsPostEncoding } from './freeswitch';
import { MasterCsvWriter, postWithRetry, spoolFileName, writeSpoolFile } from './freeswitch-send';
import type { FsCdrRecord } from '../formats/freeswitch/types';
import { DEFAULT_GIVE_UP_SEC, napUnless, stallGuard, TIMEOUT_USAGE, UsageError } from './args';

export interface FsCliOptions {
  mode: 'http' | 'spool' | 'csv';
  to: string;
  format: 'xml' | 'json';
  encoding: FsPostEncoding;
  cred?: string;
  retries: number;
  delaySec: number;
  errorDir?: string;
  dir: string;
  prefixALeg: boolean;
  legs: 'a' | 'ab';
  template: string;
  rotateEvery: number;
  rotate: 'rename' | 'truncate';
  count: number;
  rate: number;
  seed: number;
  encodeValues: boolean;
  /** Every call ends when it is sent. */
  live?: boolean;
  timeoutSec: number;
}

export const FREESWITCH_USAGE = `cdr-sim freeswitch --mode http|spool|csv [options]
  http:  --to URL [--format xml|json] [--encoding urlencoded|base64|plain|raw] [--cred user:pass]
         [--retries N] [--delay SEC] [--error-dir DIR] [--plain-values]
  spool: --dir DIR [--format xml|json] [--prefix-a-leg]
  csv:   --dir DIR [--template NAME|TEXT] [--rotate-every N] [--rotate rename|truncate]
  all:   [--legs a|ab] [--count N] [--rate CALLS_PER_SEC] [--seed N] [--live]
         --live: every call ends when it is sent (default: calls 1-40 s apart from now on)
${TIMEOUT_USAGE}`;

export function parseFsCliArgs(argv: string[]): FsCliOptions {
  const o: FsCliOptions = {
    mode: 'http', to: 'http://127.0.0.1:8080/cdr', format: 'xml', encoding: 'base64', retries: 0, delaySec: 5,
    dir: '.', prefixALeg: false, legs: 'ab', template: 'example', rotateEvery: 0, rotate: 'rename', count: 10, rate: 10, seed: 1, encodeValues: true,
    timeoutSec: DEFAULT_GIVE_UP_SEC,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const val = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value\n${FREESWITCH_USAGE}`);
      return v;
    };
    const num = (): number => {
      const s = val();
      const n = Number(s);
      if (!Number.isFinite(n) || n < 0) throw new UsageError(`${a}: "${s}" is not a number ≥ 0`);
      return n;
    };
    switch (a) {
      case '--mode': o.mode = oneOf(a, val(), ['http', 'spool', 'csv'] as const); break;
      case '--to': o.to = val(); break;
      case '--format': o.format = oneOf(a, val(), ['xml', 'json'] as const); break;
      case '--encoding': o.encoding = oneOf(a, val(), ['urlencoded', 'base64', 'plain', 'raw'] as const); break;
      case '--cred': o.cred = val(); break;
      case '--retries': o.retries = num(); break;
      case '--delay': o.delaySec = num(); break;
      case '--error-dir': o.errorDir = val(); break;
      case '--dir': o.dir = val(); break;
      case '--prefix-a-leg': o.prefixALeg = true; break;
      case '--plain-values': o.encodeValues = false; break;
      case '--legs': o.legs = oneOf(a, val(), ['a', 'ab'] as const); break;
      case '--template': o.template = val(); break;
      case '--rotate-every': o.rotateEvery = num(); break;
      case '--rotate': o.rotate = oneOf(a, val(), ['rename', 'truncate'] as const); break;
      case '--count': o.count = num(); break;
      case '--rate': o.rate = num(); break;
      case '--seed': o.seed = num(); break;
      case '--live': o.live = true; break;
      case '--timeout': o.timeoutSec = num(); break;
      case '-h': case '--help': throw new UsageError(FREESWITCH_USAGE);
      default: throw new UsageError(`unknown option ${a}\n${FREESWITCH_USAGE}`);
    }
  }
  return o;
}

function oneOf<T extends string>(name: string, v: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(v)) throw new UsageError(`${name} must be one of ${allowed.join(', ')} (got "${v}")`);
  return v as T;
}

/** Runs the simulator; resolves when `count` calls were delivered. Counts go to stdout. */
export async function runFreeswitchCli(argv: string[], signal?: AbortSignal): Promise<void> {
  const o = parseFsCliArgs(argv);
  const gen = new FsCallGenerator({ seed: o.seed, startMs: Date.now(), live: o.live });
  const csv = o.mode === 'csv' ? new MasterCsvWriter({ dir: o.dir, rotateEvery: o.rotateEvery, rotate: o.rotate }) : null;
  const gapMs = o.rate > 0 ? 1000 / o.rate : 0;
  let sent = 0;
  let failed = 0;
  // A POST waiting for its answer, or the last one failed: records wait.
  let pending = false;
  let lastFailure = '';
  const guard = stallGuard({
    timeoutMs: o.mode === 'http' ? o.timeoutSec * 1000 : 0,
    progress: () => sent,
    waiting: () => pending,
    why: () => `${o.to}: ${lastFailure || 'no answer to the POST'}`,
    signal,
  });
  const t0 = Date.now();
  try {
    for (let i = 0; i < o.count && !guard.signal.aborted; i++) {
      const call = gen.call();
      const legs: [FsCdrRecord, boolean][] = [[call.a, true]];
      if (call.b && o.legs === 'ab') legs.push([call.b, false]);
      for (const [rec, isA] of legs) {
        if (guard.signal.aborted) break;
        const uuid = rec.variables['uuid']!;
        const doc = o.format === 'xml' ? toXml(rec) : toJson(rec, o.encodeValues);
        if (o.mode === 'http') {
          const { body, contentType } = postBody(doc, o.format, o.encoding);
          pending = true;
          const r = await postWithRetry({
            signal: guard.signal,
            url: o.to, body, contentType, uuid: `${isA && o.prefixALeg ? 'a_' : ''}${uuid}`, retries: o.retries, delayMs: o.delaySec * 1000,
            format: o.format, document: doc, ...(o.cred ? { cred: o.cred } : {}), ...(o.errorDir ? { errorDir: o.errorDir } : {}),
          });
          if (r.ok) {
            sent++;
            pending = false;
          } else if (!guard.signal.aborted) {
            failed++;
            lastFailure = r.status ? `the receiver answered HTTP ${r.status}` : 'no answer (refused, or no HTTP answer within 5 s)';
            process.stderr.write(`POST of ${uuid} failed after ${r.attempts} tries (last status ${r.status})${r.keptAs ? `; kept as ${r.keptAs}` : ''}\n`);
          }
        } else if (o.mode === 'spool') {
          await writeSpoolFile(o.dir, spoolFileName(uuid, o.format, isA && o.prefixALeg), doc);
          sent++;
        } else {
          await csv!.append(toCsvLine(rec, o.template));
          sent++;
        }
      }
      const due = t0 + (i + 1) * gapMs;
      const wait = due - Date.now();
      if (wait > 0) await napUnless(wait, guard.signal);
    }
  } finally {
    guard.dispose();
  }
  process.stdout.write(`freeswitch ${o.mode}: ${sent} records delivered, ${failed} failed\n`);
  guard.check();
  if (failed > 0) process.exitCode = 1;
}

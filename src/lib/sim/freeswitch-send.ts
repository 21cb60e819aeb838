/**
 * FreeSWITCH traffic simulator, I/O part: POSTs as mod_xml_cdr / mod_json_cdr
 * do (retry on anything but 2xx, then keep the file in an error directory),
 * spool files as they write them, and a Master.csv that grows and rotates as
 * mod_cdr_csv's does.
 */
import { promises as fsp } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as path from 'node:path';
import { napUnless } from './args';

export interface FsPostOptions {
  /** The configured url; `?uuid=` (or `&uuid=`) is appended as FreeSWITCH does. */
  url: string;
  body: string;
  contentType: string;
  /** The query uuid, with `a_` when prefix-a-leg applies. */
  uuid: string;
  /** `user:pass` for Basic auth (mod_xml_cdr `cred`). */
  cred?: string;
  /** Extra tries after the first (mod_xml_cdr `retries`, default 0). */
  retries?: number;
  /** Pause between tries in ms (mod_xml_cdr `delay`, seconds there). */
  delayMs?: number;
  timeoutMs?: number;
  /** Where the document goes after the last failed try (err-log-dir); not written when absent. */
  errorDir?: string;
  /** The document kept in errorDir (the CDR itself, not the POST body). */
  document?: string;
  /** File extension in errorDir: 'xml' or 'json'. */
  format?: 'xml' | 'json';
  userAgent?: string;
  /** Stops a POST in progress and the tries left (Ctrl-C). */
  signal?: AbortSignal;
}

export interface FsPostResult {
  ok: boolean;
  attempts: number;
  /** Last HTTP status, 0 when no answer came. */
  status: number;
  /** The error-directory file written after the last failure. */
  keptAs?: string;
}


/** One POST; resolves with the status (0 on a network error or timeout). */
export function postOnce(options: FsPostOptions): Promise<number> {
  const url = new URL(options.url);
  url.search = url.search ? `${url.search}&uuid=${options.uuid}` : `?uuid=${options.uuid}`;
  const lib = url.protocol === 'https:' ? https : http;
  const headers: Record<string, string | number> = {
    'Content-Type': options.contentType,
    'Content-Length': Buffer.byteLength(options.body),
    'User-Agent': options.userAgent ?? (options.format === 'json' ? 'freeswitch-json/1.0' : 'freeswitch-xml/1.0'),
  };
  if (options.cred) headers['Authorization'] = `Basic ${Buffer.from(options.cred).toString('base64')}`;
  return new Promise((resolve) => {
    const req = lib.request(url, { method: 'POST', headers, timeout: options.timeoutMs ?? 5000, rejectUnauthorized: false, ...(options.signal ? { signal: options.signal } : {}) }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(0));
    req.end(options.body);
  });
}

/** POST with FreeSWITCH's retry rule: success is 2xx; anything else is tried again, then kept on disk. */
export async function postWithRetry(options: FsPostOptions): Promise<FsPostResult> {
  const tries = 1 + Math.max(0, options.retries ?? 0);
  let status = 0;
  for (let attempt = 1; attempt <= tries; attempt++) {
    status = await postOnce(options);
    if (status >= 200 && status < 300) return { ok: true, attempts: attempt, status };
    if (options.signal?.aborted) return { ok: false, attempts: attempt, status };
    if (attempt < tries) await napUnless(options.delayMs ?? 0, options.signal);
  }
  const result: FsPostResult = { ok: false, attempts: tries, status };
  if (options.errorDir) {
    const file = path.join(options.errorDir, `${options.uuid}.cdr.${options.format ?? 'xml'}`);
    await fsp.mkdir(options.errorDir, { recursive: true });
    await fsp.writeFile(file, options.document ?? options.body);
    result.keptAs = file;
  }
  return result;
}

export interface SpoolWriteOptions {
  /** Write the file in this many pieces (a slow writer; default 1). */
  chunks?: number;
  /** Pause between pieces, ms. */
  chunkDelayMs?: number;
}

/**
 * Writes a spool file the way mod_xml_cdr does: created in place, written,
 * closed (no temporary name), so a reader can see it half written.
 */
export async function writeSpoolFile(dir: string, name: string, text: string, options: SpoolWriteOptions = {}): Promise<string> {
  const file = path.join(dir, name);
  const handle = await fsp.open(file, 'w');
  try {
    const buf = Buffer.from(text, 'utf8');
    const n = Math.max(1, options.chunks ?? 1);
    const size = Math.ceil(buf.length / n);
    for (let i = 0; i < buf.length; i += size) {
      await handle.write(buf.subarray(i, i + size));
      if (options.chunkDelayMs && i + size < buf.length) await napUnless(options.chunkDelayMs);
    }
  } finally {
    await handle.close();
  }
  return file;
}

/** `[a_]<uuid>.cdr.<ext>` as mod_xml_cdr / mod_json_cdr name their files. */
export function spoolFileName(uuid: string, format: 'xml' | 'json', aLegPrefix = false): string {
  return `${aLegPrefix ? 'a_' : ''}${uuid}.cdr.${format}`;
}

export interface MasterCsvOptions {
  /** The cdr-csv directory; the file is `Master.csv` in it. */
  dir: string;
  /** Rotate after this many lines (0 = never). */
  rotateEvery?: number;
  /** 'rename' (rotate-on-hup true: Master.csv.YYYY-MM-DD-HH-MM-SS) or 'truncate' (reopen empty, as after logrotate copytruncate). */
  rotate?: 'rename' | 'truncate';
  /** Clock for the rotated file's name (default now). */
  now?: () => Date;
}

/** A Master.csv that grows line by line and rotates like mod_cdr_csv's. */
export class MasterCsvWriter {
  readonly file: string;
  private count = 0;
  readonly rotated: string[] = [];

  constructor(private readonly options: MasterCsvOptions) {
    this.file = path.join(options.dir, 'Master.csv');
  }

  /** Appends one line (with its newline) and rotates when the count is reached. */
  async append(line: string): Promise<void> {
    await fsp.appendFile(this.file, line.endsWith('\n') ? line : `${line}\n`);
    this.count++;
    const every = this.options.rotateEvery ?? 0;
    if (every > 0 && this.count % every === 0) await this.rotate();
  }

  async rotate(): Promise<string | null> {
    if (this.options.rotate === 'truncate') {
      await fsp.truncate(this.file, 0);
      return null;
    }
    const d = (this.options.now ?? (() => new Date()))();
    const p = (n: number): string => String(n).padStart(2, '0');
    const stamp = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}-${p(d.getHours())}-${p(d.getMinutes())}-${p(d.getSeconds())}`;
    let target = `${this.file}.${stamp}`;
    // Two rotations in one second: FreeSWITCH would overwrite; keep both here so tests can count lines.
    for (let i = 1; this.rotated.includes(target); i++) target = `${this.file}.${stamp}.${i}`;
    await fsp.rename(this.file, target);
    await fsp.writeFile(this.file, '');
    this.rotated.push(target);
    return target;
  }
}

/**
 * A spool directory where a writer drops one record per file (FreeSWITCH
 * `[a_]<uuid>.cdr.xml` / `.cdr.json`). A file is handed over only once complete
 * (size and mtime unchanged for a settle interval, and an optional "complete"
 * check), and moved to a done folder or deleted only after the handler
 * resolved: at-least-once across a kill at any moment. A file the handler
 * rejects goes to an error folder, reported once, never retried forever.
 * The move is not fsynced on purpose: if a power cut undoes it, the file is
 * simply handed over again (a repeat, never a loss).
 */
import { constants as fsConstants, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { errCode } from './checkpoint';
import { FileSourceError, FileSourceEvent, isThenable, positiveOption } from './file-source';
import { NamePattern, compileNamePattern } from './name-pattern';
import { SourceLoop } from './source-loop';

/** One complete spool file, handed to the handler. */
export interface SpoolFile {
  /** File name without directory. */
  name: string;
  /** Path relative to the spool directory: the name, or `<subdirectory>/<name>` with `subdirectories`. */
  relativePath: string;
  /** Full path in the spool directory. */
  path: string;
  /** The whole content. */
  content: Buffer;
  size: number;
  mtimeMs: number;
}

/**
 * The consumer's handler of one file. Resolve once the record is sent on: only
 * then is the file moved or deleted. Throw/reject when the content is not a
 * record (the file goes to the error folder), or throw {@link SpoolRetryLater}
 * to leave the file in place and try it again after `retryDelayMs`.
 * Do not await the spool's close() in here: close() waits for the files in hand.
 */
export type SpoolHandler = (file: SpoolFile) => void | PromiseLike<void>;

/** Thrown by a handler that cannot take the file now (e.g. downstream is down): the file is kept and retried. */
export class SpoolRetryLater extends Error {
  constructor(message = 'retry later') {
    super(message);
    this.name = 'SpoolRetryLater';
  }
}

/** Options of {@link createSpoolDir}. */
export interface SpoolDirOptions {
  /** The spool directory (FreeSWITCH `log-dir`, e.g. `/var/log/freeswitch/xml_cdr`). */
  dir: string;
  /** Which file names are records: a glob (`*.cdr.{xml,json}`), a `/regex/` string or a RegExp. */
  pattern: string | RegExp;
  onFile: SpoolHandler;
  /** What to do with a handled file: 'move' to `doneDir` (default) or 'delete'. */
  after?: 'move' | 'delete';
  /**
   * Also take files from the spool directory's immediate subdirectories (not
   * the done/error folders): FreeSWITCH mod_xml_cdr with `rotate=true` writes
   * into a new `YYYY-MM-DD-HH-MM-SS` subdirectory on each rotation. Handled
   * files keep their subdirectory under the done/error folder. Default false.
   */
  subdirectories?: boolean;
  /** Where handled files go (default `<dir>/done`). */
  doneDir?: string;
  /** Where rejected files go (default `<dir>/error`). */
  errorDir?: string;
  /** How long size and mtime must stay unchanged before a file is read, in ms (default 1000). */
  settleMs?: number;
  /**
   * Extra completeness check on the content (e.g. the XML or JSON parses). While
   * it says no the file is left and checked again after another settle interval.
   */
  isComplete?: (content: Buffer, name: string) => boolean;
  /** A settled file that `isComplete` still rejects after this long goes to the error folder, in ms (default 300000). A file that cannot be read 3 times in a row goes there too. */
  incompleteTimeoutMs?: number;
  /** Larger files go to the error folder unread (default 16 MiB). */
  maxFileBytes?: number;
  /** Files handed to the handler at the same time (default 4). */
  concurrency?: number;
  /** Poll interval in ms (default 1000). */
  pollIntervalMs?: number;
  /** Delay before a file whose handler threw {@link SpoolRetryLater} is tried again, in ms (default 5000). */
  retryDelayMs?: number;
  /** Use fs.watch on top of polling (default true). */
  watch?: boolean;
  /** Rejected files (code FILE_REJECTED, `text` = the content when readable), I/O errors. */
  onError?: (err: FileSourceError) => void;
  onEvent?: (ev: FileSourceEvent) => void;
}

/** Counters of a running spool. */
export interface SpoolDirStats {
  /** Files whose handler resolved, counted once moved or deleted (or the attempt failed). */
  handled: number;
  /** Files moved to the error folder. */
  rejected: number;
  /** Files handed to the handler and not yet done. */
  inFlight: number;
  /** Complete files waiting for a free slot. */
  queued: number;
  /** Directory scans since start. */
  polls: number;
  errors: number;
}

/** A running spool directory. */
export interface SpoolDir {
  /** Creates the done/error folders and starts scanning (files already there included). */
  start(): Promise<void>;
  /** Stops handing out files, waits for the ones in flight to be handled and moved, releases watch and timers. */
  close(): Promise<void>;
  readonly stats: SpoolDirStats;
}

/** Creates a spool; call start() to begin. */
export function createSpoolDir(opts: SpoolDirOptions): SpoolDir {
  return new Spool(opts);
}

interface Tracked {
  size: number;
  mtimeMs: number;
  /** When this size/mtime was first seen. */
  since: number;
  /** First time the content was found settled but incomplete. */
  incompleteSince?: number;
  /** Not before this time (retry later). */
  notBefore?: number;
  /** Failed attempts to read it (I/O errors). */
  ioFailures?: number;
}

const STAT_BATCH = 64;
/** I/O failures on one file before it goes to the error folder. */
const MAX_IO_ATTEMPTS = 3;

class Spool extends SourceLoop<never> implements SpoolDir {
  private readonly dir: string;
  private readonly doneDir: string;
  private readonly errorDir: string;
  private readonly opts: SpoolDirOptions;
  private readonly pattern: NamePattern;
  private readonly pollMs: number;
  private readonly settleMs: number;
  private readonly incompleteMs: number;
  private readonly maxBytes: number;
  private readonly concurrency: number;
  private readonly retryMs: number;
  private readonly tracked = new Map<string, Tracked>();
  /** Complete files waiting for a slot: a FIFO read from readyHead (shift() is O(n) on a big backlog). */
  private ready: string[] = [];
  private readyHead = 0;
  private readonly queued = new Set<string>();
  private readonly inFlight = new Set<string>();
  private readonly workers = new Set<Promise<void>>();
  /** Handled or rejected, but the file could not be moved away: never handed out again in this run. */
  private readonly settled = new Set<string>();
  /** Names moved away since the last scan: their watch events are our own doing. */
  private readonly recentlyRetired = new Set<string>();
  private lastScan = 0;
  private handled = 0;
  private rejected = 0;
  private dirMissingReported = false;

  constructor(opts: SpoolDirOptions) {
    if (!opts || typeof opts.dir !== 'string' || opts.dir === '') throw new TypeError('spool: dir is required');
    if (typeof opts.onFile !== 'function') throw new TypeError('spool: onFile must be a function');
    if (opts.after !== undefined && opts.after !== 'move' && opts.after !== 'delete') throw new TypeError(`spool: after must be 'move' or 'delete'`);
    const dir = path.resolve(opts.dir);
    const pollMs = positiveOption(opts.pollIntervalMs, 1000, 'pollIntervalMs');
    super({ label: 'spool', ioVerb: 'scanning', watchDir: dir, watch: opts.watch !== false, pollMs, checkpointMs: 1000, onError: opts.onError, onEvent: opts.onEvent });
    this.opts = opts;
    this.dir = dir;
    this.doneDir = path.resolve(this.dir, opts.doneDir ?? 'done');
    this.errorDir = path.resolve(this.dir, opts.errorDir ?? 'error');
    if (this.doneDir === this.dir || this.errorDir === this.dir) throw new TypeError('spool: the done and error folders must differ from the spool directory');
    this.pattern = compileNamePattern(opts.pattern);
    this.pollMs = pollMs;
    this.settleMs = opts.settleMs === 0 ? 0 : positiveOption(opts.settleMs, 1000, 'settleMs');
    this.incompleteMs = positiveOption(opts.incompleteTimeoutMs, 300000, 'incompleteTimeoutMs');
    this.maxBytes = positiveOption(opts.maxFileBytes, 16 * 1024 * 1024, 'maxFileBytes');
    this.concurrency = Math.floor(positiveOption(opts.concurrency, 4, 'concurrency')) || 1;
    this.retryMs = positiveOption(opts.retryDelayMs, 5000, 'retryDelayMs');
  }

  get stats(): SpoolDirStats {
    return {
      handled: this.handled,
      rejected: this.rejected,
      inFlight: this.inFlight.size,
      queued: this.ready.length - this.readyHead,
      polls: this.polls,
      errors: this.errors,
    };
  }

  protected async prepare(): Promise<void> {
    // The spool directory belongs to the writer: never create it. The folders are made now
    // when it exists (to surface permission problems early), else on first use.
    if (await isDirectory(this.dir)) {
      if (this.opts.after !== 'delete') await this.ensureDir(this.doneDir);
      await this.ensureDir(this.errorDir);
    }
  }

  protected isRelevant(name: string | null): boolean {
    // Events about files we know (being written, or just moved by us) would only cost scans.
    return name === null || (this.pattern.matches(name) && !this.tracked.has(name) && !this.recentlyRetired.has(name));
  }

  protected ioSubject(): string {
    return this.dir;
  }

  protected snapshot(): never {
    throw new Error('a spool keeps no checkpoint');
  }

  /** Files in the handler's hands are finished (sent and moved) so a clean stop repeats nothing. */
  protected async release(): Promise<void> {
    while (this.workers.size > 0) await Promise.all([...this.workers]);
  }

  private async ensureDir(d: string): Promise<void> {
    try {
      await fsp.mkdir(d, { recursive: true });
    } catch (err) {
      this.error(new FileSourceError('IO', `could not create ${d}: ${(err as Error).message}`, { file: d, cause: err }));
    }
  }

  /** Scans the directory, queues the files that settled, starts workers; returns the wait before the next scan. */
  protected async cycle(): Promise<number> {
    // With a backlog queued, workers pull from the queue on their own; rescanning a big
    // directory on every watch event would only burn time.
    const sinceScan = Date.now() - this.lastScan;
    if (this.ready.length > this.readyHead && sinceScan < this.pollMs) {
      this.pump();
      return this.pollMs - sinceScan;
    }
    this.lastScan = Date.now();
    this.recentlyRetired.clear();
    this.polls++;
    let entries;
    try {
      entries = await fsp.readdir(this.dir, { withFileTypes: true });
    } catch (err) {
      const code = errCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        if (!this.dirMissingReported) {
          this.dirMissingReported = true;
          this.event({ kind: 'waiting', file: this.dir, message: `waiting for spool directory ${this.dir} to appear` });
        }
        return this.pollMs;
      }
      throw err;
    }
    this.dirMissingReported = false;
    // Names are paths relative to the spool directory.
    const names: string[] = [];
    for (const d of entries) {
      if ((d.isFile() || d.isSymbolicLink()) && this.pattern.matches(d.name)) names.push(d.name);
      else if (this.opts.subdirectories === true && d.isDirectory()) await this.listSubdirectory(d.name, names);
    }
    const present = new Set(names);
    for (const n of this.tracked.keys()) if (!present.has(n) && !this.inFlight.has(n) && !this.queued.has(n)) this.tracked.delete(n);
    for (const n of this.settled) if (!present.has(n)) this.settled.delete(n);

    const now = Date.now();
    let nextDue = Infinity;
    const fresh: { name: string; mtimeMs: number }[] = [];
    const toCheck = names.filter((n) => !this.inFlight.has(n) && !this.queued.has(n) && !this.settled.has(n));
    for (let i = 0; i < toCheck.length && !this.closing; i += STAT_BATCH) {
      const batch = toCheck.slice(i, i + STAT_BATCH);
      const stats = await Promise.all(batch.map((n) => fsp.stat(path.join(this.dir, n)).catch(() => null)));
      batch.forEach((name, j) => {
        const st = stats[j];
        if (!st || !st.isFile()) return;
        const t = this.tracked.get(name);
        if (!t || t.size !== st.size || t.mtimeMs !== st.mtimeMs) {
          this.tracked.set(name, { size: st.size, mtimeMs: st.mtimeMs, since: now, incompleteSince: t?.incompleteSince });
          nextDue = Math.min(nextDue, now + this.settleMs);
          return;
        }
        const due = Math.max(t.since + this.settleMs, t.notBefore ?? 0);
        if (due > now) {
          nextDue = Math.min(nextDue, due);
          return;
        }
        fresh.push({ name, mtimeMs: st.mtimeMs });
      });
    }
    // Oldest first, so a backlog drains in the order the writer produced it.
    fresh.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const f of fresh) {
      this.queued.add(f.name);
      this.ready.push(f.name);
    }
    this.pump();
    return Math.max(1, Math.min(this.pollMs, nextDue - Date.now()));
  }

  private async listSubdirectory(sub: string, into: string[]): Promise<void> {
    const abs = path.join(this.dir, sub);
    if (abs === this.doneDir || abs === this.errorDir) return;
    let entries;
    try {
      entries = await fsp.readdir(abs, { withFileTypes: true });
    } catch {
      return; // removed meanwhile, or unreadable: the next scan tries again
    }
    for (const e of entries) {
      if ((e.isFile() || e.isSymbolicLink()) && this.pattern.matches(e.name)) into.push(path.join(sub, e.name));
    }
  }

  /** Starts workers while there are free slots and complete files. */
  private pump(): void {
    while (!this.closing && this.inFlight.size < this.concurrency && this.ready.length > this.readyHead) {
      const name = this.ready[this.readyHead++]!;
      if (this.readyHead >= 1024 && this.readyHead * 2 >= this.ready.length) {
        this.ready = this.ready.slice(this.readyHead);
        this.readyHead = 0;
      }
      this.queued.delete(name);
      this.inFlight.add(name);
      const w = this.process(name)
        .catch(async (err: unknown) => {
          const why = (err as Error)?.message ?? String(err);
          const t = this.tracked.get(name);
          if (!t) return;
          t.ioFailures = (t.ioFailures ?? 0) + 1;
          // An unreadable file is not retried forever either.
          if (t.ioFailures >= MAX_IO_ATTEMPTS) {
            await this.reject(name, `could not be read ${MAX_IO_ATTEMPTS} times (${why})`, undefined, err);
            return;
          }
          this.error(new FileSourceError('IO', `spool file ${name}: ${why}; trying again in ${this.retryMs} ms`, { file: path.join(this.dir, name), cause: err }));
          t.notBefore = Date.now() + this.retryMs;
        })
        .finally(() => {
          this.inFlight.delete(name);
          this.workers.delete(w);
          this.pump();
        });
      this.workers.add(w);
    }
  }

  private async process(name: string): Promise<void> {
    const p = path.join(this.dir, name);
    const t = this.tracked.get(name);
    if (!t) return;
    let fh: fsp.FileHandle;
    try {
      const opened = await this.openInSpool(p);
      if (opened === 'outside') {
        // Its target is never read: a link would otherwise put any readable file into an error message.
        await this.reject(name, 'is a symbolic link to a file outside the spool directory; it was not read');
        return;
      }
      fh = opened;
    } catch (err) {
      if (errCode(err) === 'ENOENT') {
        this.tracked.delete(name);
        return;
      }
      throw err;
    }
    let content: Buffer;
    let st;
    try {
      st = await fh.stat();
      if (st.size !== t.size || st.mtimeMs !== t.mtimeMs) {
        // Written to since it settled: wait for it to settle again.
        this.tracked.set(name, { size: st.size, mtimeMs: st.mtimeMs, since: Date.now(), incompleteSince: t.incompleteSince });
        return;
      }
      content = st.size <= this.maxBytes ? await readExactly(fh, st.size) : Buffer.alloc(0);
    } finally {
      await fh.close().catch(() => undefined);
    }
    if (st.size > this.maxBytes) {
      await this.reject(name, `is ${st.size} bytes, over the ${this.maxBytes}-byte limit`);
      return;
    }
    if (content.length !== st.size) {
      // Grew between the stat and the read: still being written.
      this.tracked.set(name, { size: content.length, mtimeMs: -1, since: Date.now(), incompleteSince: t.incompleteSince });
      return;
    }
    if (this.opts.isComplete) {
      let complete: boolean;
      try {
        complete = this.opts.isComplete(content, name) === true;
      } catch {
        complete = false;
      }
      if (!complete) {
        const now = Date.now();
        t.incompleteSince ??= now;
        if (now - t.incompleteSince >= this.incompleteMs) {
          await this.reject(name, `was still incomplete after ${this.incompleteMs} ms`, content);
        } else {
          t.since = now; // look again after another settle interval
        }
        return;
      }
    }
    try {
      const r = this.opts.onFile({ name: path.basename(name), relativePath: name, path: p, content, size: st.size, mtimeMs: st.mtimeMs });
      if (isThenable(r)) await r;
    } catch (err) {
      if (err instanceof SpoolRetryLater) {
        t.notBefore = Date.now() + this.retryMs;
        this.event({ kind: 'skipped', file: p, message: `${name} will be tried again in ${this.retryMs} ms: ${err.message}` });
        return;
      }
      await this.reject(name, `was rejected: ${(err as Error)?.message ?? String(err)}`, content, err);
      return;
    }
    await this.retire(name, this.opts.after === 'delete' ? null : this.doneDir);
    this.handled++;
  }

  /** Moves a file the handler could not use to the error folder and reports it. */
  /** Opens a spool file; a symbolic link is followed only to a file inside the spool directory. */
  private async openInSpool(p: string): Promise<fsp.FileHandle | 'outside'> {
    const noFollow = fsConstants.O_NOFOLLOW ?? 0;
    let link = false;
    if (noFollow === 0) link = (await fsp.lstat(p)).isSymbolicLink();
    else {
      try {
        return await fsp.open(p, fsConstants.O_RDONLY | noFollow);
      } catch (err) {
        const code = errCode(err);
        // ELOOP on Linux, EMLINK on the BSDs: the name is a link.
        if (code !== 'ELOOP' && code !== 'EMLINK') throw err;
        link = true;
      }
    }
    if (!link) return fsp.open(p, 'r');
    const [real, root] = await Promise.all([fsp.realpath(p), fsp.realpath(this.dir)]);
    const rel = path.relative(root, real);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return 'outside';
    return fsp.open(real, fsConstants.O_RDONLY | noFollow);
  }

  private async reject(name: string, why: string, content?: Buffer, cause?: unknown): Promise<void> {
    const p = path.join(this.dir, name);
    this.rejected++;
    const moved = await this.retire(name, this.errorDir);
    this.error(
      new FileSourceError('FILE_REJECTED', `spool file ${name} ${why}; ${moved ? `moved to ${this.errorDir}` : 'left in place'}`, {
        file: moved ? path.join(this.errorDir, name) : p,
        text: content?.toString('utf8'),
        cause,
      }),
    );
  }

  /** Moves a file to `toDir` (null: deletes it). On failure it is reported and never handed out again in this run. */
  private async retire(name: string, toDir: string | null): Promise<boolean> {
    const p = path.join(this.dir, name);
    try {
      if (toDir === null) await fsp.rm(p, { force: true });
      else await moveFile(p, path.join(toDir, name));
      this.tracked.delete(name);
      this.recentlyRetired.add(name);
      return true;
    } catch (err) {
      this.settled.add(name);
      this.error(new FileSourceError('IO', `could not ${toDir ? `move ${name} to ${toDir}` : `delete ${name}`}: ${(err as Error).message}`, { file: p, cause: err }));
      return false;
    }
  }
}

/**
 * Reads a file of known size with as few calls as possible (usually one). Asks
 * for one byte more than expected: getting it means the file grew meanwhile,
 * which the caller sees as a length mismatch.
 */
async function readExactly(fh: fsp.FileHandle, size: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(size + 1);
  let got = 0;
  while (got < buf.length) {
    const { bytesRead } = await fh.read(buf, got, buf.length - got, got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return buf.subarray(0, got);
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await fsp.stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** rename, creating the target folder if needed; copy + unlink across file systems. */
async function moveFile(from: string, to: string): Promise<void> {
  try {
    await fsp.rename(from, to);
    return;
  } catch (err) {
    const code = errCode(err);
    if (code === 'ENOENT') {
      await fsp.mkdir(path.dirname(to), { recursive: true });
      try {
        await fsp.rename(from, to);
        return;
      } catch (again) {
        if (errCode(again) !== 'EXDEV') throw again;
      }
    } else if (code !== 'EXDEV') {
      throw err;
    }
  }
  await fsp.copyFile(from, to);
  await fsp.unlink(from);
}

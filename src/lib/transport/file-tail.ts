/**
 * Follows one growing text file line by line (like `tail -F`), at-least-once:
 * the position after each handled line is checkpointed on an interval and on
 * close, so a clean restart neither loses nor repeats a line and a crash only
 * repeats. Handles rotation by rename (the old file is finished first),
 * truncation, deletion and a file that does not exist yet.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { CheckpointStore } from './checkpoint';
import { FileIdentity, findByIdentity, isFileIdentity, isSameFile, statHandle, statPath } from './file-identity';
import { FileLineReader, LineReaderOptions, lastLineBoundary, openRegularFile } from './line-reader';
import { makeDecoder } from './line-splitter';
import { FileSourceError, FileSourceEvent, LineHandler, positiveOption } from './file-source';
import { compileNamePattern } from './name-pattern';
import { SourceLoop } from './source-loop';

/** What a file tail stores in its checkpoint. */
export interface FileTailCheckpoint {
  version: 1;
  /** The followed path (a checkpoint of another path is ignored). */
  path: string;
  /** The file being read, or null: the next file found at `path` is new and read from 0. */
  file: FileIdentity | null;
  /** Position after the last handled line of `file`. */
  offset: number;
}

/** Options of {@link createFileTail}. */
export interface FileTailOptions {
  /** The file to follow, e.g. `/var/log/freeswitch/cdr-csv/Master.csv`. */
  path: string;
  /** Called for each complete line, in order, one at a time (see {@link LineHandler}). */
  onLine: LineHandler;
  /** Where the position is kept across restarts; without it every start follows `startAt`. */
  checkpoint?: CheckpointStore<FileTailCheckpoint>;
  /**
   * Where to begin in a file already present at start when there is no usable
   * checkpoint: 'end' (only new lines, default) or 'beginning'. A file that
   * appears later is always read from its beginning.
   */
  startAt?: 'beginning' | 'end';
  /** Poll interval in ms, the source of truth for changes (default 1000). */
  pollIntervalMs?: number;
  /** How often the committed position is written to the checkpoint, in ms (default 1000). */
  checkpointIntervalMs?: number;
  /**
   * After the file was renamed away or deleted, how long the old file must stay
   * unchanged before it is closed and the new one is read, in ms (default 1000):
   * covers writers that still append to the old file until they reopen.
   */
  rotationGraceMs?: number;
  /**
   * Names the rotated copies of the file get, e.g. `Master.csv.????-??-??-??-??-??`
   * (FreeSWITCH) — never a pattern that matches compressed copies. Used after a
   * restart that finds the checkpointed file rotated: copies rotated after it
   * (written while stopped) are read too, oldest first. Unset: only the
   * checkpointed file and then the file at `path` are read.
   */
  rotatedPattern?: string | RegExp;
  /** Longest line in bytes; longer ones are reported and skipped (default 1 MiB). */
  maxLineBytes?: number;
  /** Bytes read at a time (default 64 KiB). */
  chunkBytes?: number;
  /** Text encoding (default 'utf8'): a Buffer encoding or a TextDecoder label such as 'gbk'. */
  encoding?: string;
  /** Use fs.watch for promptness on top of polling (default true). */
  watch?: boolean;
  /** Errors (oversize line, handler failure, I/O, checkpoint); the tail keeps running. */
  onError?: (err: FileSourceError) => void;
  /** Notices (waiting, opened, resumed, rotated, truncated, …) for logs and status. */
  onEvent?: (ev: FileSourceEvent) => void;
}

/** Counters and position of a running tail. */
export interface FileTailStats {
  /** Lines handed to the handler since start. */
  lines: number;
  /** Errors reported since start. */
  errors: number;
  /** Times the file was checked for changes since start. */
  polls: number;
  /** The file being read (its path at open time), or null while waiting. */
  file: string | null;
  /** Position after the last handled line of that file. */
  offset: number;
}

/** A running file tail. */
export interface FileTail {
  /** Loads the checkpoint, opens the file (or starts waiting for it) and starts following. */
  start(): Promise<void>;
  /** Writes the committed position to the checkpoint now. */
  flush(): Promise<void>;
  /**
   * Stops after the line being handled, saves the position, and releases the
   * file, the watch and every timer. Safe to call more than once.
   */
  close(): Promise<void>;
  readonly stats: FileTailStats;
}

/** Creates a tail; call start() to begin. */
export function createFileTail(opts: FileTailOptions): FileTail {
  return new Tail(opts);
}

/** Shape check for a stored {@link FileTailCheckpoint}. */
export function isFileTailCheckpoint(v: unknown): v is FileTailCheckpoint {
  if (v === null || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  return (
    o.version === 1 &&
    typeof o.path === 'string' &&
    (o.file === null || isFileIdentity(o.file)) &&
    typeof o.offset === 'number' &&
    Number.isSafeInteger(o.offset) &&
    o.offset >= 0
  );
}

/** A file in the queue: the first is being read, the others wait their turn (held open). */
interface Current {
  reader: FileLineReader;
  /** The path no longer names this file: finish it, then move to the next. */
  gone: boolean;
  /** Last time the gone file grew (or was found gone). */
  goneSince: number;
}

class Tail extends SourceLoop<FileTailCheckpoint> implements FileTail {
  private readonly path: string;
  private readonly dir: string;
  private readonly base: string;
  private readonly opts: FileTailOptions;
  private readonly pollMs: number;
  private readonly graceMs: number;
  private readonly readerOpts: LineReaderOptions;
  /**
   * Files to read, oldest first: the first is being read; a file that appeared at
   * the path later is opened at once and waits here, so even a second rotation
   * before the first file is finished loses nothing.
   */
  private files: Current[] = [];
  private notFileReported = false;
  private linesBefore = 0;
  private waitingReported = false;

  constructor(opts: FileTailOptions) {
    if (!opts || typeof opts.path !== 'string' || opts.path === '') throw new TypeError('file tail: path is required');
    if (typeof opts.onLine !== 'function') throw new TypeError('file tail: onLine must be a function');
    const resolved = path.resolve(opts.path);
    const pollMs = positiveOption(opts.pollIntervalMs, 1000, 'pollIntervalMs');
    super({
      label: 'file tail',
      ioVerb: 'reading',
      watchDir: path.dirname(resolved),
      watch: opts.watch !== false,
      pollMs,
      checkpoint: opts.checkpoint,
      checkpointMs: positiveOption(opts.checkpointIntervalMs, 1000, 'checkpointIntervalMs'),
      onError: opts.onError,
      onEvent: opts.onEvent,
    });
    this.opts = opts;
    this.path = resolved;
    this.dir = path.dirname(this.path);
    this.base = path.basename(this.path);
    this.pollMs = pollMs;
    this.graceMs = opts.rotationGraceMs === 0 ? 0 : positiveOption(opts.rotationGraceMs, 1000, 'rotationGraceMs');
    this.readerOpts = {
      onLine: opts.onLine,
      onError: (err) => this.error(err),
      maxLineBytes: positiveOption(opts.maxLineBytes, 1024 * 1024, 'maxLineBytes'),
      chunkBytes: positiveOption(opts.chunkBytes, 64 * 1024, 'chunkBytes'),
      encoding: opts.encoding ?? 'utf8',
    };
    makeDecoder(this.readerOpts.encoding); // an unknown encoding fails here, not on the first line
    if (opts.rotatedPattern !== undefined) compileNamePattern(opts.rotatedPattern); // likewise a bad pattern
  }

  get stats(): FileTailStats {
    return {
      lines: this.linesBefore + this.files.reduce((n, f) => n + f.reader.lines, 0),
      errors: this.errors,
      polls: this.polls,
      file: this.files[0]?.reader.file ?? null,
      offset: this.files[0]?.reader.committed ?? 0,
    };
  }

  protected isRelevant(name: string | null): boolean {
    return name === null || name === this.base || this.files[0]?.gone === true;
  }

  protected ioSubject(): string {
    return this.files[0]?.reader.file ?? this.path;
  }

  protected async release(): Promise<void> {
    for (const f of this.files.splice(0)) await f.reader.close();
  }

  protected snapshot(): FileTailCheckpoint {
    const r = this.files[0]?.reader;
    return { version: 1, path: this.path, file: r ? r.identity : null, offset: r ? r.committed : 0 };
  }

  /** Decides where to begin: the checkpoint if it is usable, else the start policy. */
  protected async prepare(): Promise<void> {
    const cp = await this.loadCheckpoint(isFileTailCheckpoint, (c) => (c.path === this.path ? null : `the checkpoint is for ${c.path}, not ${this.path}`), this.path);
    if (cp) await this.resume(cp);
    else await this.startFresh();
  }

  private async startFresh(): Promise<void> {
    const fh = await openRegularFile(this.path);
    if (!fh) return; // appears later: read from 0
    // 'end' starts after the last complete line: a line being written right now is still read.
    const offset = this.opts.startAt === 'beginning' ? 0 : await lastLineBoundary(fh, (await statHandle(fh)).size, this.readerOpts.maxLineBytes);
    await this.adopt(this.path, fh, offset, false);
    this.event({ kind: 'opened', file: this.path, offset, message: `following ${this.path} from ${offset === 0 ? 'the beginning' : `its end (byte ${offset})`}` });
  }

  private async resume(cp: FileTailCheckpoint): Promise<void> {
    if (cp.file === null) return; // whatever is at the path now came after the checkpoint
    const id = cp.file;
    const fh = await openRegularFile(this.path);
    if (fh) {
      if (await isSameFile(fh, id)) {
        const size = (await statHandle(fh)).size;
        if (size < cp.offset) {
          await this.adopt(this.path, fh, 0, false);
          this.event({ kind: 'truncated', file: this.path, offset: 0, message: `${this.path} is shorter (${size} bytes) than the checkpoint (${cp.offset}); reading it from the beginning` });
        } else {
          await this.adopt(this.path, fh, cp.offset, false);
          this.event({ kind: 'resumed', file: this.path, offset: cp.offset, message: `resuming ${this.path} at byte ${cp.offset}` });
        }
        return;
      }
      await fh.close().catch(() => undefined);
    }
    // The checkpointed file is not at the path any more: rotated while we were stopped?
    const moved = await findByIdentity(this.dir, id);
    const mfh = moved ? await openRegularFile(moved) : null;
    if (moved && mfh) {
      await this.adopt(moved, mfh, cp.offset, true);
      this.event({ kind: 'resumed', file: moved, offset: cp.offset, message: `${this.path} was rotated to ${moved} while stopped; finishing it from byte ${cp.offset} first` });
      await this.queueLaterRotations(moved, mfh);
      return;
    }
    this.event({
      kind: fh ? 'replaced' : 'checkpoint-reset',
      file: this.path,
      offset: 0,
      message: `the file checkpointed for ${this.path} is gone; reading ${fh ? 'the file now there' : 'the file when it appears'} from the beginning`,
    });
  }

  /**
   * After a restart that found the checkpointed file rotated: files rotated
   * after it (matching `rotatedPattern`, modified later) were written while we
   * were stopped; they are queued, oldest first, before the file at the path.
   */
  private async queueLaterRotations(found: string, foundHandle: fsp.FileHandle): Promise<void> {
    if (this.opts.rotatedPattern === undefined) return;
    const pattern = compileNamePattern(this.opts.rotatedPattern);
    const since = (await foundHandle.stat()).mtimeMs;
    const later: { name: string; mtimeMs: number }[] = [];
    for (const name of await fsp.readdir(this.dir)) {
      if (name === this.base || name === path.basename(found) || !pattern.matches(name)) continue;
      const st = await fsp.stat(path.join(this.dir, name)).catch(() => null);
      if (st && st.isFile() && st.mtimeMs >= since) later.push({ name, mtimeMs: st.mtimeMs });
    }
    later.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.name < b.name ? -1 : 1));
    for (const { name } of later) {
      const p = path.join(this.dir, name);
      const fh = await openRegularFile(p);
      if (!fh) continue;
      await this.adopt(p, fh, 0, true);
      this.event({ kind: 'opened', file: p, offset: 0, message: `${p} was rotated while stopped, after the checkpointed file; reading it whole before ${this.path}` });
    }
  }

  private async adopt(file: string, fh: fsp.FileHandle, offset: number, gone: boolean): Promise<void> {
    try {
      const reader = await FileLineReader.fromHandle(file, fh, offset, this.readerOpts);
      this.files.push({ reader, gone, goneSince: Date.now() });
      this.waitingReported = false;
    } catch (err) {
      await fh.close().catch(() => undefined);
      throw err;
    }
  }


  /** One step; returns how long to wait before the next (0: at once). */
  protected async cycle(): Promise<number> {
    const stop = (): boolean => this.closing;
    this.polls++;
    try {
      await this.notePath();
    } catch (err) {
      // A new file we cannot open yet must not hold up what is left of the old one.
      if (this.files.length === 0) throw err;
      this.ioError(this.path, err);
    }
    const head = this.files[0];
    if (!head) {
      if (!this.waitingReported) {
        this.waitingReported = true;
        this.event({ kind: 'waiting', file: this.path, message: `waiting for ${this.path} to appear` });
      }
      return this.pollMs;
    }
    // Checked before reading: bytes read after a truncate-and-rewrite would be from the middle of a line.
    if (!head.gone && (await head.reader.wasRewritten())) {
      this.event({ kind: 'truncated', file: this.path, offset: 0, message: `${this.path} was truncated (read up to byte ${head.reader.readOffset}); reading it again from the beginning` });
      await head.reader.restartAt(0);
    }
    const grew = await head.reader.readAvailable(stop);
    if (this.closing) return 0;
    if (!head.gone) return grew ? 0 : this.pollMs;

    // The path names another file (or none): drain this one until it stays still for the grace time.
    if (grew) head.goneSince = Date.now();
    const left = head.goneSince + this.graceMs - Date.now();
    if (left > 0) return Math.min(left, this.pollMs);
    if (!(await head.reader.finish(stop))) return 0;
    this.linesBefore += head.reader.lines;
    this.files.shift();
    await head.reader.close();
    this.event({ kind: 'finished', file: head.reader.file, offset: head.reader.committed, message: `finished the old ${head.reader.file} at byte ${head.reader.committed}` });
    // The checkpoint moves on only now: a crash before this resumes the old file.
    await this.flush();
    return 0;
  }

  /**
   * Looks at what the path names now. A file not seen before (created, or the
   * new file after a rotation) is opened at once and queued; the file it
   * replaces is marked gone, to be finished first.
   */
  private async notePath(): Promise<void> {
    const newest = this.files[this.files.length - 1];
    const isNewest = (id: { dev: string; ino: string }): boolean =>
      newest !== undefined && newest.reader.identity.dev === id.dev && newest.reader.identity.ino === id.ino;
    const atPath = await statPath(this.path);
    if (atPath && !atPath.isFile) {
      // Something else than a file is there: reported once; what is queued is still read.
      if (!this.notFileReported) {
        this.notFileReported = true;
        this.error(new FileSourceError('IO', `${this.path} is not a regular file; waiting for a file there`, { file: this.path }));
      }
    } else {
      this.notFileReported = false;
    }
    if (atPath && atPath.isFile) {
      if (isNewest(atPath)) return;
      const fh = await openRegularFile(this.path);
      if (!fh) return; // replaced again meanwhile: the next poll sees what is there
      if (isNewest(await statHandle(fh))) {
        await fh.close().catch(() => undefined);
        return;
      }
      if (newest && !newest.gone) this.markGone(newest, true);
      await this.adopt(this.path, fh, 0, false);
      this.event({ kind: 'opened', file: this.path, offset: 0, message: `following ${this.path} from the beginning` });
      return;
    }
    if (newest && !newest.gone) this.markGone(newest, false);
  }

  private markGone(f: Current, rotated: boolean): void {
    f.gone = true;
    f.goneSince = Date.now();
    this.event(
      rotated
        ? { kind: 'rotated', file: this.path, offset: f.reader.committed, message: `${this.path} was rotated; finishing the old file before the new one` }
        : { kind: 'deleted', file: this.path, offset: f.reader.committed, message: `${this.path} was deleted; finishing what is left of it` },
    );
  }
}

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
import { FileSourceError, FileSourceEvent, LineHandler, positiveOption, safeCall } from './file-source';
import { WakeSignal } from './wake-signal';

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

interface Current {
  reader: FileLineReader;
  /** The path no longer names this file: finish it, then move to the new one. */
  gone: boolean;
  /** Last time the gone file grew (or was found gone). */
  goneSince: number;
}

class Tail implements FileTail {
  private readonly path: string;
  private readonly dir: string;
  private readonly base: string;
  private readonly opts: FileTailOptions;
  private readonly pollMs: number;
  private readonly checkpointMs: number;
  private readonly graceMs: number;
  private readonly readerOpts: LineReaderOptions;
  private cur: Current | null = null;
  private linesBefore = 0;
  private errors = 0;
  private polls = 0;
  private waitingReported = false;
  private started = false;
  private closing = false;
  private closed: Promise<void> | null = null;
  private loop: Promise<void> | null = null;
  private wake: WakeSignal | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private lastSaved = '';
  private lastIoError = '';

  constructor(opts: FileTailOptions) {
    if (!opts || typeof opts.path !== 'string' || opts.path === '') throw new TypeError('file tail: path is required');
    if (typeof opts.onLine !== 'function') throw new TypeError('file tail: onLine must be a function');
    this.opts = opts;
    this.path = path.resolve(opts.path);
    this.dir = path.dirname(this.path);
    this.base = path.basename(this.path);
    this.pollMs = positiveOption(opts.pollIntervalMs, 1000, 'pollIntervalMs');
    this.checkpointMs = positiveOption(opts.checkpointIntervalMs, 1000, 'checkpointIntervalMs');
    this.graceMs = opts.rotationGraceMs === 0 ? 0 : positiveOption(opts.rotationGraceMs, 1000, 'rotationGraceMs');
    this.readerOpts = {
      onLine: opts.onLine,
      onError: (err) => this.error(err),
      maxLineBytes: positiveOption(opts.maxLineBytes, 1024 * 1024, 'maxLineBytes'),
      chunkBytes: positiveOption(opts.chunkBytes, 64 * 1024, 'chunkBytes'),
      encoding: opts.encoding ?? 'utf8',
    };
    makeDecoder(this.readerOpts.encoding); // an unknown encoding fails here, not on the first line
  }

  get stats(): FileTailStats {
    return {
      lines: this.linesBefore + (this.cur?.reader.lines ?? 0),
      errors: this.errors,
      polls: this.polls,
      file: this.cur?.reader.file ?? null,
      offset: this.cur?.reader.committed ?? 0,
    };
  }

  async start(): Promise<void> {
    if (this.started) throw new Error('file tail: already started');
    this.started = true;
    try {
      await this.restore();
    } catch (err) {
      // e.g. no permission yet: the loop keeps trying and reports; whatever is found later is read from 0.
      this.ioError(this.path, err);
    }
    this.lastSaved = JSON.stringify(this.snapshot());
    this.wake = new WakeSignal(this.dir, (name) => name === null || name === this.base || this.cur?.gone === true, this.opts.watch !== false, this.pollMs);
    this.flushTimer = setInterval(() => {
      this.flush().catch(() => undefined);
    }, this.checkpointMs);
    this.loop = this.run();
  }

  async flush(): Promise<void> {
    const store = this.opts.checkpoint;
    if (!store) return;
    const state = this.snapshot();
    const key = JSON.stringify(state);
    if (key === this.lastSaved) return;
    try {
      await store.save(state);
      this.lastSaved = key;
    } catch (err) {
      this.error(new FileSourceError('CHECKPOINT', `could not save the checkpoint ${store.file}: ${(err as Error).message}`, { file: this.path, cause: err }));
    }
  }

  close(): Promise<void> {
    if (!this.closed) this.closed = this.shutdown();
    return this.closed;
  }

  private async shutdown(): Promise<void> {
    this.closing = true;
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.flushTimer = null;
    this.wake?.close();
    if (this.loop) await this.loop;
    if (this.started) await this.flush();
    if (this.cur) await this.cur.reader.close();
  }

  private snapshot(): FileTailCheckpoint {
    const r = this.cur?.reader;
    return { version: 1, path: this.path, file: r ? r.identity : null, offset: r ? r.committed : 0 };
  }

  /** Decides where to begin: the checkpoint if it is usable, else the start policy. */
  private async restore(): Promise<void> {
    const store = this.opts.checkpoint;
    if (store) {
      let loaded;
      try {
        loaded = await store.load();
      } catch (err) {
        this.error(new FileSourceError('CHECKPOINT', `could not read the checkpoint ${store.file}: ${(err as Error).message}`, { file: this.path, cause: err }));
        loaded = { status: 'missing' as const };
      }
      if (loaded.status === 'corrupt') {
        this.event({ kind: 'checkpoint-reset', file: this.path, message: `${loaded.warning ?? 'checkpoint unusable'}; starting at the ${this.opts.startAt ?? 'end'} of ${this.path}` });
      } else if (loaded.status === 'ok' && !isFileTailCheckpoint(loaded.state)) {
        this.event({ kind: 'checkpoint-reset', file: this.path, message: `checkpoint ${store.file} has an unexpected shape; starting at the ${this.opts.startAt ?? 'end'} of ${this.path}` });
      } else if (loaded.status === 'ok' && loaded.state && loaded.state.path !== this.path) {
        this.event({ kind: 'checkpoint-reset', file: this.path, message: `checkpoint ${store.file} is for ${loaded.state.path}, not ${this.path}; starting at the ${this.opts.startAt ?? 'end'}` });
      } else if (loaded.status === 'ok' && loaded.state) {
        await this.resume(loaded.state);
        return;
      }
    }
    await this.startFresh();
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
      return;
    }
    this.event({
      kind: fh ? 'replaced' : 'checkpoint-reset',
      file: this.path,
      offset: 0,
      message: `the file checkpointed for ${this.path} is gone; reading ${fh ? 'the file now there' : 'the file when it appears'} from the beginning`,
    });
  }

  private async adopt(file: string, fh: fsp.FileHandle, offset: number, gone: boolean): Promise<void> {
    try {
      const reader = await FileLineReader.fromHandle(file, fh, offset, this.readerOpts);
      this.cur = { reader, gone, goneSince: Date.now() };
      this.waitingReported = false;
    } catch (err) {
      await fh.close().catch(() => undefined);
      throw err;
    }
  }


  private async run(): Promise<void> {
    while (!this.closing) {
      let delay: number;
      try {
        delay = await this.cycle();
        this.lastIoError = '';
      } catch (err) {
        this.ioError(this.cur?.reader.file ?? this.path, err);
        delay = this.pollMs;
      }
      if (this.closing) break;
      if (delay > 0) await this.wake!.wait(delay);
    }
  }

  /** One step; returns how long to wait before the next (0: at once). */
  private async cycle(): Promise<number> {
    const stop = (): boolean => this.closing;
    this.polls++;
    if (!this.cur) {
      const fh = await openRegularFile(this.path);
      if (!fh) {
        if (!this.waitingReported) {
          this.waitingReported = true;
          this.event({ kind: 'waiting', file: this.path, message: `waiting for ${this.path} to appear` });
        }
        return this.pollMs;
      }
      await this.adopt(this.path, fh, 0, false);
      this.event({ kind: 'opened', file: this.path, offset: 0, message: `following ${this.path} from the beginning` });
    }
    const cur = this.cur!;
    const grew = await cur.reader.readAvailable(stop);
    if (this.closing) return 0;

    if (!cur.gone) {
      const atPath = await statPath(this.path);
      const mine = await statHandle(cur.reader.handle);
      if (atPath && atPath.dev === mine.dev && atPath.ino === mine.ino) {
        if (mine.size < cur.reader.readOffset) {
          this.event({ kind: 'truncated', file: this.path, offset: 0, message: `${this.path} was truncated (${mine.size} < ${cur.reader.readOffset} bytes); reading it again from the beginning` });
          await cur.reader.restartAt(0);
          return 0;
        }
        return grew ? 0 : this.pollMs;
      }
      cur.gone = true;
      cur.goneSince = Date.now();
      this.event(
        atPath
          ? { kind: 'rotated', file: this.path, offset: cur.reader.committed, message: `${this.path} was rotated; finishing the old file before the new one` }
          : { kind: 'deleted', file: this.path, offset: cur.reader.committed, message: `${this.path} was deleted; finishing what is left of it` },
      );
      return 0;
    }

    // The path names another file (or none): drain the old one until it stays still for the grace time.
    if (grew) cur.goneSince = Date.now();
    const left = cur.goneSince + this.graceMs - Date.now();
    if (left > 0) return Math.min(left, this.pollMs);
    if (!(await cur.reader.finish(stop))) return 0;
    this.linesBefore += cur.reader.lines;
    this.cur = null;
    await cur.reader.close();
    this.event({ kind: 'finished', file: cur.reader.file, offset: cur.reader.committed, message: `finished the old ${cur.reader.file} at byte ${cur.reader.committed}` });
    // The checkpoint moves on only now: a crash before this resumes the old file.
    await this.flush();
    return 0;
  }

  /** Reports an I/O failure; a lasting condition (permissions, a missing mount) once, not on every poll. */
  private ioError(file: string, err: unknown): void {
    const message = `reading ${file} failed: ${(err as Error)?.message ?? String(err)}; retrying`;
    if (message !== this.lastIoError) this.error(new FileSourceError('IO', message, { file, cause: err }));
    this.lastIoError = message;
  }

  private error(err: FileSourceError): void {
    this.errors++;
    safeCall(this.opts.onError, err);
  }

  private event(ev: FileSourceEvent): void {
    safeCall(this.opts.onEvent, ev);
  }
}

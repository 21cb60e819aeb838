/**
 * Follows a directory of files whose names sort in time order (VOS3000 writes
 * an hourly `YYYYMMDDHH.txt`): reads them in order, line by line, and follows
 * the newest as it grows. When a newer file appears the older one is finished
 * first. At-least-once with a checkpoint of which file and which offset.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { CheckpointStore, errCode } from './checkpoint';
import { FileIdentity, isFileIdentity, isSameFile, statHandle, statPath } from './file-identity';
import { FileLineReader, LineReaderOptions, lastLineBoundary, openRegularFile } from './line-reader';
import { makeDecoder } from './line-splitter';
import { FileSourceError, FileSourceEvent, LineHandler, positiveOption } from './file-source';
import { NamePattern, compareKeyed, compileNamePattern } from './name-pattern';
import { SourceLoop } from './source-loop';

/** A file name with its sort key. */
export interface KeyedName {
  name: string;
  key: string;
}

/** What a directory follower stores in its checkpoint. */
export interface DirFollowCheckpoint {
  version: 1;
  /** The followed directory (a checkpoint of another directory is ignored). */
  dir: string;
  /** The file being read, or null between files. */
  file: { name: string; identity: FileIdentity } | null;
  /** Position after the last handled line of `file`. */
  offset: number;
  /** The last file read to its end: it and every file sorting before it are done. */
  done: KeyedName | null;
}

/** Options of {@link createDirFollower}. */
export interface DirFollowOptions {
  /** The directory, e.g. VOS3000's `cdr/`. */
  dir: string;
  /**
   * Which file names to read: a glob (`??????????.txt`), a `/regex/` string or a
   * RegExp. The sort key is the regex group `key`, else its first group, else the name.
   */
  pattern: string | RegExp;
  /** Overrides the sort key of a matching name (return null to ignore the file). */
  sortKey?: (name: string) => string | null;
  /** Called for each complete line, in order, one at a time (see {@link LineHandler}). */
  onLine: LineHandler;
  /** Where the position is kept across restarts. */
  checkpoint?: CheckpointStore<DirFollowCheckpoint>;
  /**
   * Without a usable checkpoint: read the files present at start whose sort key
   * is ≥ this value (a date prefix such as `2024050100` works with hourly names),
   * from their beginning. Unset: only the newest file present is read, from `startAt`.
   */
  backfillFrom?: string;
  /** Without checkpoint or backfill: where to begin in the newest file present at start (default 'end'). */
  startAt?: 'beginning' | 'end';
  /** Poll interval in ms (default 1000). */
  pollIntervalMs?: number;
  /** How often the position is written to the checkpoint, in ms (default 1000). */
  checkpointIntervalMs?: number;
  /**
   * Once a newer file exists, how long the older one must stay unchanged before
   * it is closed for good, in ms (default 2000): a writer may add its last lines
   * to the old hour's file just after opening the new one.
   */
  finishGraceMs?: number;
  /** Longest line in bytes (default 1 MiB). */
  maxLineBytes?: number;
  /** Bytes read at a time (default 64 KiB). */
  chunkBytes?: number;
  /** Text encoding (default 'utf8'): a Buffer encoding or a TextDecoder label such as 'gbk'. */
  encoding?: string;
  /** Use fs.watch on top of polling (default true). */
  watch?: boolean;
  onError?: (err: FileSourceError) => void;
  onEvent?: (ev: FileSourceEvent) => void;
}

/** Counters and position of a running follower. */
export interface DirFollowStats {
  lines: number;
  errors: number;
  /** Checks for changes since start. */
  polls: number;
  /** Files read to their end since start. */
  filesFinished: number;
  /** The file being read, or null. */
  file: string | null;
  offset: number;
}

/** A running directory follower. */
export interface DirFollower {
  /** Loads the checkpoint and starts following. */
  start(): Promise<void>;
  /** Writes the committed position to the checkpoint now. */
  flush(): Promise<void>;
  /** Stops after the line in hand, saves the position, releases files, watch and timers. */
  close(): Promise<void>;
  readonly stats: DirFollowStats;
}

/** Creates a directory follower; call start() to begin. */
export function createDirFollower(opts: DirFollowOptions): DirFollower {
  return new Follower(opts);
}

/** Shape check for a stored {@link DirFollowCheckpoint}. */
export function isDirFollowCheckpoint(v: unknown): v is DirFollowCheckpoint {
  if (v === null || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  const keyed = (k: unknown): boolean =>
    k === null || (typeof k === 'object' && typeof (k as KeyedName).name === 'string' && typeof (k as KeyedName).key === 'string');
  const file = o.file as { name?: unknown; identity?: unknown } | null;
  return (
    o.version === 1 &&
    typeof o.dir === 'string' &&
    (file === null || (typeof file === 'object' && typeof file.name === 'string' && isFileIdentity(file.identity))) &&
    typeof o.offset === 'number' &&
    Number.isSafeInteger(o.offset) &&
    o.offset >= 0 &&
    keyed(o.done)
  );
}

interface Current extends KeyedName {
  reader: FileLineReader;
  /** A newer file exists or this one is gone: finish it. */
  finishing: boolean;
  since: number;
}

class Follower extends SourceLoop<DirFollowCheckpoint> implements DirFollower {
  private readonly dir: string;
  private readonly opts: DirFollowOptions;
  private readonly pattern: NamePattern;
  private readonly pollMs: number;
  private readonly graceMs: number;
  private readonly readerOpts: LineReaderOptions;
  private cur: Current | null = null;
  private done: KeyedName | null = null;
  /** Before the first file is done: which files count (start policy). */
  private admit: (e: KeyedName) => boolean = () => true;
  /** Where to begin in one file at start (startAt 'end' of the newest file). */
  private firstOffset: { name: string; offset: number } | null = null;
  /** Names listed so far (to notice late arrivals); null before the first scan. */
  private seen: Set<string> | null = null;
  private linesBefore = 0;
  private filesFinished = 0;
  private dirMissingReported = false;
  private listCache: KeyedName[] | null = null;
  private listDirty = true;
  private lastScan = 0;

  constructor(opts: DirFollowOptions) {
    if (!opts || typeof opts.dir !== 'string' || opts.dir === '') throw new TypeError('directory follower: dir is required');
    if (typeof opts.onLine !== 'function') throw new TypeError('directory follower: onLine must be a function');
    const dir = path.resolve(opts.dir);
    const pollMs = positiveOption(opts.pollIntervalMs, 1000, 'pollIntervalMs');
    super({
      label: 'directory follower',
      ioVerb: 'following',
      watchDir: dir,
      watch: opts.watch !== false,
      pollMs,
      checkpoint: opts.checkpoint,
      checkpointMs: positiveOption(opts.checkpointIntervalMs, 1000, 'checkpointIntervalMs'),
      onError: opts.onError,
      onEvent: opts.onEvent,
    });
    this.opts = opts;
    this.dir = dir;
    this.pattern = compileNamePattern(opts.pattern, opts.sortKey);
    this.pollMs = pollMs;
    this.graceMs = opts.finishGraceMs === 0 ? 0 : positiveOption(opts.finishGraceMs, 2000, 'finishGraceMs');
    this.readerOpts = {
      onLine: opts.onLine,
      onError: (err) => this.error(err),
      maxLineBytes: positiveOption(opts.maxLineBytes, 1024 * 1024, 'maxLineBytes'),
      chunkBytes: positiveOption(opts.chunkBytes, 64 * 1024, 'chunkBytes'),
      encoding: opts.encoding ?? 'utf8',
    };
    makeDecoder(this.readerOpts.encoding); // an unknown encoding fails here, not on the first line
  }

  get stats(): DirFollowStats {
    return {
      lines: this.linesBefore + (this.cur?.reader.lines ?? 0),
      errors: this.errors,
      polls: this.polls,
      filesFinished: this.filesFinished,
      file: this.cur?.reader.file ?? null,
      offset: this.cur?.reader.committed ?? 0,
    };
  }

  protected isRelevant(name: string | null): boolean {
    const relevant = name === null || this.pattern.matches(name);
    // A name not listed yet means the listing is stale.
    if (relevant && (name === null || !this.seen?.has(name))) this.listDirty = true;
    return relevant;
  }

  protected ioSubject(): string {
    return this.cur?.reader.file ?? this.dir;
  }

  protected async release(): Promise<void> {
    if (this.cur) await this.cur.reader.close();
  }

  protected snapshot(): DirFollowCheckpoint {
    const c = this.cur;
    return {
      version: 1,
      dir: this.dir,
      file: c ? { name: c.name, identity: c.reader.identity } : null,
      offset: c ? c.reader.committed : 0,
      done: this.done,
    };
  }

  protected async prepare(): Promise<void> {
    const cp = await this.loadCheckpoint(isDirFollowCheckpoint, (c) => (c.dir === this.dir ? null : `the checkpoint is for ${c.dir}, not ${this.dir}`), this.dir);
    if (cp) await this.resume(cp);
    else await this.startFresh();
  }

  private reset(why: string): void {
    this.event({ kind: 'checkpoint-reset', file: this.dir, message: `${why}; starting by the start policy` });
  }

  private async startFresh(): Promise<void> {
    const from = this.opts.backfillFrom;
    if (from !== undefined && from !== '') {
      this.admit = (e) => e.key >= from;
      return;
    }
    const present = await this.scan();
    const newest = present[present.length - 1];
    if (!newest) return; // nothing yet: every file that appears is read whole
    this.admit = (e) => compareKeyed(e, newest) >= 0;
    if (this.opts.startAt !== 'beginning') {
      const fh = await openRegularFile(path.join(this.dir, newest.name));
      if (fh) {
        try {
          // After the last complete line: a line being written right now is still read.
          this.firstOffset = { name: newest.name, offset: await lastLineBoundary(fh, (await statHandle(fh)).size, this.readerOpts.maxLineBytes) };
        } finally {
          await fh.close().catch(() => undefined);
        }
      }
    }
  }

  private async resume(cp: DirFollowCheckpoint): Promise<void> {
    this.done = cp.done;
    if (!cp.file) {
      // Nothing read yet in the last run: only a backfill limit still applies.
      const from = this.opts.backfillFrom;
      if (!cp.done && from !== undefined && from !== '') this.admit = (e) => e.key >= from;
      return;
    }
    const key = this.pattern.key(cp.file.name);
    if (key === null) {
      this.reset(`checkpointed file ${cp.file.name} no longer matches ${this.pattern.source}`);
      return;
    }
    const p = path.join(this.dir, cp.file.name);
    const fh = await openRegularFile(p);
    if (fh && (await isSameFile(fh, cp.file.identity))) {
      const size = (await statHandle(fh)).size;
      const offset = size < cp.offset ? 0 : cp.offset;
      await this.adopt({ name: cp.file.name, key }, fh, offset);
      this.event(
        offset === cp.offset
          ? { kind: 'resumed', file: p, offset, message: `resuming ${p} at byte ${offset}` }
          : { kind: 'truncated', file: p, offset: 0, message: `${p} is shorter than the checkpoint; reading it from the beginning` },
      );
      return;
    }
    if (fh) {
      // Same name, other file: it is new to us, read it whole (done stays before it).
      await fh.close().catch(() => undefined);
      this.event({ kind: 'replaced', file: p, offset: 0, message: `${p} is not the file checkpointed under that name; reading it from the beginning` });
      return;
    }
    this.event({ kind: 'checkpoint-reset', file: p, message: `checkpointed file ${p} is gone; going on with the next file` });
    this.done = { name: cp.file.name, key };
  }

  private async adopt(e: KeyedName, fh: fsp.FileHandle, offset: number): Promise<void> {
    try {
      const reader = await FileLineReader.fromHandle(path.join(this.dir, e.name), fh, offset, this.readerOpts);
      this.cur = { name: e.name, key: e.key, reader, finishing: false, since: Date.now() };
    } catch (err) {
      await fh.close().catch(() => undefined);
      throw err;
    }
  }

  /** Matching regular files, sorted by key then name; [] if the directory is missing. */
  private async scan(): Promise<KeyedName[]> {
    let entries;
    try {
      entries = await fsp.readdir(this.dir, { withFileTypes: true });
    } catch (err) {
      const code = errCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        if (!this.dirMissingReported) {
          this.dirMissingReported = true;
          this.event({ kind: 'waiting', file: this.dir, message: `waiting for directory ${this.dir} to appear` });
        }
        return [];
      }
      throw err;
    }
    this.dirMissingReported = false;
    const out: KeyedName[] = [];
    for (const d of entries) {
      if (!(d.isFile() || d.isSymbolicLink())) continue;
      const key = this.pattern.key(d.name);
      if (key !== null) out.push({ name: d.name, key });
    }
    return out.sort(compareKeyed);
  }

  private isNext(e: KeyedName): boolean {
    return this.done ? compareKeyed(e, this.done) > 0 : this.admit(e);
  }

  protected async cycle(): Promise<number> {
    const stop = (): boolean => this.closing;
    this.polls++;
    // While the newest file grows fast, listing a directory of thousands of hourly files on
    // every read would be waste: list once per poll interval, or at once when a new name shows up.
    let list = this.listCache;
    if (!list || this.listDirty || Date.now() - this.lastScan >= this.pollMs) {
      this.listDirty = false;
      this.lastScan = Date.now();
      try {
        list = await this.scan();
      } catch (err) {
        // An unreadable listing must not hold up the file being read.
        if (!this.cur) throw err;
        this.ioError(this.dir, err);
        list = this.listCache ?? [];
      }
      this.listCache = list;
      this.reportLateFiles(list);
    }
    if (!this.cur) {
      const next = list.find((e) => this.isNext(e));
      if (!next) return this.pollMs;
      const p = path.join(this.dir, next.name);
      const fh = await openRegularFile(p);
      if (!fh) {
        this.listDirty = true; // vanished since the listing, or not a regular file
        return this.pollMs;
      }
      const offset = this.firstOffset?.name === next.name ? this.firstOffset.offset : 0;
      this.firstOffset = null;
      await this.adopt(next, fh, offset);
      this.event({ kind: 'opened', file: p, offset, message: `reading ${p} from ${offset === 0 ? 'the beginning' : `byte ${offset}`}` });
    }
    const cur = this.cur!;
    // Checked before reading: bytes read after a truncate-and-rewrite would be from the middle of a line.
    if (!cur.finishing && (await cur.reader.wasRewritten())) {
      this.event({ kind: 'truncated', file: cur.reader.file, offset: 0, message: `${cur.reader.file} was truncated; reading it again from the beginning` });
      await cur.reader.restartAt(0);
    }
    const grew = await cur.reader.readAvailable(stop);
    if (this.closing) return 0;

    const atName = await statPath(cur.reader.file);
    const mine = await statHandle(cur.reader.handle);
    const same = atName !== null && atName.dev === mine.dev && atName.ino === mine.ino;
    if (same && mine.size < cur.reader.readOffset) return 0; // truncated meanwhile: handled at the top
    const newer = list.some((e) => compareKeyed(e, cur) > 0);
    if (same && !newer) return grew ? 0 : this.pollMs;

    if (!cur.finishing) {
      cur.finishing = true;
      cur.since = Date.now();
      if (!same) {
        this.event({ kind: atName ? 'replaced' : 'deleted', file: cur.reader.file, offset: cur.reader.committed, message: `${cur.reader.file} was ${atName ? 'replaced' : 'removed'}; finishing what was opened` });
      }
    }
    if (grew) cur.since = Date.now();
    const left = cur.since + this.graceMs - Date.now();
    if (left > 0) return Math.min(left, this.pollMs);
    if (!(await cur.reader.finish(stop))) return 0;
    // A file replaced under the same name is read again from 0, so it is not marked done.
    if (same || !atName) this.done = { name: cur.name, key: cur.key };
    this.linesBefore += cur.reader.lines;
    this.filesFinished++;
    this.cur = null;
    await cur.reader.close();
    this.event({ kind: 'finished', file: cur.reader.file, offset: cur.reader.committed, message: `finished ${cur.reader.file} at byte ${cur.reader.committed}` });
    await this.flush();
    return 0;
  }

  /** A file that appears after start sorting before the position will not be read: say so once. */
  private reportLateFiles(list: KeyedName[]): void {
    const first = this.seen === null;
    if (this.seen === null) this.seen = new Set<string>();
    const mark = this.cur ?? this.done;
    for (const e of list) {
      if (this.seen.has(e.name)) continue;
      this.seen.add(e.name);
      if (first || !mark || compareKeyed(e, mark) >= 0) continue;
      this.event({ kind: 'skipped', file: path.join(this.dir, e.name), message: `${e.name} appeared but sorts before ${mark.name}, which is already being read; it is not read` });
    }
  }
}


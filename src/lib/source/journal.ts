/**
 * The durable journal of one source: an append-only log of segment files in a
 * directory of its own. A record is appended with its length and a CRC-32, and
 * is durable once its append promise resolved: concurrent appends share one
 * write and one fsync (group commit), so a busy HTTP source pays one fsync per
 * batch, not per record. Acknowledgements are appended to the same log; the
 * oldest segments are deleted once every record in them and in every older
 * segment is acknowledged, so disk use follows what is still unacknowledged.
 * Over the disk cap, appends are refused (JournalFullError) and nothing old is
 * dropped. At open, a torn or corrupt tail (a crash in mid-write) is detected
 * by its length or checksum and skipped with a warning, and every record not
 * acknowledged is handed back for replay.
 *
 * On disk, each entry is `u32 length | u32 crc32(body) | body`, big-endian,
 * where body is `'R' u48 seq data` (a record) or `'A' (u48 first, u32 count)*`
 * (ranges of acknowledged sequence numbers). Segment `seg-<n>.log`: n orders them.
 */
import * as fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { crc32 } from './crc32';
import { lockJournalDir, type JournalLock } from './journal-lock';

export type FsyncPolicy = 'always' | 'never';

export interface JournalOptions {
  /** The journal's own directory (created if missing). */
  dir: string;
  /** Disk cap in bytes (default 256 MiB): over it, new records are refused. */
  maxBytes?: number;
  /** A segment is closed and a new one begun past this size (default 8 MiB, at most a quarter of the cap). */
  segmentBytes?: number;
  /**
   * 'always' (default): an append resolves once fsynced (survives a power cut).
   * 'never': once written to the operating system (survives a crash of the process, not of the machine).
   */
  fsync?: FsyncPolicy;
  /** Torn tails, corrupt entries, failures to delete a segment. */
  onWarning?: (message: string) => void;
  /** Who holds the directory, for the message another journal opening it gets (e.g. "vos-cdr-in node 3f2a"). */
  owner?: string;
}

/** A record kept in the journal. */
export interface JournalRecord {
  seq: number;
  data: Buffer;
}

/** Thrown by append() when the disk cap is reached: the record was not taken. */
export class JournalFullError extends Error {
  constructor(readonly maxBytes: number) {
    super(`the journal is full (${maxBytes} bytes of records not yet acknowledged)`);
    this.name = 'JournalFullError';
  }
}

export interface JournalStats {
  /** Bytes of the segments on disk, and of what is still being written. */
  bytes: number;
  maxBytes: number;
  segments: number;
  /** Records not yet acknowledged. */
  unacknowledged: number;
}

const HEADER = 8;
const REC = 0x52; // 'R'
const ACK = 0x41; // 'A'
const SEQ_BYTES = 6;
const SEGMENT_NAME = /^seg-(\d{12})\.log$/;

interface Segment {
  n: number;
  path: string;
  /** Open for appending (the current segment, or one whose last writes are still pending). */
  fd: number | null;
  /** Bytes in the file once every pending write is done. */
  size: number;
  /** Records in it not yet acknowledged. */
  live: number;
}

interface Located {
  segment: Segment;
  /** Where the record's data starts in the file, and its length. */
  offset: number;
  length: number;
}

interface Batch {
  done: Promise<void>;
  resolve(): void;
  reject(err: Error): void;
  /** Holds records (an fsync is due), not only acknowledgements. */
  records: boolean;
}

function newBatch(): Batch {
  let resolve: () => void = () => undefined;
  let reject: (err: Error) => void = () => undefined;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A failure is reported to whoever awaits it; nobody awaiting must not crash the process.
  done.catch(() => undefined);
  return { done, resolve, reject, records: false };
}

interface PendingWrite {
  segment: Segment;
  /** Bytes start..end of buf (records encoded side by side in a chunk share one). */
  buf: Buffer;
  start: number;
  end: number;
}

/** Records are encoded side by side into chunks this big (or one record's size when larger): no buffer per record. */
const CHUNK_BYTES = 256 * 1024;

/** UTF-16 length of a text or of its pieces together. */
export function textLength(text: string | readonly string[]): number {
  if (typeof text === 'string') return text.length;
  let n = 0;
  for (const piece of text) n += piece.length;
  return n;
}

const segmentPath = (dir: string, n: number): string => path.join(dir, `seg-${String(n).padStart(12, '0')}.log`);

function entry(body: Buffer): Buffer {
  const head = Buffer.allocUnsafe(HEADER);
  head.writeUInt32BE(body.length, 0);
  head.writeUInt32BE(crc32(body), 4);
  return Buffer.concat([head, body]);
}

function recordEntry(seq: number, data: Buffer): Buffer {
  const body = Buffer.allocUnsafe(1 + SEQ_BYTES + data.length);
  body[0] = REC;
  body.writeUIntBE(seq, 1, SEQ_BYTES);
  data.copy(body, 1 + SEQ_BYTES);
  return entry(body);
}

/** Sorted sequence numbers → ranges (first, count). */
export function toRanges(seqs: number[]): Array<[number, number]> {
  const sorted = [...seqs].sort((a, b) => a - b);
  const out: Array<[number, number]> = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s === last[0] + last[1]) last[1]++;
    else if (!last || s >= last[0] + last[1]) out.push([s, 1]);
  }
  return out;
}

function ackEntry(seqs: number[]): Buffer {
  const ranges = toRanges(seqs);
  const body = Buffer.allocUnsafe(1 + ranges.length * (SEQ_BYTES + 4));
  body[0] = ACK;
  let at = 1;
  for (const [first, count] of ranges) {
    body.writeUIntBE(first, at, SEQ_BYTES);
    body.writeUInt32BE(count, at + SEQ_BYTES);
    at += SEQ_BYTES + 4;
  }
  return entry(body);
}

const writev = (fd: number, bufs: Buffer[]): Promise<number> =>
  new Promise((resolve, reject) => fs.writev(fd, bufs, (err, n) => (err ? reject(err) : resolve(n))));
const fdatasync = (fd: number): Promise<void> => new Promise((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())));
const closeFd = (fd: number): Promise<void> => new Promise((resolve) => fs.close(fd, () => resolve()));

/** Writes every byte of `bufs` at the end of `fd` (writev may write less than asked, e.g. past IOV_MAX buffers). */
async function writeAll(fd: number, bufs: Buffer[]): Promise<void> {
  let rest = bufs;
  while (rest.length > 0) {
    let n = await writev(fd, rest.length > 1024 ? rest.slice(0, 1024) : rest);
    let i = 0;
    while (i < rest.length && n >= rest[i]!.length) n -= rest[i++]!.length;
    rest = i < rest.length ? [rest[i]!.subarray(n), ...rest.slice(i + 1)] : [];
  }
}

export class Journal {
  private readonly dir: string;
  private readonly maxBytes: number;
  private readonly segmentBytes: number;
  private readonly fsync: boolean;
  private readonly warn: (message: string) => void;
  private readonly segments: Segment[] = [];
  private readonly index = new Map<number, Located>();
  private current!: Segment;
  private nextSeq = 1;
  private pending: PendingWrite[] = [];
  /** Where appendText() encodes records, and how much of it is taken. */
  private chunk: Buffer = Buffer.allocUnsafeSlow(0);
  private chunkUsed = 0;
  /** One promise for everything in the next batch: a burst of 60,000 records makes one, not 60,000. */
  private next: Batch | null = null;
  private acks: number[] = [];
  private flushing = false;
  private scheduled = false;
  private closed = false;
  /** A write failed: the in-memory offsets no longer match the files, so nothing more is taken until reopened. */
  private failure: Error | null = null;
  /** flush() callers waiting for the batch being written now. */
  private inFlight: Array<() => void> = [];
  private readonly spaceWaiters: Array<() => void> = [];
  private lock: JournalLock | null = null;

  private constructor(opts: JournalOptions) {
    this.dir = path.resolve(opts.dir);
    this.maxBytes = opts.maxBytes ?? 256 * 1024 * 1024;
    if (!Number.isFinite(this.maxBytes) || this.maxBytes < 4096) throw new TypeError(`journal: maxBytes must be at least 4096, got ${opts.maxBytes}`);
    this.segmentBytes = Math.max(1024, Math.min(opts.segmentBytes ?? 8 * 1024 * 1024, Math.floor(this.maxBytes / 4)));
    this.fsync = (opts.fsync ?? 'always') === 'always';
    this.warn = opts.onWarning ?? (() => undefined);
  }

  /** Opens (or creates) the journal in `opts.dir`; gives the unacknowledged records to replay, oldest first. */
  static async open(opts: JournalOptions): Promise<{ journal: Journal; unacknowledged: JournalRecord[] }> {
    const j = new Journal(opts);
    // Taken before a byte is read: a second journal on the directory would corrupt both (JournalLockedError).
    j.lock = lockJournalDir(j.dir, opts.owner ?? `a journal of process ${process.pid}`);
    try {
      const unacknowledged = await j.load();
      return { journal: j, unacknowledged };
    } catch (err) {
      for (const s of j.segments) if (s.fd !== null) await closeFd(s.fd);
      j.lock.release();
      throw err;
    }
  }

  get stats(): JournalStats {
    return { bytes: this.bytes(), maxBytes: this.maxBytes, segments: this.segments.length, unacknowledged: this.index.size };
  }

  /** True when a record of `size` bytes would be refused now. */
  wouldRefuse(size = 0): boolean {
    return this.failure !== null || this.bytes() + HEADER + 1 + SEQ_BYTES + size > this.maxBytes;
  }

  /**
   * Appends a record. `durable` resolves once it is on disk (by the fsync
   * policy); it rejects if the write failed. Throws JournalFullError over the
   * cap, or the earlier write failure.
   */
  append(data: Buffer): { seq: number; durable: Promise<void> } {
    if (this.closed) throw new Error('the journal is closed');
    if (this.failure) throw this.failure;
    if (this.wouldRefuse(data.length)) throw new JournalFullError(this.maxBytes);
    if (this.current.size >= this.segmentBytes) this.rotate();
    const seq = this.nextSeq++;
    const buf = recordEntry(seq, data);
    return this.pushRecord(seq, buf, 0, buf.length, data.length);
  }

  /**
   * append() of a string's UTF-8 bytes, encoded straight into the entry (no
   * intermediate copy). Pieces are written one after the other, as their
   * concatenation would be, without building it.
   */
  appendText(text: string | readonly string[]): { seq: number; durable: Promise<void> } {
    if (this.closed) throw new Error('the journal is closed');
    if (this.failure) throw this.failure;
    // Encoded straight into the chunk: room for the worst case (3 bytes per UTF-16 unit) saves measuring it first.
    const bound = HEADER + 1 + SEQ_BYTES + textLength(text) * 3;
    if (this.chunk.length - this.chunkUsed < bound) this.newChunk(bound);
    const buf = this.chunk;
    const at = this.chunkUsed;
    const from = at + HEADER + 1 + SEQ_BYTES;
    let length = 0;
    if (typeof text === 'string') length = buf.write(text, from, 'utf8');
    else for (const piece of text) length += buf.write(piece, from + length, 'utf8');
    // Refused here, the bytes just written are left beyond chunkUsed: the next record overwrites them.
    if (this.wouldRefuse(length)) throw new JournalFullError(this.maxBytes);
    if (this.current.size >= this.segmentBytes) this.rotate();
    const seq = this.nextSeq++;
    const end = at + HEADER + 1 + SEQ_BYTES + length;
    buf[at + HEADER] = REC;
    buf.writeUIntBE(seq, at + HEADER + 1, SEQ_BYTES);
    buf.writeUInt32BE(end - at - HEADER, at);
    buf.writeUInt32BE(crc32(buf.subarray(at + HEADER, end)), at + 4);
    this.chunkUsed = end;
    return this.pushRecord(seq, buf, at, end, length);
  }

  /** A fresh chunk for records to come; the old one stays alive as long as pending writes point into it. */
  private newChunk(atLeast: number): void {
    this.chunk = Buffer.allocUnsafeSlow(Math.max(CHUNK_BYTES, atLeast));
    this.chunkUsed = 0;
  }

  private pushRecord(seq: number, buf: Buffer, start: number, end: number, length: number): { seq: number; durable: Promise<void> } {
    const segment = this.current;
    this.index.set(seq, { segment, offset: segment.size + HEADER + 1 + SEQ_BYTES, length });
    segment.live++;
    segment.size += end - start;
    // Right after the previous record in the same chunk and segment: the same write grows.
    const last = this.pending.length > 0 ? this.pending[this.pending.length - 1]! : null;
    if (last && last.buf === buf && last.end === start && last.segment === segment) last.end = end;
    else this.pending.push({ segment, buf, start, end });
    const batch = (this.next ??= newBatch());
    batch.records = true;
    this.schedule();
    return { seq, durable: batch.done };
  }

  /** Marks records delivered. Unknown or repeated sequence numbers are ignored. */
  ack(seqs: Iterable<number>): void {
    let any = false;
    for (const seq of seqs) {
      const at = this.index.get(seq);
      if (!at) continue;
      this.index.delete(seq);
      at.segment.live--;
      this.acks.push(seq);
      any = true;
    }
    if (!any || this.closed) return;
    this.schedule();
  }

  isUnacknowledged(seq: number): boolean {
    return this.index.has(seq);
  }

  /** The data of an unacknowledged record, read back from its segment (null once acknowledged). */
  async read(seq: number): Promise<Buffer | null> {
    const at = this.index.get(seq);
    if (!at) return null;
    const fh = await fsp.open(at.segment.path, 'r');
    try {
      const buf = Buffer.alloc(at.length);
      const { bytesRead } = await fh.read(buf, 0, at.length, at.offset);
      return bytesRead === at.length ? buf : null;
    } finally {
      await fh.close();
    }
  }

  /**
   * Resolves once everything appended or acknowledged so far is written (and
   * fsynced by the policy) — not later ones: under steady traffic it still resolves.
   */
  flush(): Promise<void> {
    if (this.pending.length > 0 || this.acks.length > 0) {
      // Goes out with the next batch.
      return (this.next ??= newBatch()).done;
    }
    if (this.flushing) return new Promise((resolve) => this.inFlight.push(resolve));
    return Promise.resolve();
  }

  /** Resolves when there may be room for new records again (acknowledgements freed a segment). */
  whenSpace(): Promise<void> {
    if (!this.wouldRefuse()) return Promise.resolve();
    return new Promise((resolve) => this.spaceWaiters.push(resolve));
  }

  /** Writes what is pending and closes the files. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush().catch(() => undefined);
    this.closed = true;
    for (const s of this.segments) {
      if (s.fd !== null) await closeFd(s.fd);
      s.fd = null;
    }
    this.lock?.release();
    this.lock = null;
    for (const w of this.spaceWaiters.splice(0)) w();
  }

  private bytes(): number {
    let n = 0;
    for (const s of this.segments) n += s.size;
    return n;
  }

  private rotate(): void {
    const n = this.current.n + 1;
    const segment: Segment = { n, path: segmentPath(this.dir, n), fd: fs.openSync(segmentPath(this.dir, n), 'a'), size: 0, live: 0 };
    this.segments.push(segment);
    this.current = segment;
  }

  private schedule(): void {
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.run();
    });
  }

  /** The group commit: everything appended since the last round goes out in one write and one fsync per segment. */
  private async run(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    while (this.pending.length > 0 || this.acks.length > 0) {
      if (this.acks.length > 0) {
        const buf = ackEntry(this.acks.splice(0));
        // Acknowledgements are small and never refused: a full journal must still be able to drain.
        this.current.size += buf.length;
        this.pending.push({ segment: this.current, buf, start: 0, end: buf.length });
      }
      const batch = this.pending;
      const waiters = this.next;
      this.pending = [];
      this.next = null;
      const inFlight = this.inFlight;
      this.inFlight = [];
      const hasRecords = waiters !== null && waiters.records;
      try {
        if (this.failure) throw this.failure;
        const touched: Segment[] = [];
        for (const w of batch) if (!touched.includes(w.segment)) touched.push(w.segment);
        for (const s of touched) {
          await writeAll(
            s.fd!,
            batch.filter((w) => w.segment === s).map((w) => w.buf.subarray(w.start, w.end)),
          );
          if (this.fsync && hasRecords) await fdatasync(s.fd!);
        }
      } catch (err) {
        this.failure = this.failure ?? new Error(`journal write failed: ${(err as Error).message}`);
      }
      // Segments freed by these acknowledgements go before anyone hears the batch is done.
      await this.dropAcknowledged();
      const failure = this.failure;
      if (waiters && failure) waiters.reject(failure);
      else waiters?.resolve();
      for (const resolve of inFlight) resolve();
    }
    this.flushing = false;
    for (const resolve of this.inFlight.splice(0)) resolve();
  }

  /** Deletes the oldest segments while every record in them is acknowledged. */
  private async dropAcknowledged(): Promise<void> {
    let dropped = false;
    // A segment whose records were acknowledged before their write went out (a
    // record handed on at once, a held one let go) still has that write to come
    // (appended during this round's awaits): it goes once written.
    while (this.segments.length > 1 && this.segments[0]!.live === 0 && !this.pending.some((w) => w.segment === this.segments[0])) {
      const s = this.segments.shift()!;
      if (s.fd !== null) await closeFd(s.fd);
      s.fd = null;
      try {
        await fsp.rm(s.path, { force: true });
      } catch (err) {
        this.warn(`could not delete journal segment ${s.path}: ${(err as Error).message}`);
      }
      dropped = true;
    }
    // Segments left behind the current one are written for good: release their handles.
    for (const s of this.segments) {
      if (s !== this.current && s.fd !== null && !this.pending.some((w) => w.segment === s)) {
        await closeFd(s.fd);
        s.fd = null;
      }
    }
    if (dropped && !this.wouldRefuse()) for (const w of this.spaceWaiters.splice(0)) w();
  }

  /** Reads every segment, rebuilds the index, deletes what is fully acknowledged and opens a new current segment. */
  private async load(): Promise<JournalRecord[]> {
    await fsp.mkdir(this.dir, { recursive: true });
    const names = (await fsp.readdir(this.dir)).filter((n) => SEGMENT_NAME.test(n)).sort();
    const data = new Map<number, Buffer>();
    let maxSeq = 0;
    for (const name of names) {
      const n = Number(SEGMENT_NAME.exec(name)![1]);
      const p = path.join(this.dir, name);
      const segment: Segment = { n, path: p, fd: null, size: 0, live: 0 };
      let content: Buffer;
      try {
        content = await fsp.readFile(p);
      } catch (err) {
        this.warn(`journal segment ${p} could not be read and is skipped: ${(err as Error).message}`);
        continue;
      }
      segment.size = content.length;
      this.segments.push(segment);
      let at = 0;
      while (at < content.length) {
        const problem = this.readEntry(content, at, segment, data);
        if (typeof problem === 'string') {
          this.warn(`journal segment ${p}: ${problem} at byte ${at}; the ${content.length - at} bytes from there on are skipped`);
          break;
        }
        maxSeq = Math.max(maxSeq, problem.seq);
        at = problem.next;
      }
    }
    this.nextSeq = maxSeq + 1;
    const last = this.segments[this.segments.length - 1];
    const n = Math.max(this.nextSeq, last ? last.n + 1 : 0);
    this.current = { n, path: segmentPath(this.dir, n), fd: fs.openSync(segmentPath(this.dir, n), 'a'), size: 0, live: 0 };
    this.segments.push(this.current);
    await this.dropAcknowledged();
    return [...this.index.keys()].sort((a, b) => a - b).map((seq) => ({ seq, data: Buffer.from(data.get(seq)!) }));
  }

  /** One entry at `at`: what it holds is applied; a string says why it is unreadable. */
  private readEntry(content: Buffer, at: number, segment: Segment, data: Map<number, Buffer>): { next: number; seq: number } | string {
    if (content.length - at < HEADER) return 'a torn entry header';
    const length = content.readUInt32BE(at);
    const sum = content.readUInt32BE(at + 4);
    if (length < 1 || at + HEADER + length > content.length) return `a torn entry (${length} bytes announced)`;
    const body = content.subarray(at + HEADER, at + HEADER + length);
    if (crc32(body) !== sum) return 'an entry whose checksum does not match';
    const next = at + HEADER + length;
    if (body[0] === REC && length >= 1 + SEQ_BYTES) {
      const seq = body.readUIntBE(1, SEQ_BYTES);
      if (!this.index.has(seq)) {
        this.index.set(seq, { segment, offset: at + HEADER + 1 + SEQ_BYTES, length: length - 1 - SEQ_BYTES });
        segment.live++;
      }
      data.set(seq, body.subarray(1 + SEQ_BYTES));
      return { next, seq };
    }
    if (body[0] === ACK && (length - 1) % (SEQ_BYTES + 4) === 0) {
      for (let i = 1; i < length; i += SEQ_BYTES + 4) {
        const first = body.readUIntBE(i, SEQ_BYTES);
        const count = body.readUInt32BE(i + SEQ_BYTES);
        for (let seq = first; seq < first + count; seq++) {
          const loc = this.index.get(seq);
          if (!loc) continue;
          this.index.delete(seq);
          loc.segment.live--;
          data.delete(seq);
        }
      }
      return { next, seq: 0 };
    }
    return `an entry of unknown kind ${body[0]}`;
  }
}

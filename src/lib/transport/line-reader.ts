/**
 * Reads lines from one open file, from a byte offset, handing each to the
 * consumer and waiting for it before the next: the read position runs ahead,
 * the committed position (what a checkpoint may store) only follows handled
 * lines. Memory is one chunk plus at most one line, whatever the file size.
 */
import { promises as fsp } from 'node:fs';
import { LineSplitter, SplitItem } from './line-splitter';
import { FileIdentity, HEAD_BYTES, hashHead, identify } from './file-identity';
import { FileSourceError, LineHandler, isThenable } from './file-source';
import { errCode } from './checkpoint';

/**
 * Opens a regular file for reading; null if nothing is there, or something
 * else than a regular file (a directory, a FIFO): that is never followed.
 */
export async function openRegularFile(p: string): Promise<fsp.FileHandle | null> {
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(p, 'r');
  } catch (err) {
    const code = errCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw err;
  }
  try {
    if ((await fh.stat()).isFile()) return fh;
  } catch (err) {
    await fh.close().catch(() => undefined);
    throw err;
  }
  await fh.close().catch(() => undefined);
  return null;
}

/** Options of {@link FileLineReader}. */
export interface LineReaderOptions {
  onLine: LineHandler;
  onError: (err: FileSourceError) => void;
  maxLineBytes: number;
  chunkBytes: number;
  encoding: string;
}

/**
 * The position just after the last newline before `size`, looking back at most
 * `maxBack` bytes: where to begin "at the end" of a file without cutting into a
 * line the writer is in the middle of. 0 if the file has no newline at all;
 * `size` if the last line is longer than `maxBack` (it would be skipped anyway).
 */
export async function lastLineBoundary(fh: fsp.FileHandle, size: number, maxBack: number): Promise<number> {
  const buf = Buffer.allocUnsafe(Math.min(64 * 1024, Math.max(1, size)));
  let end = size;
  const floor = Math.max(0, size - maxBack - 1);
  while (end > floor) {
    const start = Math.max(floor, end - buf.length);
    const { bytesRead } = await fh.read(buf, 0, end - start, start);
    if (bytesRead === 0) break;
    const nl = buf.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (nl !== -1) return start + nl + 1;
    end = start;
  }
  return floor === 0 ? 0 : size;
}

export class FileLineReader {
  /** The name lines are reported under. */
  readonly file: string;
  readonly handle: fsp.FileHandle;
  /** Identity of the file, its head hash refreshed as the file grows. */
  identity: FileIdentity;
  /** Position after the last line the handler finished with. */
  committed: number;
  /** Lines handed to the handler. */
  lines = 0;
  private readonly opts: LineReaderOptions;
  private readonly splitter: LineSplitter;
  private readonly buf: Buffer;

  private constructor(file: string, handle: fsp.FileHandle, identity: FileIdentity, offset: number, opts: LineReaderOptions) {
    this.file = file;
    this.handle = handle;
    this.identity = identity;
    this.committed = offset;
    this.opts = opts;
    this.splitter = new LineSplitter({ maxLineBytes: opts.maxLineBytes, encoding: opts.encoding }, offset);
    this.buf = Buffer.allocUnsafe(opts.chunkBytes);
  }

  /** Wraps an open handle; `offset` is where reading starts. */
  static async fromHandle(file: string, handle: fsp.FileHandle, offset: number, opts: LineReaderOptions): Promise<FileLineReader> {
    const id = await identify(handle, offset);
    return new FileLineReader(file, handle, id, offset, opts);
  }

  /** Position after the last byte read. */
  get readOffset(): number {
    return this.splitter.position;
  }

  /**
   * Reads and handles lines up to the current end of the file. Returns whether
   * any bytes were read; stops early (leaving `committed` behind) when `stop()`.
   */
  async readAvailable(stop: () => boolean): Promise<boolean> {
    let grew = false;
    while (!stop()) {
      const { bytesRead } = await this.handle.read(this.buf, 0, this.buf.length, this.splitter.position);
      if (bytesRead === 0) break;
      grew = true;
      const items = this.splitter.push(this.buf.subarray(0, bytesRead));
      if (!(await this.deliver(items, stop))) break;
    }
    if (grew) await this.refreshIdentity();
    return grew;
  }

  /** Hands over a last line without newline: only once the writer is done with the file. */
  async finish(stop: () => boolean): Promise<boolean> {
    return this.deliver(this.splitter.flush(), stop);
  }

  /** Starts over at `offset` (after a truncation). */
  async restartAt(offset: number): Promise<void> {
    this.splitter.reset(offset);
    this.committed = offset;
    this.identity = await identify(this.handle, offset);
  }

  /**
   * True if the open file no longer holds what was read: it got shorter than
   * the read position, or its first bytes changed (truncated and rewritten
   * past our position between two polls, as `copytruncate` can do).
   */
  async wasRewritten(): Promise<boolean> {
    const size = (await this.handle.stat()).size;
    if (size < this.splitter.position) return true;
    if (this.identity.headLength === 0) return false;
    const head = await hashHead(this.handle, this.identity.headLength);
    return head.length !== this.identity.headLength || head.hash !== this.identity.headHash;
  }

  /** Current size of the open file. */
  async size(): Promise<number> {
    return (await this.handle.stat()).size;
  }

  async close(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }

  /** The head hash covers what we have read, up to HEAD_BYTES, so it always describes stable bytes. */
  private async refreshIdentity(): Promise<void> {
    const want = Math.min(HEAD_BYTES, this.splitter.position);
    if (this.identity.headLength < want) this.identity = await identify(this.handle, want);
  }

  private async deliver(items: SplitItem[], stop: () => boolean): Promise<boolean> {
    for (const item of items) {
      if (stop()) return false;
      if (item.kind === 'line') {
        this.lines++;
        try {
          const r = this.opts.onLine(item.text, { file: this.file, start: item.start, end: item.end });
          if (isThenable(r)) await r;
        } catch (err) {
          this.opts.onError(
            new FileSourceError('HANDLER_FAILED', `handler failed on the line at ${this.file}:${item.start}: ${(err as Error)?.message ?? String(err)}`, {
              file: this.file,
              offset: item.start,
              text: item.text,
              cause: err,
            }),
          );
        }
      } else if (item.kind === 'oversize') {
        this.opts.onError(
          new FileSourceError('LINE_TOO_LONG', `line at ${this.file}:${item.start} is longer than ${this.opts.maxLineBytes} bytes; skipped to the next newline`, {
            file: this.file,
            offset: item.start,
            text: item.head,
          }),
        );
      }
      this.committed = Math.max(this.committed, item.end);
    }
    return true;
  }
}

/**
 * Splits bytes read from a file into lines, tracking the byte position after
 * each one so a reader can checkpoint exactly. Pure: no I/O.
 *
 * Lines end at LF; a CR before the LF is dropped (CRLF files). A trailing part
 * without LF is held back until its LF arrives, or until the caller knows the
 * writer is done with the file ({@link LineSplitter.flush}).
 */

/** One item produced by the splitter, in file order. */
export type SplitItem =
  /** A complete line (terminator removed); `end` is the byte position after its terminator. */
  | { kind: 'line'; text: string; start: number; end: number }
  /**
   * A line longer than the limit was found at `start`; `head` is its beginning.
   * Its bytes are skipped up to the next LF (reported later by a 'skip' item).
   */
  | { kind: 'oversize'; start: number; head: string; end: number }
  /** Bytes consumed without a line (an empty line, or the rest of an oversize line). */
  | { kind: 'skip'; start: number; end: number };

/** Options of {@link LineSplitter}. */
export interface LineSplitterOptions {
  /** Longest line accepted, in bytes without its terminator. */
  maxLineBytes: number;
  /**
   * Text encoding of the file (default 'utf8'): a Node.js Buffer encoding, or
   * any WHATWG label TextDecoder knows, e.g. 'gbk', 'gb18030', 'windows-1252'.
   * Lines are split on the byte 0x0A, so the encoding must be ASCII-compatible (not UTF-16).
   */
  encoding?: string;
  /** Characters of an oversize line given in its report (default 200). */
  oversizeHeadChars?: number;
}

const LF = 0x0a;
const CR = 0x0d;

export class LineSplitter {
  private readonly max: number;
  private readonly decode: (bytes: Buffer) => string;
  private readonly headChars: number;
  /** Bytes of the current unfinished line (copied: the caller reuses its buffer). */
  private parts: Buffer[] = [];
  private partBytes = 0;
  /** File position where the current unfinished line started. */
  private lineStart: number;
  /** File position of the next byte to be pushed. */
  private pos: number;
  /** Inside an oversize line: drop bytes until the next LF. */
  private skipping = false;

  constructor(opts: LineSplitterOptions, startOffset = 0) {
    this.max = opts.maxLineBytes;
    this.decode = makeDecoder(opts.encoding ?? 'utf8');
    this.headChars = opts.oversizeHeadChars ?? 200;
    this.lineStart = startOffset;
    this.pos = startOffset;
  }

  /** Position after the last byte pushed. */
  get position(): number {
    return this.pos;
  }

  /** Bytes held back as an unfinished line. */
  get pendingBytes(): number {
    return this.partBytes;
  }

  /** Forgets any unfinished line and continues at `offset` (after a truncation or reopen). */
  reset(offset: number): void {
    this.parts = [];
    this.partBytes = 0;
    this.skipping = false;
    this.lineStart = offset;
    this.pos = offset;
  }

  /** Consumes the next bytes of the file; returns the items they complete. */
  push(chunk: Buffer): SplitItem[] {
    const out: SplitItem[] = [];
    const base = this.pos;
    let from = 0;
    while (from < chunk.length) {
      const nl = chunk.indexOf(LF, from);
      if (nl === -1) {
        this.hold(chunk, from, chunk.length, out);
        break;
      }
      const end = base + nl + 1;
      if (this.skipping) {
        this.skipping = false;
        out.push({ kind: 'skip', start: this.lineStart, end });
      } else if (this.partBytes === 0) {
        this.emit(chunk.subarray(from, nl), this.lineStart, end, out);
      } else {
        this.parts.push(chunk.subarray(from, nl));
        const whole = Buffer.concat(this.parts, this.partBytes + (nl - from));
        this.parts = [];
        this.partBytes = 0;
        this.emit(whole, this.lineStart, end, out);
      }
      this.lineStart = end;
      from = nl + 1;
    }
    this.pos = base + chunk.length;
    return out;
  }

  /**
   * Treats the unfinished line as complete: call it only once the writer is
   * done with the file (rotated away or deleted).
   */
  flush(): SplitItem[] {
    const out: SplitItem[] = [];
    if (this.skipping) {
      out.push({ kind: 'skip', start: this.lineStart, end: this.pos });
    } else if (this.partBytes > 0) {
      this.emit(Buffer.concat(this.parts, this.partBytes), this.lineStart, this.pos, out);
    }
    this.reset(this.pos);
    return out;
  }

  private hold(chunk: Buffer, from: number, to: number, out: SplitItem[]): void {
    if (this.skipping) return;
    const n = to - from;
    if (this.partBytes + n > this.max + 1) {
      // +1: the line may still be a CRLF line whose CR is in these bytes.
      const head = Buffer.concat([...this.parts, chunk.subarray(from, Math.min(to, from + this.headChars * 4))]);
      out.push({ kind: 'oversize', start: this.lineStart, head: this.decodeHead(head), end: this.lineStart });
      this.parts = [];
      this.partBytes = 0;
      this.skipping = true;
      return;
    }
    this.parts.push(Buffer.from(chunk.subarray(from, to)));
    this.partBytes += n;
  }

  private emit(bytes: Buffer, start: number, end: number, out: SplitItem[]): void {
    let len = bytes.length;
    if (len > 0 && bytes[len - 1] === CR) len--;
    if (len > this.max) {
      out.push({ kind: 'oversize', start, head: this.decodeHead(bytes.subarray(0, len)), end: start });
      out.push({ kind: 'skip', start, end });
      return;
    }
    let text = this.decode(len === bytes.length ? bytes : bytes.subarray(0, len));
    // A UTF-8 byte order mark at the very start of the file is not data.
    if (start === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.length === 0) out.push({ kind: 'skip', start, end });
    else out.push({ kind: 'line', text, start, end });
  }

  private decodeHead(bytes: Buffer): string {
    return this.decode(bytes.subarray(0, this.headChars * 4)).slice(0, this.headChars);
  }
}

/**
 * A decoder for an encoding name; throws a TypeError for an unknown one (so a
 * bad setting fails at start, not on the first line).
 */
export function makeDecoder(encoding: string): (bytes: Buffer) => string {
  if (Buffer.isEncoding(encoding)) return (bytes) => bytes.toString(encoding);
  let td: InstanceType<typeof TextDecoder>;
  try {
    td = new TextDecoder(encoding);
  } catch {
    throw new TypeError(`unsupported text encoding "${encoding}"`);
  }
  return (bytes) => td.decode(bytes);
}

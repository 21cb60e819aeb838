/**
 * Byte stream → frames (one complete payload each). Knows nothing of vendors.
 *
 * - `json`: one JSON object or array per frame, found by bracket depth while
 *   skipping strings and escapes.
 * - `xml`: one XML document per frame (prolog, comments and doctype before the
 *   root element belong to it), found by root-element balance.
 * - `auto`: each frame is JSON or XML by its first significant byte.
 * - `line`: newline-delimited text (CRLF tolerated, blank lines skipped).
 *
 * Whitespace, NUL and commas between frames are skipped. Bytes that cannot begin
 * a frame are reported as garbage; a control byte inside a JSON or XML frame
 * ends it as garbage so the next good frame is still found. A frame over the
 * size limit is dropped (its head kept for the report) and scanning carries on
 * to its end without holding it in memory.
 *
 * The scan is byte-wise: UTF-8 multi-byte sequences never contain ASCII bytes,
 * so a chunk may split anywhere, even inside a character.
 *
 * JSON fast path: most senders put one record on a line. A JSON frame that
 * starts a line of the chunk and whose line ends (commas and whitespace aside)
 * with `}` or `]` is handed to JSON.parse whole; when that succeeds the line is
 * exactly one JSON value, which is the very frame the bracket scan would have
 * found (valid JSON is balanced outside its strings, holds no control or
 * non-ASCII byte outside them, and its brackets first close at its end), and
 * the parsed value goes with the frame, so the consumer does not parse it
 * again. Anything else (two values on a line, a value over several lines, bad
 * JSON) goes through the bracket scan as before; after a line that failed to
 * parse, the fast path rests for a while so a sender of such lines pays little.
 */

export type FramingKind = 'json' | 'xml' | 'auto' | 'line';

export type FramingErrorCode = 'oversize' | 'garbage' | 'truncated' | 'mismatch';

export class FramingError extends Error {
  constructor(
    readonly code: FramingErrorCode,
    message: string,
    /** The start of the offending bytes as text (at most RAW_HEAD_BYTES). */
    readonly raw: string,
    /** How many bytes the offending piece had. */
    readonly bytes: number,
  ) {
    super(message);
    this.name = 'FramingError';
  }
}

export interface FrameSink {
  /**
   * One frame. `unterminated` (line framing only): the stream ended after this
   * line with no line end, so it may have been cut by a peer that vanished.
   * `json`: the frame's JSON.parse() value when the framer already parsed it
   * (see the fast path above); undefined when it did not.
   */
  frame(text: string, unterminated?: boolean, json?: unknown): void;
  error(err: FramingError): void;
}

export interface Framer {
  /** Feed the next chunk of the stream. */
  push(chunk: Buffer): void;
  /** The stream ended: flush a last complete line, report a truncated frame. */
  end(): void;
  /** Bytes held for the frame in progress. */
  readonly buffered: number;
}

export interface FramerOptions {
  maxFrameBytes: number;
  /** The JSON fast path (default on); off, every JSON frame goes through the bracket scan (a test compares both). */
  jsonFastPath?: boolean;
}

/** How much of a bad piece is kept for the error report. */
export const RAW_HEAD_BYTES = 4096;

const NL = 0x0a;
const CR = 0x0d;
const TAB = 0x09;
const SPACE = 0x20;
const NUL = 0x00;
const COMMA = 0x2c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const QUOTE = 0x22;
const APOS = 0x27;
const BACKSLASH = 0x5c;
const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const BANG = 0x21;
const QMARK = 0x3f;
const DASH = 0x2d;

/** JSON frames that skip the fast path after a line of the chunk that looked like one value and was not. */
const FAST_PATH_REST = 64;

function isSkippable(b: number): boolean {
  return b === SPACE || b === NL || b === CR || b === TAB || b === NUL || b === COMMA;
}

/** Control bytes that may not appear in JSON or XML text. */
function isForbiddenControl(b: number): boolean {
  return b < 0x20 && b !== TAB && b !== NL && b !== CR;
}

/** True when the bytes just before `end` (not before `from`) are an odd run of backslashes. */
function oddBackslashesBefore(c: Buffer, end: number, from: number): boolean {
  let k = end - 1;
  while (k >= from && c[k] === BACKSLASH) k--;
  return (end - 1 - k) % 2 === 1;
}

export function createFramer(kind: FramingKind, sink: FrameSink, options: FramerOptions): Framer {
  return kind === 'line' ? new LineFramer(sink, options) : new StructuredFramer(kind, sink, options);
}

/** Collects the bytes of one piece (frame or garbage run), keeping only the head once over the limit. */
class Collector {
  private parts: Buffer[] = [];
  private held = 0;
  total = 0;
  overflow = false;

  constructor(private readonly limit: number) {}

  add(chunk: Buffer, start: number, end: number): void {
    if (end <= start) return;
    const n = end - start;
    this.total += n;
    if (this.overflow) {
      if (this.held < RAW_HEAD_BYTES) this.keep(chunk.subarray(start, Math.min(end, start + RAW_HEAD_BYTES - this.held)));
      return;
    }
    if (this.total > this.limit) {
      this.overflow = true;
      const head = Buffer.concat(this.parts).subarray(0, RAW_HEAD_BYTES);
      this.parts = [head];
      this.held = head.length;
      if (this.held < RAW_HEAD_BYTES) this.keep(chunk.subarray(start, Math.min(end, start + RAW_HEAD_BYTES - this.held)));
      return;
    }
    // Copy: the socket may reuse the chunk's memory.
    this.keep(Buffer.from(chunk.subarray(start, end)));
  }

  private keep(b: Buffer): void {
    this.parts.push(b);
    this.held += b.length;
  }

  text(): string {
    return this.parts.length === 1 ? this.parts[0]!.toString('utf8') : Buffer.concat(this.parts).toString('utf8');
  }

  head(): string {
    return Buffer.concat(this.parts).subarray(0, RAW_HEAD_BYTES).toString('utf8');
  }

  get heldBytes(): number {
    return this.held;
  }

  reset(): void {
    this.parts = [];
    this.held = 0;
    this.total = 0;
    this.overflow = false;
  }
}

const enum Mode {
  Idle,
  Garbage,
  Json,
  Xml,
}

// XML scanner states.
const enum X {
  Text, // between tags
  Open, // just read '<'
  Tag, // inside a start or end tag
  TagQuote, // inside a quoted attribute value
  Pi, // <? … ?>
  Comment, // <!-- … -->
  Cdata, // <![CDATA[ … ]]>
  Decl, // <!DOCTYPE …> and other <! … >
}

class StructuredFramer implements Framer {
  private mode = Mode.Idle;
  private readonly piece: Collector;
  private readonly garbage: Collector;
  // JSON state
  private depth = 0;
  private inString = false;
  private escaped = false;
  // XML state
  private x = X.Text;
  private xDepth = 0;
  private rootSeen = false;
  private closingTag = false;
  private quote = 0;
  private match = 0; // progress through "--", "[CDATA[", "-->", "]]>"
  private prev = 0;
  /** JSON frames left before the fast path is tried again (see FAST_PATH_REST). */
  private fastRest = 0;
  private readonly fastPath: boolean;

  constructor(
    private readonly kind: 'json' | 'xml' | 'auto',
    private readonly sink: FrameSink,
    private readonly options: FramerOptions,
  ) {
    this.piece = new Collector(options.maxFrameBytes);
    this.garbage = new Collector(RAW_HEAD_BYTES);
    this.fastPath = options.jsonFastPath !== false;
  }

  get buffered(): number {
    return this.piece.heldBytes;
  }

  push(chunk: Buffer): void {
    let i = 0;
    const n = chunk.length;
    let start = 0; // where the current piece began in this chunk
    // The next line feed at or after i in this chunk (-1: none left), for the JSON fast path; found natively, once per line.
    let lf = -2;
    while (i < n) {
      const b = chunk[i]!;
      switch (this.mode) {
        case Mode.Idle:
        case Mode.Garbage: {
          if (isSkippable(b)) {
            if (this.mode === Mode.Garbage) this.flushGarbage();
            i++;
            continue;
          }
          const mode = this.startMode(b);
          if (mode === null) {
            if (this.mode !== Mode.Garbage) {
              this.mode = Mode.Garbage;
            }
            this.garbage.add(chunk, i, i + 1);
            // A long run is reported in pieces rather than held until it ends.
            if (this.garbage.total >= RAW_HEAD_BYTES) this.flushGarbage();
            i++;
            continue;
          }
          if (this.mode === Mode.Garbage) this.flushGarbage();
          if (mode === Mode.Json && this.fastPath) {
            if (this.fastRest > 0) this.fastRest--;
            else {
              if (lf !== -1 && lf < i) lf = chunk.indexOf(NL, i);
              if (lf !== -1 && this.oneValueLine(chunk, i, lf)) {
                i = lf + 1;
                continue;
              }
            }
          }
          this.beginFrame(mode);
          start = i;
          // Fall through to the frame scanner on the same byte.
          continue;
        }
        case Mode.Json:
        case Mode.Xml: {
          const r = this.mode === Mode.Json ? this.scanJson(chunk, i) : this.scanXml(chunk, i);
          if (r >= 0) {
            this.finishFrame(chunk, start, r + 1);
            i = r + 1;
          } else if (r === -1) {
            this.piece.add(chunk, start, n);
            i = n;
          } else {
            const at = -r - 2;
            this.piece.add(chunk, start, at + 1);
            this.badFrame();
            i = at + 1;
          }
          continue;
        }
      }
    }
  }

  end(): void {
    if (this.mode === Mode.Garbage) this.flushGarbage();
    if (this.mode === Mode.Json || this.mode === Mode.Xml) {
      const total = this.piece.total;
      const raw = this.piece.head();
      this.resetFrame();
      this.sink.error(
        new FramingError('truncated', `the connection ended inside a ${this.kindName()} frame (${total} bytes)`, raw, total),
      );
    }
  }

  private kindName(): string {
    return this.kind === 'auto' ? 'JSON or XML' : this.kind.toUpperCase();
  }

  private startMode(b: number): Mode | null {
    if ((b === LBRACE || b === LBRACKET) && this.kind !== 'xml') return Mode.Json;
    if (b === LT && this.kind !== 'json') return Mode.Xml;
    return null;
  }

  private beginFrame(mode: Mode): void {
    this.mode = mode;
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
    this.x = X.Text;
    this.xDepth = 0;
    this.rootSeen = false;
    this.prev = 0;
    this.match = 0;
  }

  private resetFrame(): void {
    this.piece.reset();
    this.mode = Mode.Idle;
  }

  /** The frame ends at `end` in this chunk. A frame wholly inside the chunk is decoded in place, without a copy. */
  private finishFrame(chunk: Buffer, start: number, end: number): void {
    if (this.piece.total === 0 && end - start <= this.options.maxFrameBytes) {
      this.mode = Mode.Idle;
      this.sink.frame(chunk.toString('utf8', start, end));
      return;
    }
    this.piece.add(chunk, start, end);
    this.endFrame();
  }

  private endFrame(): void {
    if (this.piece.overflow) {
      const total = this.piece.total;
      const raw = this.piece.head();
      this.resetFrame();
      this.sink.error(
        new FramingError('oversize', `frame of ${total} bytes is over the ${this.options.maxFrameBytes}-byte limit; dropped`, raw, total),
      );
      return;
    }
    const text = this.piece.text();
    this.resetFrame();
    this.sink.frame(text);
  }

  private badFrame(): void {
    const total = this.piece.total;
    const raw = this.piece.head();
    this.resetFrame();
    this.sink.error(
      new FramingError('garbage', `a ${this.kindName()} frame held a byte that is not text (after ${total} bytes); dropped`, raw, total),
    );
  }

  private flushGarbage(): void {
    const total = this.garbage.total;
    if (total > 0) {
      const raw = this.garbage.head();
      this.garbage.reset();
      this.sink.error(new FramingError('garbage', `${total} bytes that do not start a ${this.kindName()} frame; skipped`, raw, total));
    }
    this.mode = Mode.Idle;
  }

  /**
   * The fast path: when bytes from..lf (a JSON frame's first byte to its line
   * end) are one JSON value followed only by skippable bytes, hands it on with
   * its parsed value and returns true. False: nothing was handed on.
   */
  private oneValueLine(c: Buffer, from: number, lf: number): boolean {
    let end = lf;
    while (end > from && isSkippable(c[end - 1]!)) end--;
    const last = c[end - 1];
    if ((last !== RBRACE && last !== RBRACKET) || end - from > this.options.maxFrameBytes) return false;
    const text = c.toString('utf8', from, end);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.fastRest = FAST_PATH_REST;
      return false;
    }
    this.sink.frame(text, undefined, value);
    return true;
  }

  /** Returns the index of the frame's last byte, -1 if the chunk ended first, or -(index+2) of a forbidden byte. */
  private scanJson(c: Buffer, from: number): number {
    // State in locals: this loop runs once per byte received.
    let depth = this.depth;
    let inString = this.inString;
    let escaped = this.escaped;
    let result = -1;
    const n = c.length;
    // Where the next line feed is (-2: not looked for yet), found natively and reused across strings.
    let nextLf = -2;
    for (let i = from; i < n; i++) {
      const b = c[i]!;
      if (inString) {
        if (escaped) {
          escaped = false;
          continue;
        }
        // Most bytes of a record are inside strings: jump to the next quote natively.
        const q = c.indexOf(QUOTE, i);
        // A raw line feed cannot be in a JSON string: the "string" is garbage that opened
        // with a stray quote, and must not run on into (and swallow) the next record.
        if (nextLf !== -1 && nextLf < i) nextLf = c.indexOf(NL, i);
        if (nextLf !== -1 && (q === -1 || nextLf < q)) {
          result = -(nextLf + 2);
          break;
        }
        if (q === -1) {
          escaped = oddBackslashesBefore(c, n, i);
          i = n;
          break;
        }
        // A quote after an odd run of backslashes is escaped and does not end the string.
        if (!oddBackslashesBefore(c, q, i)) inString = false;
        i = q;
        continue;
      }
      if (b === QUOTE) inString = true;
      else if (b === LBRACE || b === LBRACKET) depth++;
      else if (b === RBRACE || b === RBRACKET) {
        if (--depth === 0) {
          result = i;
          break;
        }
      } else if (isForbiddenControl(b) || b >= 0x80) {
        result = -(i + 2);
        break;
      }
    }
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
    return result;
  }

  /** Same contract as scanJson, for one XML document. */
  private scanXml(c: Buffer, from: number): number {
    // State in locals, written back once (this loop runs once per byte received).
    let x = this.x;
    let depth = this.xDepth;
    let rootSeen = this.rootSeen;
    let closingTag = this.closingTag;
    let quote = this.quote;
    let match = this.match;
    let prev = this.prev;
    let result = -1;
    const n = c.length;
    scan: for (let i = from; i < n; i++) {
      const b = c[i]!;
      if (isForbiddenControl(b)) {
        result = -(i + 2);
        break;
      }
      switch (x) {
        case X.Text:
          if (b === LT) x = X.Open;
          else if (!rootSeen && !(b === SPACE || b === NL || b === CR || b === TAB)) {
            result = -(i + 2);
            break scan;
          }
          break;
        case X.Open:
          if (b === QMARK) x = X.Pi;
          else if (b === BANG) {
            x = X.Decl;
            match = 0;
          } else if (b === SLASH) {
            x = X.Tag;
            closingTag = true;
          } else {
            x = X.Tag;
            closingTag = false;
          }
          break;
        case X.Tag:
          if (b === QUOTE || b === APOS) {
            quote = b;
            x = X.TagQuote;
          } else if (b === GT) {
            x = X.Text;
            if (closingTag) depth--;
            else if (!(prev === SLASH)) depth++;
            rootSeen = true;
            if (depth <= 0) {
              prev = b;
              result = i;
              break scan;
            }
          }
          break;
        case X.TagQuote:
          if (b === quote) x = X.Tag;
          break;
        case X.Pi:
          if (b === GT && prev === QMARK) x = X.Text;
          break;
        case X.Decl:
          // "<!" then "--" → comment, "[CDATA[" → cdata, else a declaration.
          if (match === 0 && b === DASH) match = 1;
          else if (match === 1 && b === DASH) {
            x = X.Comment;
            match = 0;
          } else if (match === 0 && b === LBRACKET) match = 10;
          else if (match >= 10 && match < 16) {
            match++;
            if (match === 16) {
              x = X.Cdata;
              match = 0;
            }
          } else if (b === GT) x = X.Text;
          else match = 20;
          break;
        case X.Comment:
          if (b === GT && prev === DASH && match >= 2) x = X.Text;
          match = b === DASH ? match + 1 : 0;
          break;
        case X.Cdata:
          if (b === GT && prev === RBRACKET && match >= 2) x = X.Text;
          match = b === RBRACKET ? match + 1 : 0;
          break;
      }
      prev = b;
    }
    this.x = x;
    this.xDepth = depth;
    this.rootSeen = rootSeen;
    this.closingTag = closingTag;
    this.quote = quote;
    this.match = match;
    this.prev = prev;
    return result;
  }
}

class LineFramer implements Framer {
  private readonly line: Collector;

  constructor(
    private readonly sink: FrameSink,
    private readonly options: FramerOptions,
  ) {
    this.line = new Collector(options.maxFrameBytes);
  }

  get buffered(): number {
    return this.line.heldBytes;
  }

  push(chunk: Buffer): void {
    let start = 0;
    let nl = chunk.indexOf(NL, start);
    while (nl !== -1) {
      this.line.add(chunk, start, nl);
      this.emit();
      start = nl + 1;
      nl = chunk.indexOf(NL, start);
    }
    this.line.add(chunk, start, chunk.length);
  }

  end(): void {
    // The peer closed after a last line with no newline. Many senders end their
    // last line that way, so it is passed on, flagged: the consumer decides
    // whether it is whole (e.g. by its field count).
    this.emit(true);
  }

  private emit(unterminated = false): void {
    if (this.line.total === 0) return;
    if (this.line.overflow) {
      const total = this.line.total;
      const raw = this.line.head();
      this.line.reset();
      this.sink.error(new FramingError('oversize', `line of ${total} bytes is over the ${this.options.maxFrameBytes}-byte limit; dropped`, raw, total));
      return;
    }
    let text = this.line.text();
    this.line.reset();
    if (text.includes('\u0000')) text = text.replace(/\u0000/g, '');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (text.trim() === '') return;
    if (unterminated) this.sink.frame(text, true);
    else this.sink.frame(text);
  }
}

/**
 * Types shared by the file sources (file-tail, dir-follow, spool-dir): the
 * error they report, the notices they give, and a safe way to call back.
 */

/** What went wrong, for {@link FileSourceError.code}. */
export type FileSourceErrorCode =
  /** A line longer than `maxLineBytes`; it was skipped up to the next newline. */
  | 'LINE_TOO_LONG'
  /** The consumer's handler threw or rejected; the line/file counts as handled. */
  | 'HANDLER_FAILED'
  /** A file system error (permissions, disk); the source retries on its next poll. */
  | 'IO'
  /** Loading or saving the checkpoint failed. */
  | 'CHECKPOINT'
  /** A spool file was rejected (unparseable, too large, never completed) and moved to the error folder. */
  | 'FILE_REJECTED';

/** An error reported through a source's `onError`; the source keeps running. */
export class FileSourceError extends Error {
  readonly code: FileSourceErrorCode;
  /** The file concerned, if any. */
  readonly file: string | undefined;
  /** Byte position concerned (start of the line), if any. */
  readonly offset: number | undefined;
  /** The raw text concerned: the start of an oversize line, the line or file a handler failed on. */
  readonly text: string | undefined;
  override readonly cause: unknown;

  constructor(code: FileSourceErrorCode, message: string, details: { file?: string; offset?: number; text?: string; cause?: unknown } = {}) {
    super(message);
    this.name = 'FileSourceError';
    this.code = code;
    this.file = details.file;
    this.offset = details.offset;
    this.text = details.text;
    this.cause = details.cause;
  }
}

/** Kinds of {@link FileSourceEvent}. */
export type FileSourceEventKind =
  /** The followed file does not exist (yet); the source waits for it. */
  | 'waiting'
  /** A file was opened; `offset` is where reading starts. */
  | 'opened'
  /** Reading continues from a checkpoint; `offset` is the position. */
  | 'resumed'
  /** The followed file was renamed away (rotation); it is being finished. */
  | 'rotated'
  /** The followed file was deleted; what is left of it is being finished. */
  | 'deleted'
  /** A file was read to its end and closed for good. */
  | 'finished'
  /** The file got shorter than the read position; reading restarts at 0. */
  | 'truncated'
  /** The file at the checkpointed name is another file; it is read from 0. */
  | 'replaced'
  /** A file is skipped (older than the position, or not matching); `message` says why. */
  | 'skipped'
  /** The checkpoint was unusable or did not fit; the source starts by its start policy. */
  | 'checkpoint-reset';

/** A notice for logs and node status; `message` is a complete sentence for a human. */
export interface FileSourceEvent {
  kind: FileSourceEventKind;
  /** The file concerned. */
  file: string;
  offset?: number;
  message: string;
}

/** Where a line came from: the file and its byte range (`end` is the position after it). */
export interface LineInfo {
  file: string;
  start: number;
  end: number;
}

/**
 * The consumer's handler of one line. Return (or resolve) once the line is
 * dealt with: only then does its position become eligible for the checkpoint.
 * Lines come one at a time: the next is read only after this one resolved.
 * Do not await the source's close() in here: close() waits for the handler.
 */
export type LineHandler = (line: string, at: LineInfo) => void | PromiseLike<void>;

/** Calls a user callback so that nothing it throws can escape into a timer or I/O callback. */
export function safeCall<A>(fn: ((arg: A) => void) | undefined, arg: A): void {
  if (!fn) return;
  try {
    fn(arg);
  } catch {
    // A throwing listener must not stop the source.
  }
}

/** True for a value with a `then` method (a promise from any library). */
export function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';
}

/** A positive finite number option, or its default. */
export function positiveOption(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new TypeError(`${name} must be a positive number, got ${String(value)}`);
  return value;
}

/**
 * Error reports folded per key (a connection, a sender) and per time window:
 * the first few errors of a key in a window are reported at once (a handful of
 * bad records each keep their own report and raw text), the rest of that
 * window become one summary with a count and a sample. A flood of garbage then
 * costs a handful of reports per second, whatever its size, and never crowds
 * the event loop that good records need.
 */

export interface ErrorReport<T> {
  key: string;
  /** The first error of the window (count 1), or the first one folded into a summary. */
  sample: T;
  /** 1 for an error reported at once; the number folded for a summary. */
  count: number;
  summary: boolean;
  /** The window the summary covers. */
  windowMs: number;
}

export interface ErrorReportsOptions<T> {
  emit(report: ErrorReport<T>): void;
  /** Length of a window (default 1000 ms). */
  windowMs?: number;
  /** Errors of one key reported at once per window (default 5); the rest are folded. */
  perKeyImmediate?: number;
  /** Errors reported at once per window across all keys (default 20); the rest are folded. */
  maxImmediate?: number;
  /** Keys followed at a time (default 100); errors of further keys fold into {@link OTHER_KEY}. */
  maxKeys?: number;
  now?: () => number;
}

/** Where the errors of keys past `maxKeys` are counted. */
export const OTHER_KEY = '*';

interface KeyState<T> {
  windowStart: number;
  immediate: number;
  folded: number;
  sample: T | null;
}

export class ErrorReports<T> {
  private readonly keys = new Map<string, KeyState<T>>();
  private readonly windowMs: number;
  private readonly maxImmediate: number;
  private readonly perKeyImmediate: number;
  private readonly maxKeys: number;
  private readonly now: () => number;
  private windowStart = -Infinity;
  private immediate = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly options: ErrorReportsOptions<T>) {
    this.windowMs = options.windowMs ?? 1000;
    this.maxImmediate = options.maxImmediate ?? 20;
    this.perKeyImmediate = options.perKeyImmediate ?? 5;
    this.maxKeys = options.maxKeys ?? 100;
    this.now = options.now ?? Date.now;
  }

  /** Errors folded and not yet reported. */
  get pending(): number {
    let n = 0;
    for (const s of this.keys.values()) n += s.folded;
    return n;
  }

  add(key: string, item: T): void {
    if (this.closed) return;
    const now = this.now();
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.immediate = 0;
    }
    let state = this.keys.get(key);
    if (!state && this.keys.size >= this.maxKeys) {
      key = OTHER_KEY;
      state = this.keys.get(key);
    }
    if (state && now - state.windowStart >= this.windowMs) {
      this.flushKey(key, state);
      state = undefined;
    }
    if (!state) {
      state = { windowStart: now, immediate: 0, folded: 0, sample: null };
      this.keys.set(key, state);
    }
    if (state.folded === 0 && state.immediate < this.perKeyImmediate && this.immediate < this.maxImmediate && key !== OTHER_KEY) {
      state.immediate++;
      this.immediate++;
      this.emit({ key, sample: item, count: 1, summary: false, windowMs: this.windowMs });
      this.schedule();
      return;
    }
    state.folded++;
    if (state.sample === null) state.sample = item;
    this.schedule();
  }

  /** Reports what is folded and stops. */
  close(): void {
    if (this.closed) return;
    for (const [key, state] of this.keys) this.flushKey(key, state);
    this.keys.clear();
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private emit(report: ErrorReport<T>): void {
    try {
      this.options.emit(report);
    } catch {
      // A failing reporter must not stop the listener that reports.
    }
  }

  private flushKey(key: string, state: KeyState<T>): void {
    if (state.folded > 0 && state.sample !== null) {
      this.emit({ key, sample: state.sample, count: state.folded, summary: true, windowMs: this.windowMs });
    }
    state.folded = 0;
    state.sample = null;
    this.keys.delete(key);
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => this.sweep(), this.windowMs);
    this.timer.unref();
  }

  private sweep(): void {
    this.timer = null;
    const now = this.now();
    for (const [key, state] of this.keys) {
      if (now - state.windowStart >= this.windowMs) this.flushKey(key, state);
    }
    if (this.keys.size > 0) this.schedule();
  }
}

/** How much raw text an error report keeps (characters). */
export const REPORT_RAW_CHARS = 16 * 1024;

/** The raw text of a report, cut to a bound; `bytes` is the size of the whole. */
export function boundedRaw(raw: string, limit = REPORT_RAW_CHARS): { text: string; truncated: boolean; length: number } {
  if (raw.length <= limit) return { text: raw, truncated: false, length: raw.length };
  return { text: raw.slice(0, limit), truncated: true, length: raw.length };
}

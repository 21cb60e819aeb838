/**
 * Keeps cdr-normalize's duplicate window in node context (a persistent store
 * keeps it across restarts): read once before the first record is handled,
 * written every few seconds when it changed, and once more on close.
 */
import { Deduper } from '../cdr/dedupe';

/** The part of Node-RED's context API this needs. */
export interface ContextLike {
  get(key: string, store: string | undefined, cb: (err: Error | undefined, value: unknown) => void): void;
  set(key: string, value: unknown, store: string | undefined, cb: (err?: Error) => void): void;
}

export interface DedupeContextOptions {
  context: ContextLike;
  /** The context store's name; undefined: the default store. */
  store: string | undefined;
  maxEntries: number;
  maxAgeMs: number;
  /** A failed read or write (the window goes on in memory). */
  warn: (reason: string) => void;
  saveEveryMs?: number;
}

const CONTEXT_KEY = 'cdrflow-dedupe';
const SAVE_EVERY_MS = 5000;

export class DedupeContext {
  private ready = false;
  private dirty = false;
  private readonly waiting: Array<() => void> = [];
  private readonly saveTimer: NodeJS.Timeout;

  constructor(
    private readonly deduper: Deduper,
    private readonly o: DedupeContextOptions,
  ) {
    o.context.get(CONTEXT_KEY, o.store, (err, value) => {
      if (err) o.warn(err.message);
      else if (value !== undefined) {
        const restored = Deduper.fromJSON(value, { maxEntries: o.maxEntries, maxAgeMs: o.maxAgeMs });
        for (const [id, at] of restored.toJSON().entries) deduper.check(id, at);
      }
      this.ready = true;
      for (const run of this.waiting.splice(0)) run();
    });
    this.saveTimer = setInterval(() => this.save(), o.saveEveryMs ?? SAVE_EVERY_MS);
    this.saveTimer.unref();
  }

  /** Runs `work` now if the window was read, else as soon as it is (in arrival order). */
  whenReady(work: () => void): void {
    if (this.ready) work();
    else this.waiting.push(work);
  }

  /** The window changed: the next save writes it. */
  touch(): void {
    this.dirty = true;
  }

  /** Writes the window if it changed; `cb` once written (or at once when nothing to write). */
  save(cb?: () => void): void {
    if (!this.dirty) {
      cb?.();
      return;
    }
    this.dirty = false;
    this.o.context.set(CONTEXT_KEY, this.deduper.toJSON(), this.o.store, (err) => {
      if (err) this.o.warn(err.message);
      cb?.();
    });
  }

  /** Stops the periodic save and writes what changed. */
  close(cb: () => void): void {
    clearInterval(this.saveTimer);
    this.save(cb);
  }
}

/**
 * Wakes a file source's loop: a poll interval is the source of truth, and an
 * fs.watch on the directory makes it prompt when the platform delivers events
 * (fs.watch is unreliable: network file systems, some containers, renames).
 */
import * as fs from 'node:fs';

export class WakeSignal {
  private readonly dir: string;
  private readonly relevant: (name: string | null) => boolean;
  private readonly useWatch: boolean;
  private watcher: fs.FSWatcher | null = null;
  private lastWatchTry = 0;
  private readonly retryWatchMs: number;
  private pendingWake = false;
  private waiter: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  /**
   * @param dir directory to watch
   * @param relevant filter on the file name an event is about (null: unknown name)
   * @param useWatch false to rely on polling only
   * @param retryWatchMs how often to try again to set up a watch that failed
   */
  constructor(dir: string, relevant: (name: string | null) => boolean, useWatch: boolean, retryWatchMs: number) {
    this.dir = dir;
    this.relevant = relevant;
    this.useWatch = useWatch;
    this.retryWatchMs = retryWatchMs;
  }

  /** Wakes the loop now (or makes its next wait return at once). */
  signal(): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w();
    } else {
      this.pendingWake = true;
    }
  }

  /** Resolves after `ms`, on a relevant file event, on signal() or on close(). */
  wait(ms: number): Promise<void> {
    this.ensureWatch();
    if (this.closed) return Promise.resolve();
    if (this.pendingWake) {
      this.pendingWake = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const done = (): void => {
        if (this.timer) clearTimeout(this.timer);
        this.timer = null;
        this.waiter = null;
        resolve();
      };
      this.waiter = done;
      this.timer = setTimeout(done, ms);
    });
  }

  /** Stops watching and releases a pending wait. */
  close(): void {
    this.closed = true;
    this.closeWatcher();
    this.signal();
  }

  private ensureWatch(): void {
    if (!this.useWatch || this.closed || this.watcher) return;
    const now = Date.now();
    if (now - this.lastWatchTry < this.retryWatchMs) return;
    this.lastWatchTry = now;
    try {
      const w = fs.watch(this.dir, { persistent: false }, (_event, name) => {
        const n = name === null || name === undefined ? null : String(name);
        if (this.relevant(n)) this.signal();
      });
      w.on('error', () => {
        // The directory went away or the watch broke: polling carries on, a new watch is tried later.
        if (this.watcher === w) this.closeWatcher();
      });
      this.watcher = w;
    } catch {
      // No directory yet, or no watch support: polling only, for now.
    }
  }

  private closeWatcher(): void {
    const w = this.watcher;
    this.watcher = null;
    if (w) {
      try {
        w.close();
      } catch {
        // already closed
      }
    }
  }
}

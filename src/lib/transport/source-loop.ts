/**
 * The life cycle shared by the file sources: start (load the checkpoint,
 * decide where to begin), a loop of polls woken early by fs.watch, the
 * checkpoint flushed on an interval and on close, errors reported without
 * repeating a lasting one, and a close that waits for the work in hand and
 * releases every handle and timer.
 */
import { CheckpointStore } from './checkpoint';
import { FileSourceError, FileSourceEvent, safeCall } from './file-source';
import { WakeSignal } from './wake-signal';

/** What a {@link SourceLoop} needs from its source. */
export interface SourceLoopOptions<S> {
  /** Name used in messages, e.g. 'file tail'. */
  label: string;
  /** Verb for I/O failure messages, e.g. 'reading'. */
  ioVerb: string;
  /** Directory to watch for promptness. */
  watchDir: string;
  /** Use fs.watch on top of polling. */
  watch: boolean;
  pollMs: number;
  /** Where the position is kept (none: no checkpointing). */
  checkpoint?: CheckpointStore<S>;
  checkpointMs: number;
  onError?: (err: FileSourceError) => void;
  onEvent?: (ev: FileSourceEvent) => void;
}

export abstract class SourceLoop<S> {
  /** True from close() on: stop after the work in hand. */
  protected closing = false;
  /** Checks for changes since start (counted by the source). */
  protected polls = 0;
  /** Errors reported since start. */
  protected errors = 0;
  protected readonly common: SourceLoopOptions<S>;
  private started = false;
  private starting: Promise<void> | null = null;
  private closed: Promise<void> | null = null;
  private loop: Promise<void> | null = null;
  private wake: WakeSignal | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private lastSaved = '';
  private lastIoError = '';
  private ioFailedThisCycle = false;
  private lastCheckpointError = '';

  constructor(common: SourceLoopOptions<S>) {
    this.common = common;
  }

  /** Decides where to begin (checkpoint, start policy); errors are reported and the loop retries. */
  protected abstract prepare(): Promise<void>;
  /** One step of the loop; returns how long to wait before the next (0: at once). */
  protected abstract cycle(): Promise<number>;
  /** Whether a watch event about this file name (null: unknown) should wake the loop. */
  protected abstract isRelevant(name: string | null): boolean;
  /** The state to checkpoint now (only called with a checkpoint store). */
  protected abstract snapshot(): S;
  /** Finishes the work in hand and closes every file (after the loop has ended and the position was saved). */
  protected abstract release(): Promise<void>;
  /** The file an I/O failure of the loop is about. */
  protected abstract ioSubject(): string;

  start(): Promise<void> {
    if (this.started) return Promise.reject(new Error(`${this.common.label}: already started`));
    this.started = true;
    this.starting = this.begin();
    return this.starting;
  }

  /** Stops after the work in hand, saves the position, releases files, watch and timers. Safe to call twice. */
  close(): Promise<void> {
    if (!this.closed) this.closed = this.shutdown();
    return this.closed;
  }

  /** Writes the committed position to the checkpoint now (if it changed). */
  async flush(): Promise<void> {
    const store = this.common.checkpoint;
    if (!store || !this.started) return;
    const state = this.snapshot();
    const key = JSON.stringify(state);
    if (key === this.lastSaved) return;
    try {
      await store.save(state);
      this.lastSaved = key;
      this.lastCheckpointError = '';
    } catch (err) {
      const message = `could not save the checkpoint ${store.file}: ${(err as Error).message}`;
      if (message !== this.lastCheckpointError) this.error(new FileSourceError('CHECKPOINT', message, { file: this.common.watchDir, cause: err }));
      this.lastCheckpointError = message;
    }
  }

  /**
   * Loads the checkpoint. Returns the state if it is usable; otherwise null,
   * with a 'checkpoint-reset' notice saying why (missing: silently null).
   * `mismatch` says why a well-formed state does not fit this source, or null.
   */
  protected async loadCheckpoint(isState: (v: unknown) => v is S, mismatch: (s: S) => string | null, subject: string): Promise<S | null> {
    const store = this.common.checkpoint;
    if (!store) return null;
    let loaded;
    try {
      loaded = await store.load();
    } catch (err) {
      this.error(new FileSourceError('CHECKPOINT', `could not read the checkpoint ${store.file}: ${(err as Error).message}`, { file: subject, cause: err }));
      return null;
    }
    let why: string | null = null;
    if (loaded.status === 'missing') return null;
    if (loaded.status === 'corrupt') why = loaded.warning ?? `checkpoint ${store.file} is unusable`;
    else if (!isState(loaded.state)) why = `checkpoint ${store.file} has an unexpected shape`;
    else why = mismatch(loaded.state);
    if (why === null) return loaded.state as S;
    this.event({ kind: 'checkpoint-reset', file: subject, message: `${why}; starting by the start policy` });
    return null;
  }

  protected error(err: FileSourceError): void {
    this.errors++;
    safeCall(this.common.onError, err);
  }

  protected event(ev: FileSourceEvent): void {
    safeCall(this.common.onEvent, ev);
  }

  /** Reports an I/O failure; a lasting condition (permissions, a missing mount) once, not on every poll. */
  protected ioError(file: string, err: unknown): void {
    this.ioFailedThisCycle = true;
    const message = `${this.common.ioVerb} ${file} failed: ${(err as Error)?.message ?? String(err)}; retrying`;
    if (message !== this.lastIoError) this.error(new FileSourceError('IO', message, { file, cause: err }));
    this.lastIoError = message;
  }

  /** Wakes the loop now (e.g. a worker slot came free). */
  protected wakeUp(): void {
    this.wake?.signal();
  }

  private async begin(): Promise<void> {
    try {
      await this.prepare();
    } catch (err) {
      // e.g. no permission yet: the loop keeps trying and reports.
      this.ioError(this.ioSubject(), err);
    }
    // Saved at once: a crash before the first interval still resumes from where this run began.
    await this.flush();
    if (this.closing) return; // close() was called while starting
    this.wake = new WakeSignal(this.common.watchDir, (name) => this.isRelevant(name), this.common.watch, this.common.pollMs);
    if (this.common.checkpoint) {
      this.flushTimer = setInterval(() => {
        this.flush().catch(() => undefined);
      }, this.common.checkpointMs);
    }
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (!this.closing) {
      let delay: number;
      try {
        this.ioFailedThisCycle = false;
        delay = await this.cycle();
        // A step without an I/O failure ends a lasting condition: the next one is reported again.
        if (!this.ioFailedThisCycle) this.lastIoError = '';
      } catch (err) {
        this.ioError(this.ioSubject(), err);
        delay = this.common.pollMs;
      }
      if (this.closing) break;
      if (delay > 0) await this.wake!.wait(delay);
    }
  }

  private async shutdown(): Promise<void> {
    this.closing = true;
    if (this.starting) await this.starting.catch(() => undefined);
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.flushTimer = null;
    this.wake?.close();
    if (this.loop) await this.loop;
    await this.flush();
    await this.release();
  }
}

/**
 * Runs jobs over ranges of items, in the order they were pushed, at most
 * `slice` items per turn of the event loop. A source hands a journal batch on
 * through it: thousands of records that piled up during one slow fsync then
 * enter the flow a slice at a time, interleaved with the nodes that process
 * them, rather than all at once (which keeps every one of their messages alive
 * together, and the garbage collector busy copying them).
 */
export type RangeJob = (from: number, to: number) => void;

interface Queued {
  count: number;
  at: number;
  run: RangeJob;
  resolve: () => void;
}

export class SlicedQueue {
  private readonly queue: Queued[] = [];
  private draining = false;

  constructor(private readonly slice = 128) {}

  /** True while jobs wait for a later turn: whatever must come after them has to be pushed too. */
  get busy(): boolean {
    return this.draining;
  }

  /**
   * Runs `run` over 0..count in slices, after every job pushed before. Small
   * jobs on an idle queue run at once (void); otherwise resolves once the last
   * slice ran. An exception of `run` is the caller's to avoid: it would stop the queue.
   */
  push(count: number, run: RangeJob): Promise<void> | void {
    if (!this.draining && count <= this.slice) {
      run(0, count);
      return;
    }
    return new Promise<void>((resolve) => {
      this.queue.push({ count, at: 0, run, resolve });
      if (!this.draining) this.drain();
    });
  }

  private drain(): void {
    this.draining = true;
    let budget = this.slice;
    while (budget > 0 && this.queue.length > 0) {
      const q = this.queue[0]!;
      const end = Math.min(q.count, q.at + budget);
      q.run(q.at, end);
      budget -= end - q.at;
      q.at = end;
      if (q.at < q.count) break;
      this.queue.shift();
      q.resolve();
    }
    if (this.queue.length > 0) setImmediate(() => this.drain());
    else this.draining = false;
  }
}

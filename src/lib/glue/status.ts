/**
 * Node status for source nodes, without Node-RED: what the dot says, and a
 * throttle so a burst of 50k records/s does not send 50k status updates to
 * every open editor.
 */

export interface StatusLike {
  fill?: 'red' | 'green' | 'yellow' | 'blue' | 'grey';
  shape?: 'ring' | 'dot';
  text?: string;
}

export interface SourceCounts {
  connections?: number;
  records: number;
  errors: number;
}

/** "1,234" — counts are read at a glance. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** `tcp :4000 · 2 conn · 1,234 rec · 3 err` */
export function countsText(label: string, counts: SourceCounts): string {
  const parts = [label];
  if (counts.connections !== undefined) parts.push(`${counts.connections} conn`);
  parts.push(`${formatCount(counts.records)} rec`);
  if (counts.errors > 0) parts.push(`${formatCount(counts.errors)} err`);
  return parts.join(' · ');
}

/**
 * Calls `apply` with the latest status at most once per `intervalMs`. The first
 * change after a quiet period goes out at once; later ones are coalesced.
 */
/** A status, or how to build it: a function is called only when its status goes out (not per record). */
export type StatusOrRender = StatusLike | (() => StatusLike);

export class StatusThrottle {
  private pending: StatusOrRender | null = null;
  private timer: NodeJS.Timeout | null = null;
  private last = '';

  constructor(
    private readonly apply: (s: StatusLike) => void,
    private readonly intervalMs = 500,
  ) {}

  set(status: StatusOrRender): void {
    if (this.timer) {
      this.pending = status;
      return;
    }
    this.emit(typeof status === 'function' ? status() : status);
    this.timer = setTimeout(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  /** Sends a status now (errors, state changes): skips the throttle. */
  now(status: StatusLike): void {
    this.pending = null;
    this.emit(status);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = null;
  }

  private tick(): void {
    this.timer = null;
    if (this.pending) {
      const s = this.pending;
      this.pending = null;
      this.set(s);
    }
  }

  private emit(status: StatusLike): void {
    const key = `${status.fill}|${status.shape}|${status.text}`;
    if (key === this.last) return;
    this.last = key;
    this.apply(status);
  }
}

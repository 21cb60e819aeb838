/**
 * cdr-normalize's status dot: `1,234 in · 1,230 out · 4 dup · 2 open · 1 err`,
 * rebuilt at most every 250 ms from a timer however many records arrive
 * (building the text costs more than handling a record).
 */
import { formatCount } from './status';

export interface NormalizeCounts {
  in: number;
  out: number;
  duplicates: number;
}

/** `openCalls` null: the node sends records, not calls, so no open count. */
export function normalizeCountsText(c: NormalizeCounts, openCalls: number | null, errors: number): string {
  const parts = [`${formatCount(c.in)} in`, `${formatCount(c.out)} out`];
  if (c.duplicates > 0) parts.push(`${formatCount(c.duplicates)} dup`);
  if (openCalls !== null) parts.push(`${formatCount(openCalls)} open`);
  if (errors > 0) parts.push(`${formatCount(errors)} err`);
  return parts.join(' · ');
}

/** Runs `render` once, `delayMs` after the first `request()` since it last ran. */
export class DeferredRender {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly render: () => void,
    private readonly delayMs = 250,
  ) {}

  request(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.render();
    }, this.delayMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

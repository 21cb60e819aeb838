/**
 * cdr-normalize's call output: one timer for the next call to complete. A new
 * leg never makes the next completion earlier than the one scheduled, so a
 * running timer is left alone; when it fires it hands what is due to `fire` and
 * schedules the next. Its callback is guarded: an exception escaping a timer
 * would stop Node-RED.
 */
export class CallTimer {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    /** When the next call is due (ms since the epoch), or null when none waits. */
    private readonly nextDueAt: () => number | null,
    private readonly fire: (now: number) => void,
    private readonly onError: (err: Error) => void,
  ) {}

  schedule(): void {
    if (this.timer) return;
    const at = this.nextDueAt();
    if (at === null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      try {
        this.fire(Date.now());
      } catch (err) {
        this.onError(err as Error);
      }
      this.schedule();
    }, Math.max(0, at - Date.now()));
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

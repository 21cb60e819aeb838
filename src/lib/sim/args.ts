/** Small helpers shared by the `cdr-sim` subcommands. */

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** `host:port` → parts; `[::1]:5000` for IPv6. */
export function parseHostPort(text: string | undefined, what = '--to'): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(text ?? '');
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) throw new UsageError(`${what} needs host:port (got "${text ?? ''}")`);
  return { host: m[1]!, port };
}

export function positiveNumber(text: string | undefined, what: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${what} needs a number ≥ 0 (got "${text}")`);
  return n;
}

export function oneOf<T extends string>(text: string | undefined, what: string, choices: readonly T[], fallback: T): T {
  if (text === undefined) return fallback;
  if (!(choices as readonly string[]).includes(text)) throw new UsageError(`${what} is one of ${choices.join(', ')} (got "${text}")`);
  return text as T;
}

/**
 * Runs `tick` `count` times (0 = until stopped) at `rate` per second, in small
 * batches so high rates are met without a timer per record. Resolves when done
 * or when `signal` aborts.
 */
export async function paced(rate: number, count: number, tick: (i: number) => Promise<void> | void, signal?: AbortSignal): Promise<number> {
  const started = Date.now();
  let i = 0;
  while ((count === 0 || i < count) && !signal?.aborted) {
    const due = rate > 0 ? Math.floor(((Date.now() - started) / 1000) * rate) + 1 : Number.MAX_SAFE_INTEGER;
    while (i < due && (count === 0 || i < count) && !signal?.aborted) await tick(i++);
    if (rate > 0 && (count === 0 || i < count)) await new Promise((r) => setTimeout(r, Math.max(1, Math.min(100, 1000 / rate))));
  }
  return i;
}

/** A simulator's reason to stop, for the user (printed without a stack; exit code 1). */
export class GiveUp extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GiveUp';
  }
}

/** How long a simulator waits for its receiver to take anything before it gives up (`--timeout`; 0 = never). */
export const DEFAULT_GIVE_UP_SEC = 30;

export const TIMEOUT_USAGE = `  --timeout SEC          give up when the receiver takes nothing for SEC seconds while
                         records wait (default ${DEFAULT_GIVE_UP_SEC}; 0 = wait forever, as a real PBX)`;

export interface StallGuardOptions {
  /** 0: never give up. */
  timeoutMs: number;
  /** What was delivered so far: any change is progress. */
  progress(): number;
  /** Whether something is waiting to be delivered now (an idle sender never stalls). */
  waiting(): boolean;
  /** Why nothing goes out, for the message (the last error seen). */
  why(): string;
  /** Ctrl-C. */
  signal?: AbortSignal | undefined;
}

/**
 * Watches a sender for a stall: records waiting and nothing delivered for
 * `timeoutMs`. Its `signal` aborts on Ctrl-C or on the stall, so one signal
 * stops the sending loop and every wait in it; `check()` then throws the
 * stall as a GiveUp with its reason.
 */
export function stallGuard(o: StallGuardOptions): { signal: AbortSignal; check(): void; dispose(): void } {
  const controller = new AbortController();
  let stalled: string | null = null;
  let last = o.progress();
  let since = Date.now();
  const onAbort = (): void => controller.abort();
  if (o.signal?.aborted) controller.abort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const timer =
    o.timeoutMs > 0
      ? setInterval(() => {
          const now = o.progress();
          if (now !== last || !o.waiting()) {
            last = now;
            since = Date.now();
            return;
          }
          if (Date.now() - since >= o.timeoutMs) {
            stalled = `gave up: nothing was delivered for ${Math.round(o.timeoutMs / 1000)} s (${o.why()})`;
            controller.abort();
          }
        }, Math.min(1000, Math.max(50, o.timeoutMs / 10)))
      : null;
  timer?.unref();
  return {
    signal: controller.signal,
    check() {
      if (stalled) throw new GiveUp(stalled);
    },
    dispose() {
      if (timer) clearInterval(timer);
      o.signal?.removeEventListener('abort', onAbort);
    },
  };
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function napUnless(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

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

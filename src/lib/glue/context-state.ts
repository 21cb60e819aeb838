/**
 * Node state kept in node context, so a redeploy (and, with a persistent
 * context store, a restart) keeps it. Node-RED's context API, typed here so the
 * glue stays thin and this stays testable without Node-RED.
 */
export interface ContextLike {
  get(key: string, store: string | undefined, cb: (err: Error | undefined, value: unknown) => void): void;
  set(key: string, value: unknown, store: string | undefined, cb: (err?: Error) => void): void;
}

export function loadState(ctx: ContextLike, key: string, store: string): Promise<unknown> {
  return new Promise((resolve, reject) => ctx.get(key, store === '' ? undefined : store, (err, value) => (err ? reject(err) : resolve(value))));
}

export function saveState(ctx: ContextLike, key: string, store: string, value: unknown): Promise<void> {
  return new Promise((resolve, reject) => ctx.set(key, value, store === '' ? undefined : store, (err) => (err ? reject(err) : resolve())));
}

import { createHash } from 'node:crypto';

/**
 * A stable record id from the fields that identify a record: the same record
 * resent gives the same id. `prefix` keeps vendors' ids apart.
 */
export function stableId(prefix: string, parts: ReadonlyArray<string | number | null | undefined>): string {
  const h = createHash('sha256');
  for (const p of parts) {
    // A separator that cannot occur in the values keeps ["ab","c"] apart from ["a","bc"].
    h.update(p === null || p === undefined ? '\u0000' : String(p));
    h.update('\u0001');
  }
  return `${prefix}:${h.digest('hex').slice(0, 32)}`;
}

import { createHash } from 'node:crypto';

/**
 * A stable record id from the fields that identify a record: the same record
 * resent gives the same id. `prefix` keeps vendors' ids apart.
 */
export function stableId(prefix: string, parts: ReadonlyArray<string | number | null | undefined>): string {
  // A separator that cannot occur in the values keeps ["ab","c"] apart from ["a","bc"].
  // One string hashed in one call: the same bytes (so the same ids) as an
  // update per part, without a crossing into the hash per part.
  let text = '';
  for (const p of parts) text += (p === null || p === undefined ? '\u0000' : String(p)) + '\u0001';
  return `${prefix}:${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
}

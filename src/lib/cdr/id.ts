import * as crypto from 'node:crypto';

// crypto.hash (Node ≥ 20.12) hashes one string in one call, without a Hash
// object per record; createHash is the fallback for older runtimes. Both give
// the same digest of the same bytes, so the same ids.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;
const sha256Hex: (text: string) => string =
  typeof oneShot === 'function' ? (text) => oneShot('sha256', text, 'hex') : (text) => crypto.createHash('sha256').update(text).digest('hex');

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
  return joinId(prefix, sha256Hex(text));
}

// Character codes of the id being built (reused: no array per id).
const codes: number[] = [];

/**
 * `${prefix}:` and the first 32 hex digits as one flat string from character
 * codes: a slice and a concatenation make a string of parts, which the
 * deduper's Set (and every later reader) first copies into a flat one.
 */
function joinId(prefix: string, hex: string): string {
  const n = prefix.length;
  codes.length = n + 33;
  for (let i = 0; i < n; i++) codes[i] = prefix.charCodeAt(i);
  codes[n] = 58; // :
  for (let i = 0; i < 32; i++) codes[n + 1 + i] = hex.charCodeAt(i);
  return String.fromCharCode.apply(null, codes);
}

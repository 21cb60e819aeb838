/**
 * What the first bytes of a connection are: a TLS handshake, an HTTP request,
 * or anything else. A listener uses it to tell a user that the sender is set up
 * for another protocol, in one error, instead of failing on every piece.
 */

export type FirstBytes = 'tls' | 'http' | 'data' | 'more';

const METHODS = ['GET', 'POST', 'PUT', 'HEAD', 'DELETE', 'OPTIONS', 'PATCH', 'CONNECT', 'TRACE'].map((m) => `${m} `);
/** Enough to decide for every method ("OPTIONS " is 8 bytes). */
export const SNIFF_BYTES = 8;

/** Decides from the bytes received so far; 'more' while they are a prefix of a TLS record or an HTTP method. */
export function sniffFirstBytes(head: Buffer): FirstBytes {
  if (head.length === 0) return 'more';
  // A TLS record starts with content type 22 (handshake) and major version 3.
  if (head[0] === 0x16) {
    if (head.length === 1) return 'more';
    return head[1] === 0x03 ? 'tls' : 'data';
  }
  const text = head.subarray(0, SNIFF_BYTES).toString('latin1');
  for (const m of METHODS) {
    if (text.startsWith(m)) return 'http';
    if (m.startsWith(text)) return 'more';
  }
  return 'data';
}

/** The first byte that is not whitespace: '{' or '[' → json, '<' → xml. */
export function bodyKindOf(bytes: Buffer | string): 'json' | 'xml' | 'other' | 'empty' {
  const s = typeof bytes === 'string' ? bytes : bytes.subarray(0, 256).toString('latin1');
  const m = /[^\s\u0000\ufeff\u00ef\u00bb\u00bf]/.exec(s);
  if (!m) return 'empty';
  const c = m[0];
  if (c === '{' || c === '[') return 'json';
  if (c === '<') return 'xml';
  return 'other';
}

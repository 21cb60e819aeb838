import { bodyKindOf } from './protocol-sniff';

/**
 * A sender set up for another protocol than the listener: each kind names the
 * mistake; the node's locale gives the sentence with the setting that fixes it.
 */
export type MismatchKind =
  /** An HTTP request on a raw TCP (or TLS) listener. */
  | 'http-on-tcp'
  /** A TLS handshake on a plain TCP or HTTP listener. */
  | 'tls-on-plain'
  /** Plain bytes (not TLS, not HTTP) on a TLS or HTTPS listener. */
  | 'plain-on-tls'
  /** A plain HTTP request on an HTTPS listener. */
  | 'http-on-https'
  /** Bytes that are not an HTTP request on an HTTP listener. */
  | 'data-on-http'
  /** XML where the Format setting says JSON. */
  | 'xml-on-json'
  /** JSON where the Format setting says XML. */
  | 'json-on-xml';

export type MismatchMessages = Partial<Record<MismatchKind, string>>;

/** Used when a node gives no sentence of its own. */
export const DEFAULT_MISMATCH_MESSAGES: Record<MismatchKind, string> = {
  'http-on-tcp': 'received an HTTP request on a TCP listener: the sender is set to HTTP; set the sender to TCP, or this node to HTTP',
  'tls-on-plain': 'received a TLS handshake on a plain listener: turn on TLS here, or turn TLS off at the sender',
  'plain-on-tls': 'received plain text on a TLS listener: turn off TLS here, or turn TLS on at the sender',
  'http-on-https': 'received a plain HTTP request on an HTTPS listener: set this node to HTTP, or the sender to HTTPS',
  'data-on-http': 'received data that is not an HTTP request on an HTTP listener: set the sender to HTTP, or this node to TCP',
  'xml-on-json': 'received XML, but Format is JSON: set Format to XML or Auto',
  'json-on-xml': 'received JSON, but Format is XML: set Format to JSON or Auto',
};

export function mismatchText(kind: MismatchKind, messages: MismatchMessages | null | undefined): string {
  return messages?.[kind] ?? DEFAULT_MISMATCH_MESSAGES[kind];
}

/** XML where JSON is expected or the reverse, judged by the first significant byte; null when it agrees. */
export function formatMismatch(expected: 'json' | 'xml' | 'auto' | 'line', bytes: Buffer | string): MismatchKind | null {
  if (expected !== 'json' && expected !== 'xml') return null;
  const kind = bodyKindOf(bytes);
  if (expected === 'json' && kind === 'xml') return 'xml-on-json';
  if (expected === 'xml' && kind === 'json') return 'json-on-xml';
  return null;
}

const KINDS = Object.keys(DEFAULT_MISMATCH_MESSAGES) as MismatchKind[];

/**
 * The node's sentences from its locale (`<type>.mismatch.<kind>`); a key the
 * locale lacks (the translator returns the key itself) keeps the default.
 */
export function mismatchMessagesFrom(translate: (key: string) => string): MismatchMessages {
  const out: MismatchMessages = {};
  for (const kind of KINDS) {
    const key = `mismatch.${kind}`;
    const text = translate(key);
    if (text && !text.endsWith(key)) out[kind] = text;
  }
  return out;
}

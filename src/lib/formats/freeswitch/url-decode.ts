/**
 * Decodes FreeSWITCH's `switch_url_encode` output: `%XX` byte escapes of UTF-8
 * text. Unlike form decoding, `+` stays `+`: FreeSWITCH writes a plus as `%2B`
 * and a space as `%20`, so a bare `+` (an E.164 number) is a literal plus.
 * Never throws: a `%` not followed by two hex digits is kept as written, and
 * bytes that are not valid UTF-8 are read as Latin-1 rather than lost.
 */
export function fsUrlDecode(text: string): string {
  if (text.indexOf('%') < 0) return text;
  try {
    // The native decoder is exact for well-formed input (it keeps + as +)…
    return decodeURIComponent(text);
  } catch {
    // … and throws on a stray % or bytes that are not UTF-8: decode by hand.
  }
  const bytes: number[] = [];
  let plain = '';
  const out: string[] = [];
  const flush = (): void => {
    if (bytes.length === 0) return;
    out.push(plain, decodeBytes(Uint8Array.from(bytes)));
    plain = '';
    bytes.length = 0;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x25 /* % */ && i + 2 < text.length && isHex(text.charCodeAt(i + 1)) && isHex(text.charCodeAt(i + 2))) {
      bytes.push(parseInt(text.substr(i + 1, 2), 16));
      i += 2;
      continue;
    }
    if (bytes.length) flush();
    plain += text[i];
  }
  flush();
  out.push(plain);
  return out.join('');
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

function decodeBytes(b: Uint8Array): string {
  try {
    return strictUtf8.decode(b);
  } catch {
    return latin1.decode(b);
  }
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/**
 * Characters `switch_url_encode` always escapes (and that occur in ordinary
 * channel variables). A value holding one of them raw was not URL-encoded.
 */
const NEVER_RAW_WHEN_ENCODED = /[ "<>@\r\n]/;

/**
 * Whether a set of variable values was written with `encode-values` on:
 * false as soon as one value holds a character the encoder would have escaped.
 */
export function looksUrlEncoded(values: Iterable<string>): boolean {
  for (const v of values) if (NEVER_RAW_WHEN_ENCODED.test(v)) return false;
  return true;
}

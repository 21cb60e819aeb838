import { parseJsonCdr, type JsonCdrOptions } from './json';
import { FsFormatError, type FsCdrRecord } from './types';
import { fsUrlDecode } from './url-decode';
import { parseXmlCdr } from './xml';

/** How the CDR was wrapped in the POST body (mod_xml_cdr / mod_json_cdr `encode`). */
export type PostEncoding = 'urlencoded' | 'base64' | 'plain' | 'raw';

export interface DecodedPost {
  /** The CDR document itself. */
  text: string;
  format: 'xml' | 'json';
  encoding: PostEncoding;
  /** From the `?uuid=` query, without the `a_` prefix. */
  uuid?: string;
  /** True when the query uuid carried the `a_` prefix (prefix-a-leg). */
  aLegPrefix?: boolean;
}

export interface ParsedPost extends DecodedPost {
  record: FsCdrRecord;
}

const BASE64 = /^[A-Za-z0-9+/=\r\n]+$/;

/**
 * Unwraps a FreeSWITCH CDR POST body, whatever its `encode` setting:
 * `cdr=<url-encoded>` (true), `cdr=<base64>` with `+`, `/` and `=` raw (base64),
 * `cdr=<raw document>` not encoded at all (false), or the bare document
 * (`textxml`, JSON with encode=false). The content type is a hint only: the
 * body's own first bytes decide, so a mislabelled body is still read right.
 */
export function decodePostBody(body: Buffer | string, contentType?: string, query?: string | URLSearchParams): DecodedPost {
  const text = (typeof body === 'string' ? body : body.toString('utf8')).replace(/^\uFEFF/, '');
  const ids = uuidFromQuery(query);
  const lead = text.trimStart();
  if (lead.length === 0) throw new FsFormatError('empty body: no CDR');
  const bare = documentFormat(lead);
  if (bare) return { text: lead, format: bare, encoding: 'raw', ...ids };

  const mime = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const value = cdrField(lead);
  if (value === undefined) throw new FsFormatError('not a FreeSWITCH CDR body: no XML/JSON document and no cdr= field');

  // encode=false: the document follows `cdr=` untouched, `&` and all.
  const plainFormat = documentFormat(value.rest.trimStart());
  if (plainFormat) return { text: value.rest.trimStart(), format: plainFormat, encoding: 'plain', ...ids };

  // Base64 never holds `%`; a `%XX` means URL-encoding whatever the label says.
  const escaped = /%[0-9a-fA-F]{2}/.test(value.field);
  if (!escaped && (mime === 'application/x-www-form-base64-encoded' || BASE64.test(value.field))) {
    return fromBase64(value.field, ids);
  }
  // encode=true: form decoding, where `+` means a space (FreeSWITCH itself writes %2B for a plus).
  const decoded = fsUrlDecode(value.field.replace(/\+/g, ' ')).trimStart();
  const format = documentFormat(decoded);
  if (format) return { text: decoded, format, encoding: 'urlencoded', ...ids };
  // base64 that something on the way URL-encoded.
  if (BASE64.test(fsUrlDecode(value.field))) return fromBase64(fsUrlDecode(value.field), ids);
  throw new FsFormatError('not a FreeSWITCH CDR body: the cdr= field holds neither XML nor JSON');
}

/** decodePostBody, then the document parsed into the vendor record. */
export function parsePostBody(
  body: Buffer | string,
  contentType?: string,
  query?: string | URLSearchParams,
  jsonOptions?: JsonCdrOptions,
): ParsedPost {
  const d = decodePostBody(body, contentType, query);
  const record = d.format === 'xml' ? parseXmlCdr(d.text) : parseJsonCdr(d.text, jsonOptions);
  return { ...d, record };
}

function fromBase64(field: string, ids: Pick<DecodedPost, 'uuid' | 'aLegPrefix'>): DecodedPost {
  const compact = field.replace(/[\r\n]/g, '');
  if (!BASE64.test(compact) || compact.length % 4 === 1) throw new FsFormatError('cdr= field is not base64');
  const text = Buffer.from(compact, 'base64').toString('utf8').replace(/^\uFEFF/, '').trimStart();
  const format = documentFormat(text);
  if (!format) throw new FsFormatError('base64 cdr= field does not hold an XML or JSON document');
  return { text, format, encoding: 'base64', ...ids };
}

function documentFormat(text: string): 'xml' | 'json' | undefined {
  const c = text[0];
  if (c === '<') return 'xml';
  if (c === '{') return 'json';
  return undefined;
}

/** The `cdr` form field: `field` up to the next `&`, `rest` everything after `cdr=`. */
function cdrField(body: string): { field: string; rest: string } | undefined {
  let at: number;
  if (body.startsWith('cdr=')) at = 4;
  else {
    const i = body.indexOf('&cdr=');
    if (i < 0) return undefined;
    at = i + 5;
  }
  const rest = body.slice(at);
  const amp = rest.indexOf('&');
  return { field: (amp < 0 ? rest : rest.slice(0, amp)).trim(), rest };
}

function uuidFromQuery(query: string | URLSearchParams | undefined): Pick<DecodedPost, 'uuid' | 'aLegPrefix'> {
  if (query === undefined) return {};
  const params = typeof query === 'string' ? new URLSearchParams(query.startsWith('?') ? query.slice(1) : query) : query;
  const raw = params.get('uuid');
  if (!raw) return {};
  return raw.startsWith('a_') ? { uuid: raw.slice(2), aLegPrefix: true } : { uuid: raw, aLegPrefix: false };
}

import { parseUcm, ucmFormatOf, ucmRecordsFrom, UcmFormatError, type UcmFormat, type UcmRecord } from './ucm';

/**
 * An HTTP POST body from a UCM → records. JSON and XML bodies are parsed as
 * such; a form-encoded body is either one field holding the JSON/XML record,
 * or the record's own fields.
 */
export function parseUcmHttpBody(body: Buffer, contentType: string, format: UcmFormat): { records: UcmRecord[]; format: string } {
  const text = body.toString('utf8');
  if (text.trim() === '') throw new UcmFormatError('not_cdr', 'empty body');
  if (contentType === 'application/x-www-form-urlencoded' && !/^\s*[[{<]/.test(text)) {
    const params = new URLSearchParams(text);
    const entries = [...params.entries()];
    const wrapped = entries.find(([, v]) => /^\s*[[{<]/.test(v));
    if (wrapped && entries.length === 1) {
      return { records: parseUcm(wrapped[1], format), format: ucmFormatOf(wrapped[1]) };
    }
    return { records: ucmRecordsFrom(Object.fromEntries(entries)), format: 'form' };
  }
  return { records: parseUcm(text, format), format: ucmFormatOf(text) };
}

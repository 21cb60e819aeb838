import { FsFormatError, type FsCallflow, type FsCdrRecord } from './types';
import { fsUrlDecode, looksUrlEncoded } from './url-decode';

export interface JsonCdrOptions {
  /**
   * Whether variable values are URL-encoded (`encode-values`, FreeSWITCH's
   * default is true). 'auto' (default) decodes unless a value holds a
   * character the encoder always escapes, which proves they were written plain.
   */
  encodedValues?: boolean | 'auto';
}

/**
 * A `mod_json_cdr` document → the FreeSWITCH vendor record. Variable values
 * are URL-decoded when they were encoded (see JsonCdrOptions). Throws
 * FsFormatError for text that is not JSON or not a FreeSWITCH CDR.
 */
export function parseJsonCdr(text: string, options: JsonCdrOptions = {}): FsCdrRecord {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new FsFormatError(`not valid JSON: ${(err as Error).message}`);
  }
  return jsonToRecord(doc, options);
}

/** An already parsed mod_json_cdr document → the vendor record (a copy; the input is not changed). */
export function jsonToRecord(doc: unknown, options: JsonCdrOptions = {}): FsCdrRecord {
  if (!isObject(doc)) throw new FsFormatError('not a FreeSWITCH CDR: expected a JSON object');
  const rawVars = doc['variables'];
  const rawFlow = doc['callflow'];
  if (!isObject(rawVars) && rawFlow === undefined) {
    throw new FsFormatError('not a FreeSWITCH CDR: the object has neither "variables" nor "callflow"');
  }
  const plain: Record<string, string> = {};
  if (isObject(rawVars)) {
    for (const [k, v] of Object.entries(rawVars)) plain[k] = typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v);
  }
  const mode = options.encodedValues ?? 'auto';
  const decode = mode === 'auto' ? looksUrlEncoded(Object.values(plain)) : mode;
  const variables: Record<string, string> = {};
  for (const [k, v] of Object.entries(plain)) variables[k] = decode ? fsUrlDecode(v) : v;

  // Older builds wrote a single callflow object rather than an array.
  const flows = Array.isArray(rawFlow) ? rawFlow : rawFlow === undefined ? [] : [rawFlow];
  const callflow: FsCallflow[] = flows.filter(isObject).map((f) => ({
    ...f,
    caller_profile: isObject(f['caller_profile']) ? (f['caller_profile'] as FsCallflow['caller_profile']) : {},
    times: isObject(f['times']) ? stringMap(f['times']) : {},
  }));
  return { ...doc, variables, callflow };
}

function stringMap(o: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) out[k] = typeof v === 'string' ? v : String(v ?? '');
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

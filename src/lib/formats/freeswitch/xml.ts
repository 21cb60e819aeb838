import { parseXml } from '../xml';
import { FsFormatError, type FsApplication, type FsCallerProfile, type FsCallflow, type FsCdrRecord, type FsHold } from './types';
import { fsUrlDecode } from './url-decode';

// The shared XML reader keeps values as text and attributes as fields.
// Repeated elements (callflow, application, hold, *_caller_profile) are made
// arrays by asArray() below, so the parser needs no per-tag callback.

type Node = Record<string, unknown>;

/**
 * A `mod_xml_cdr` document → the FreeSWITCH vendor record (the mod_json_cdr
 * shape: `callflow` and `applications` as arrays, attributes as fields).
 * Variable values are URL-decoded (FreeSWITCH always encodes them in XML).
 * Throws FsFormatError for text that is not well-formed XML or not a <cdr>.
 */
export function parseXmlCdr(text: string): FsCdrRecord {
  let doc: Node;
  try {
    doc = parseXml(text) as Node;
  } catch (err) {
    throw new FsFormatError((err as Error).message);
  }
  const root = doc['cdr'];
  if (!isNode(root)) {
    const names = Object.keys(doc).filter((k) => !k.startsWith('?'));
    throw new FsFormatError(`not a FreeSWITCH CDR: root element is <${names[0] ?? ''}>, expected <cdr>`);
  }
  const variables: Record<string, string> = {};
  const vars = root['variables'];
  if (isNode(vars)) for (const [k, v] of Object.entries(vars)) variables[k] = fsUrlDecode(text_(v));

  const callflow = asArray(root['callflow']).filter(isNode).map(toCallflow);
  if (callflow.length === 0 && Object.keys(variables).length === 0) {
    throw new FsFormatError('not a FreeSWITCH CDR: <cdr> has neither <variables> nor <callflow>');
  }
  const record: FsCdrRecord = { variables, callflow };
  copyString(root, 'core-uuid', record);
  copyString(root, 'switchname', record);
  if (isNode(root['channel_data'])) record.channel_data = flatStrings(root['channel_data']);
  if (isNode(root['call-stats'])) record['call-stats'] = strings(root['call-stats']) as Record<string, unknown>;
  const appLog = root['app_log'];
  if (appLog !== undefined) record.app_log = { applications: isNode(appLog) ? asArray(appLog['application']).filter(isNode).map(toApplication) : [] };
  const holdRecord = root['hold-record'];
  if (holdRecord !== undefined) record['hold-record'] = { hold: isNode(holdRecord) ? asArray(holdRecord['hold']).filter(isNode).map(toHold) : [] };
  // Anything else FreeSWITCH adds later is kept rather than dropped.
  for (const [k, v] of Object.entries(root)) {
    if (!(k in record) && !KNOWN_TOP.has(k)) record[k] = strings(v);
  }
  return record;
}

const KNOWN_TOP = new Set(['variables', 'callflow', 'core-uuid', 'switchname', 'channel_data', 'call-stats', 'app_log', 'hold-record']);

function toCallflow(n: Node): FsCallflow {
  const cf: FsCallflow = {
    caller_profile: isNode(n['caller_profile']) ? toCallerProfile(n['caller_profile']) : {},
    times: isNode(n['times']) ? flatStrings(n['times']) : {},
  };
  for (const [k, v] of Object.entries(n)) {
    if (k === 'caller_profile' || k === 'times') continue;
    if (k === 'extension' && isNode(v)) cf.extension = toExtension(v);
    else cf[k] = strings(v);
  }
  return cf;
}

function toExtension(n: Node): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(n)) {
    if (k === 'application') out['applications'] = asArray(v).filter(isNode).map(toApplication);
    else out[k] = strings(v);
  }
  return out;
}

function toCallerProfile(n: Node): FsCallerProfile {
  const out: FsCallerProfile = {};
  for (const [k, v] of Object.entries(n)) {
    if (k === 'originator' && isNode(v)) {
      out.originator = { originator_caller_profiles: asArray(v['originator_caller_profile']).filter(isNode).map(toCallerProfile) };
    } else if (k === 'originatee' && isNode(v)) {
      out.originatee = { originatee_caller_profiles: asArray(v['originatee_caller_profile']).filter(isNode).map(toCallerProfile) };
    } else {
      out[k] = strings(v);
    }
  }
  return out;
}

function toApplication(n: Node): FsApplication {
  const app: FsApplication = { app_name: '', app_data: '' };
  for (const [k, v] of Object.entries(n)) app[k] = text_(v);
  return app;
}

function toHold(n: Node): FsHold {
  const h: FsHold = { on: text_(n['on']), off: text_(n['off']) };
  if (n['bridged-to'] !== undefined) h['bridged-to'] = text_(n['bridged-to']);
  return h;
}

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function asArray(v: unknown): unknown[] {
  if (v === undefined || v === null || v === '') return [];
  return Array.isArray(v) ? v : [v];
}

/** Text of a leaf; an element that unexpectedly has attributes keeps its text. */
function text_(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return '';
  if (isNode(v) && typeof v['#text'] === 'string') return v['#text'];
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return '';
}

function flatStrings(n: Node): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(n)) out[k] = text_(v);
  return out;
}

/** A subtree as plain strings, objects and arrays. */
function strings(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(strings);
  if (isNode(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = strings(x);
    return out;
  }
  return text_(v);
}

function copyString(from: Node, key: 'core-uuid' | 'switchname', to: FsCdrRecord): void {
  const v = from[key];
  if (typeof v === 'string') to[key] = v;
}

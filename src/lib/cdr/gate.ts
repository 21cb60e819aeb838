/**
 * The last check before a Cdr leaves normalize or calc: the JSON Schema of
 * ./schema, plus what the schema cannot say (every time a real instant, and
 * start ≤ answer ≤ end). A record that fails takes the error path with the
 * first violation — which field, what value, which rule — instead of going on.
 *
 * The checker is compiled once from `cdrJsonSchema` itself into plain
 * closures, so it follows the schema as it changes and costs about as much as
 * a hand-written check (no generic validator runs per record). It knows the
 * keywords the schema uses and refuses, at load, a schema with any other, so
 * it can never pass what the schema would refuse.
 */
import { cdrJsonSchema, type Cdr } from './schema';
import { describe } from './read-field';
import { MapError } from './normalize/types';

/** The first thing wrong with a record: `path` like `legs.0.durationSec`, `value` found there, `rule` broken. */
export interface CdrViolation {
  path: string;
  value: unknown;
  rule: string;
}

/** A Cdr that fails the gate. A MapError, so callers of normalize still have one kind of error to handle. */
export class CdrInvalidError extends MapError {
  readonly path: string;
  readonly value: unknown;
  readonly rule: string;

  constructor(v: CdrViolation, stage: string) {
    super(`${stage} gave a Cdr that fails the schema: ${formatViolation(v)}`, v.path);
    this.name = 'CdrInvalidError';
    this.path = v.path;
    this.value = v.value;
    this.rule = v.rule;
  }
}

/** `durationSec is -60: must be ≥ 0`. */
export function formatViolation(v: CdrViolation): string {
  return `${v.path === '' ? 'the record' : v.path} is ${describe(v.value)}: ${v.rule}`;
}

type Check = (value: unknown) => CdrViolation | null;

interface SchemaNode {
  type?: string;
  const?: unknown;
  enum?: readonly unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  required?: readonly string[];
  additionalProperties?: boolean;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  anyOf?: readonly SchemaNode[];
  $ref?: string;
}

const KNOWN = new Set(['type', 'const', 'enum', 'pattern', 'minimum', 'maximum', 'minLength', 'required', 'additionalProperties',
  'properties', 'items', 'anyOf', '$ref', 'description', 'title', '$schema', '$id']);
const hasOwn = Object.prototype.hasOwnProperty;

const fail = (value: unknown, rule: string): CdrViolation => ({ path: '', value, rule });
const under = (key: string, v: CdrViolation): CdrViolation => ({ ...v, path: v.path === '' ? key : `${key}.${v.path}` });

function typeCheck(type: string): Check {
  switch (type) {
    case 'string': return (v) => (typeof v === 'string' ? null : fail(v, 'must be a string'));
    case 'number': return (v) => (typeof v === 'number' && Number.isFinite(v) ? null : fail(v, 'must be a finite number'));
    case 'integer': return (v) => (Number.isInteger(v) ? null : fail(v, 'must be a whole number'));
    case 'null': return (v) => (v === null ? null : fail(v, 'must be null'));
    case 'array': return (v) => (Array.isArray(v) ? null : fail(v, 'must be a list'));
    case 'object': return (v) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? null : fail(v, 'must be an object'));
    default: throw new Error(`cdr gate: schema type "${type}" is not supported`);
  }
}

function compile(node: SchemaNode, root: () => Check): Check {
  for (const k of Object.keys(node)) if (!KNOWN.has(k)) throw new Error(`cdr gate: schema keyword "${k}" is not supported`);
  if (node.$ref !== undefined) {
    if (node.$ref !== '#') throw new Error(`cdr gate: $ref "${node.$ref}" is not supported`);
    return (v) => root()(v);
  }
  const checks: Check[] = [];
  if (node.anyOf) {
    const alternatives = node.anyOf.map((n) => compile(n, root));
    checks.push((v) => {
      let first: CdrViolation | null = null;
      for (const alt of alternatives) {
        const r = alt(v);
        if (r === null) return null;
        first ??= r;
      }
      return first;
    });
  }
  if (node.type !== undefined) checks.push(typeCheck(node.type));
  if (hasOwn.call(node, 'const')) {
    const c = node.const;
    checks.push((v) => (v === c ? null : fail(v, `must be ${JSON.stringify(c)}`)));
  }
  if (node.enum) {
    const allowed = new Set(node.enum);
    const text = node.enum.join(', ');
    checks.push((v) => (allowed.has(v) ? null : fail(v, `must be one of ${text}`)));
  }
  if (node.pattern !== undefined) {
    const re = new RegExp(node.pattern, 'u');
    const rule = node.pattern.includes('T\\d{2}') ? 'must be an ISO 8601 UTC time (YYYY-MM-DDTHH:MM:SS[.fff]Z)' : `must match ${node.pattern}`;
    checks.push((v) => (typeof v !== 'string' || re.test(v) ? null : fail(v, rule)));
  }
  if (node.minLength !== undefined) {
    const min = node.minLength;
    checks.push((v) => (typeof v !== 'string' || v.length >= min ? null : fail(v, min === 1 ? 'must not be empty' : `must have at least ${min} characters`)));
  }
  if (node.minimum !== undefined) {
    const min = node.minimum;
    checks.push((v) => (typeof v !== 'number' || v >= min ? null : fail(v, `must be ≥ ${min}`)));
  }
  if (node.maximum !== undefined) {
    const max = node.maximum;
    checks.push((v) => (typeof v !== 'number' || v <= max ? null : fail(v, `must be ≤ ${max}`)));
  }
  if (node.properties || node.required || node.additionalProperties === false) checks.push(objectCheck(node, root));
  if (node.items) {
    const item = compile(node.items, root);
    checks.push((v) => {
      if (!Array.isArray(v)) return null;
      for (let i = 0; i < v.length; i++) {
        const r = item(v[i]);
        if (r !== null) return under(String(i), r);
      }
      return null;
    });
  }
  if (checks.length === 1) return checks[0]!;
  return (v) => {
    for (const c of checks) {
      const r = c(v);
      if (r !== null) return r;
    }
    return null;
  };
}

function objectCheck(node: SchemaNode, root: () => Check): Check {
  const props = new Map<string, Check>();
  for (const [k, n] of Object.entries(node.properties ?? {})) props.set(k, compile(n, root));
  const required = node.required ?? [];
  const closed = node.additionalProperties === false;
  return (v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
    const o = v as Record<string, unknown>;
    for (const k of required) if (!hasOwn.call(o, k)) return { path: k, value: undefined, rule: 'is required' };
    for (const k of Object.keys(o)) {
      const check = props.get(k);
      if (check === undefined) {
        if (closed) return { path: k, value: o[k], rule: 'is not a field of the schema' };
        continue;
      }
      const r = check(o[k]);
      if (r !== null) return under(k, r);
    }
    return null;
  };
}

const rootCheck = (): Check => recordCheck;

// The fast path. Each field of a Cdr has a cheap test that is enough to pass
// it (typeof and a regular expression); only a value that fails it goes to the
// schema's own check above, which decides and names the rule. A fast test is
// used only while the field's schema is the one it was written for, so a
// change to the schema can make the gate slower, never wrong.
const top = cdrJsonSchema as unknown as SchemaNode;
const fieldChecks = new Map<string, Check>();
for (const [k, n] of Object.entries(top.properties ?? {})) fieldChecks.set(k, compile(n, rootCheck));
const REQUIRED = top.required ?? [];

/** ISO UTC with every part in range: a text that matches it is a real instant for Date.parse. */
const ISO_IN_RANGE = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,6})?Z$/;
const isTime = (v: unknown): boolean => typeof v === 'string' && ISO_IN_RANGE.test(v);

/** A sufficient test that `v` is a time Date.parse reads (what every Cdr time looks like); false says nothing. */
export const isCdrTimeText = isTime;
const isSeconds = (v: unknown): boolean => typeof v === 'number' && v >= 0 && v < Infinity;

// The schema of each field the fast path was written for (descriptions aside).
// ISO_IN_RANGE is a sufficient test for this pattern only.
const TIME = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,6})?Z$' };
const SECONDS = { type: 'number', minimum: 0 };
const TEXT = { type: 'string' };
const WRITTEN_FOR: Record<string, unknown> = {
  schema: { const: 1 },
  kind: { enum: ['leg', 'call'] },
  id: { type: 'string', minLength: 1 },
  callId: { type: 'string', minLength: 1 },
  startTime: TIME,
  endTime: TIME,
  answerTime: { anyOf: [TIME, { type: 'null' }] },
  durationSec: SECONDS,
  billSec: SECONDS,
  dialed: TEXT,
  accountCode: TEXT,
  userField: TEXT,
  costReason: TEXT,
  extra: { type: 'object' },
  caller: { type: 'object', additionalProperties: false, required: ['number'], properties: { number: TEXT, name: TEXT } },
  callee: { type: 'object', additionalProperties: false, required: ['number'], properties: { number: TEXT } },
  metrics: {
    type: 'object', additionalProperties: false, required: ['ringSec', 'talkSec', 'totalSec'],
    properties: { ringSec: SECONDS, pddSec: SECONDS, talkSec: SECONDS, holdSec: SECONDS, totalSec: SECONDS },
  },
  cost: {
    anyOf: [{
      type: 'object', additionalProperties: false, required: ['amount', 'currency', 'prefix', 'ratePerMinute', 'billedSec'],
      properties: { amount: { type: 'number', minimum: 0 }, currency: { type: 'string', minLength: 1 }, prefix: TEXT, ratePerMinute: { type: 'number', minimum: 0 }, billedSec: SECONDS },
    }, { type: 'null' }],
  },
};
const fast = new Set<string>();
for (const [k, expected] of Object.entries(WRITTEN_FOR)) {
  const actual = top.properties?.[k];
  if (actual !== undefined && top.additionalProperties === false && sameSchema(actual, expected)) fast.add(k);
}
const FAST_ALL = fast.size === Object.keys(WRITTEN_FOR).length;

/** Equal schemas, descriptions aside. */
function sameSchema(a: unknown, b: unknown): boolean {
  const strip = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(strip);
    if (typeof x !== 'object' || x === null) return x;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(x).sort()) if (k !== 'description') out[k] = strip((x as Record<string, unknown>)[k]);
    return out;
  };
  return JSON.stringify(strip(a)) === JSON.stringify(strip(b));
}

/** How many own enumerable keys `o` has, counted without an array of them (this runs several times per record). */
function ownKeyCount(o: object): number {
  let n = 0;
  for (const k in o) if (hasOwn.call(o, k)) n++;
  return n;
}

function fastParty(v: unknown, withName: boolean): boolean {
  if (typeof v !== 'object' || v === null) return false;
  const p = v as { number?: unknown; name?: unknown };
  if (typeof p.number !== 'string') return false;
  let n = 1;
  if (withName && p.name !== undefined) {
    if (typeof p.name !== 'string') return false;
    n = 2;
  }
  return ownKeyCount(p) === n;
}

function fastMetrics(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  const m = v as Record<string, unknown>;
  if (!isSeconds(m['ringSec']) || !isSeconds(m['talkSec']) || !isSeconds(m['totalSec'])) return false;
  let n = 3;
  if (m['pddSec'] !== undefined) {
    if (!isSeconds(m['pddSec'])) return false;
    n++;
  }
  if (m['holdSec'] !== undefined) {
    if (!isSeconds(m['holdSec'])) return false;
    n++;
  }
  return ownKeyCount(m) === n;
}

function fastCost(v: unknown): boolean {
  if (v === null) return true;
  if (typeof v !== 'object') return false;
  const c = v as Record<string, unknown>;
  return isSeconds(c['amount']) && typeof c['currency'] === 'string' && (c['currency'] as string).length > 0 && typeof c['prefix'] === 'string'
    && isSeconds(c['ratePerMinute']) && isSeconds(c['billedSec']) && ownKeyCount(c) === 5;
}

/** A sufficient test for field `k` holding `v` (written for the schemas above); false sends it to the schema's own check. */
function passesFast(k: string, v: unknown): boolean {
  switch (k) {
    case 'schema': return v === 1;
    case 'kind': return v === 'leg' || v === 'call';
    case 'id':
    case 'callId': return typeof v === 'string' && v.length > 0;
    case 'startTime':
    case 'endTime': return isTime(v);
    case 'answerTime': return v === null || isTime(v);
    case 'durationSec':
    case 'billSec': return isSeconds(v);
    case 'dialed':
    case 'accountCode':
    case 'userField':
    case 'costReason': return typeof v === 'string';
    case 'extra': return typeof v === 'object' && v !== null && !Array.isArray(v);
    case 'caller': return fastParty(v, true);
    case 'callee': return fastParty(v, false);
    case 'metrics': return fastMetrics(v);
    case 'cost': return fastCost(v);
    default: return false;
  }
}

/**
 * One Cdr (a leg inside a call included) against the schema: fast tests first,
 * the schema's checks when one fails. `legsPassed`: its `legs` are records
 * that passed this check already (the caller checked each), not checked again.
 */
function recordCheck(value: unknown, legsPassed = false): CdrViolation | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(value, 'must be an object');
  const o = value as Record<string, unknown>;
  for (let i = 0; i < REQUIRED.length; i++) if (!hasOwn.call(o, REQUIRED[i]!)) return { path: REQUIRED[i]!, value: undefined, rule: 'is required' };
  // Times that passed the fast test are real instants already: the order check can skip Date.parse.
  let timesInRange = 0;
  // for…in with an own-key test, not Object.keys: no array of the field names per record.
  for (const k in o) {
    if (!hasOwn.call(o, k)) continue;
    const v = o[k];
    if ((FAST_ALL || fast.has(k)) && passesFast(k, v)) {
      if (k === 'startTime' || k === 'endTime' || (k === 'answerTime' && v !== null)) timesInRange++;
      continue;
    }
    if (k === 'legs' && Array.isArray(v)) {
      if (legsPassed) continue;
      for (let j = 0; j < v.length; j++) {
        const r = recordCheck(v[j]);
        if (r !== null) return under(`legs.${j}`, r);
      }
      continue;
    }
    const check = fieldChecks.get(k);
    if (check === undefined) {
      if (top.additionalProperties === false) return { path: k, value: v, rule: 'is not a field of the schema' };
      continue;
    }
    const r = check(v);
    if (r !== null) return under(k, r);
  }
  return timeOrder(o as unknown as Cdr, timesInRange === (o['answerTime'] === null ? 2 : 3));
}

/** Not before, for schema-valid ISO UTC times; texts of the same length that are real instants compare as text. */
function notBefore(a: string, b: string, inRange: boolean): boolean {
  return inRange && a.length === b.length ? a >= b : Date.parse(a) >= Date.parse(b);
}

/**
 * Times that are real instants in order: start ≤ answer ≤ end (the legs of a
 * call are checked as records of their own). `inRange`: all of them passed
 * the fast test, so they are real instants.
 */
function timeOrder(cdr: Cdr, inRange: boolean): CdrViolation | null {
  const { startTime, endTime, answerTime } = cdr;
  if (!inRange) {
    if (!Number.isFinite(Date.parse(startTime))) return { path: 'startTime', value: startTime, rule: 'must be a real date and time' };
    if (!Number.isFinite(Date.parse(endTime))) return { path: 'endTime', value: endTime, rule: 'must be a real date and time' };
    if (answerTime !== null && !Number.isFinite(Date.parse(answerTime))) return { path: 'answerTime', value: answerTime, rule: 'must be a real date and time' };
  }
  if (!notBefore(endTime, startTime, inRange)) return { path: 'endTime', value: endTime, rule: `must not be before startTime (${startTime})` };
  if (answerTime !== null && !(notBefore(answerTime, startTime, inRange) && notBefore(endTime, answerTime, inRange))) {
    return { path: 'answerTime', value: answerTime, rule: `must be within startTime..endTime (${startTime}..${endTime})` };
  }
  return null;
}

/** The first violation of `record` against the Cdr schema and time order, or null when it is a valid Cdr. */
export function cdrViolation(record: unknown): CdrViolation | null {
  return recordCheck(record, false);
}

/** The fields the fast path covers (for tests: a schema change that drops one shows). */
export function fastFields(): string[] {
  return [...fast];
}

/**
 * The first violation of a call whose every leg is one of `passed` (records
 * that passed the gate and were not changed since), or null: its legs are not
 * checked a second time. Any other call is checked whole.
 */
export function callViolation(call: Cdr, passed: (leg: Cdr) => boolean): CdrViolation | null {
  const legs: unknown = call.legs;
  let all = Array.isArray(legs);
  if (all) for (const leg of legs as unknown[]) if (!passed(leg as Cdr)) { all = false; break; }
  return recordCheck(call, all);
}

/** Gives `record` back when it is a valid Cdr; throws CdrInvalidError naming the first violation otherwise. `stage` names who made it. */
export function checkCdr(record: Cdr, stage: string): Cdr {
  const v = cdrViolation(record);
  if (v !== null) throw new CdrInvalidError(v, stage);
  return record;
}

/** What a catch flow needs to act on a refused record: the field, the value found and the rule. */
export interface CdrProblem {
  field: string;
  value: unknown;
  rule: string;
}

/** The problem carried by a CdrInvalidError (for `msg.cdrProblem`), or undefined for any other error. */
export function problemOf(err: unknown): CdrProblem | undefined {
  return err instanceof CdrInvalidError ? { field: err.path, value: err.value, rule: err.rule } : undefined;
}

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

let schemaCheck: Check | null = null;
const rootCheck = (): Check => schemaCheck!;
schemaCheck = compile(cdrJsonSchema as unknown as SchemaNode, rootCheck);

/** Times that are real instants in order: start ≤ answer ≤ end, for the record and each of its legs. */
function timeOrder(cdr: Cdr): CdrViolation | null {
  const start = Date.parse(cdr.startTime);
  const end = Date.parse(cdr.endTime);
  if (!Number.isFinite(start)) return { path: 'startTime', value: cdr.startTime, rule: 'must be a real date and time' };
  if (!Number.isFinite(end)) return { path: 'endTime', value: cdr.endTime, rule: 'must be a real date and time' };
  if (end < start) return { path: 'endTime', value: cdr.endTime, rule: `must not be before startTime (${cdr.startTime})` };
  if (cdr.answerTime !== null) {
    const answer = Date.parse(cdr.answerTime);
    if (!(answer >= start && answer <= end)) {
      return { path: 'answerTime', value: cdr.answerTime, rule: `must be within startTime..endTime (${cdr.startTime}..${cdr.endTime})` };
    }
  }
  if (cdr.legs) {
    for (let i = 0; i < cdr.legs.length; i++) {
      const r = timeOrder(cdr.legs[i]!);
      if (r !== null) return under(`legs.${i}`, r);
    }
  }
  return null;
}

/** The first violation of `record` against the Cdr schema and time order, or null when it is a valid Cdr. */
export function cdrViolation(record: unknown): CdrViolation | null {
  return schemaCheck!(record) ?? timeOrder(record as Cdr);
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

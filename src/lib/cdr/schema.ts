/**
 * The common `Cdr` record (schema version 1), defined once as a JSON Schema.
 * The TypeScript types below are computed from it (`FromSchema`), and the build
 * writes it to `schema/cdr.schema.json` in the package. Times are ISO 8601 UTC
 * strings. See the README's schema section.
 */
import type { FromSchema } from './json-schema-type';

/** ISO 8601 in UTC as `Date.prototype.toISOString` writes it (milliseconds optional). */
const ISO_UTC = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,6})?Z$';

const isoTime = { type: 'string', pattern: ISO_UTC } as const;
const seconds = { type: 'number', minimum: 0 } as const;

export const vendorSchema = {
  description: 'Which kind of system sent the record.',
  enum: ['ucm', 'asterisk', 'freeswitch', 'vos3000', 'gateway'],
} as const;

export const dispositionSchema = {
  description: 'How the call or leg ended, from the caller\'s point of view.',
  enum: ['answered', 'no_answer', 'busy', 'failed', 'congestion'],
} as const;

export const directionSchema = {
  description: 'Seen from the PBX: inbound from a trunk, outbound to a trunk, internal between extensions.',
  enum: ['inbound', 'outbound', 'internal', 'unknown'],
} as const;

export const hangupBySchema = { enum: ['caller', 'callee', 'system'] } as const;

export const partySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['number'],
  properties: {
    number: { type: 'string', description: 'Number as the vendor gave it (may be empty when withheld).' },
    name: { type: 'string', description: 'Caller-ID name.' },
  },
} as const;

export const calleeSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['number'],
  properties: {
    number: { type: 'string', description: 'The number that was called (for a leg: the party this leg reached).' },
  },
} as const;

export const hangupSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    cause: { type: 'string', description: 'Vendor hangup cause text.' },
    q850: { type: 'integer', minimum: 0, maximum: 127, description: 'ITU-T Q.850 cause value.' },
    by: hangupBySchema,
  },
} as const;

export const trunksSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    in: { type: 'string', description: 'Trunk the call came in on.' },
    out: { type: 'string', description: 'Trunk the call went out on.' },
  },
} as const;

export const holdPeriodSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['start', 'end'],
  properties: { start: isoTime, end: isoTime },
} as const;

export const timingSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'Progress times, when the vendor reports them.',
  properties: {
    progressTime: { ...isoTime, description: 'The far end started ringing (180).' },
    earlyMediaTime: { ...isoTime, description: 'Early media (183) started.' },
    bridgeTime: { ...isoTime, description: 'The two parties were bridged.' },
    holds: { type: 'array', items: holdPeriodSchema, description: 'Hold periods.' },
    pddSec: { ...seconds, description: 'Post-dial delay reported by the vendor itself, in seconds (VOS3000).' },
  },
} as const;

export const metricsSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'Derived by cdr-calc.',
  required: ['ringSec', 'talkSec', 'totalSec'],
  properties: {
    ringSec: seconds,
    pddSec: seconds,
    talkSec: seconds,
    holdSec: seconds,
    totalSec: seconds,
  },
} as const;

export const costSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'Computed by cdr-calc from a rate table.',
  required: ['amount', 'currency', 'prefix', 'ratePerMinute', 'billedSec'],
  properties: {
    amount: { type: 'number', minimum: 0 },
    currency: { type: 'string', minLength: 1 },
    prefix: { type: 'string', description: 'The rate-table prefix that matched.' },
    ratePerMinute: { type: 'number', minimum: 0 },
    billedSec: seconds,
  },
} as const;

/** The JSON Schema of one `Cdr` (draft-07). `legs` refers back to the whole schema. */
export const cdrJsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://github.com/cdrflow/node-red-cdr/schema/cdr.schema.json',
  title: 'Cdr',
  description: 'One call detail record of cdrflow, schema version 1: a call leg (kind "leg") or a whole call (kind "call").',
  type: 'object',
  additionalProperties: false,
  required: [
    'schema', 'kind', 'id', 'callId', 'vendor', 'startTime', 'answerTime', 'endTime',
    'durationSec', 'billSec', 'caller', 'callee', 'disposition', 'direction', 'extra',
  ],
  properties: {
    schema: { const: 1 },
    kind: { enum: ['leg', 'call'] },
    id: { type: 'string', minLength: 1, description: 'Stable per record: the same record resent gives the same id.' },
    callId: { type: 'string', minLength: 1, description: 'Groups the legs of one call.' },
    vendor: vendorSchema,
    startTime: isoTime,
    answerTime: { anyOf: [isoTime, { type: 'null' }] },
    endTime: isoTime,
    durationSec: { ...seconds, description: 'Whole record, start to end.' },
    billSec: { ...seconds, description: 'Answered time (answer to end); 0 when not answered.' },
    caller: partySchema,
    callee: calleeSchema,
    dialed: { type: 'string', description: 'Digits as dialed, when they differ from the callee.' },
    disposition: dispositionSchema,
    direction: directionSchema,
    hangup: hangupSchema,
    trunk: trunksSchema,
    accountCode: { type: 'string' },
    userField: { type: 'string' },
    recordings: { type: 'array', items: { type: 'string', minLength: 1 } },
    timing: timingSchema,
    legs: { type: 'array', items: { $ref: '#' }, description: 'The legs of a call (kind "call").' },
    extra: { type: 'object', description: 'Vendor fields not mapped above, under their own names.' },
    metrics: metricsSchema,
    cost: { anyOf: [costSchema, { type: 'null' }], description: 'null when the record could not be rated; costReason says why.' },
    costReason: { type: 'string' },
  },
} as const;

export type Vendor = FromSchema<typeof vendorSchema>;
export type Disposition = FromSchema<typeof dispositionSchema>;
export type Direction = FromSchema<typeof directionSchema>;
export type HangupBy = FromSchema<typeof hangupBySchema>;
export type Party = FromSchema<typeof partySchema>;
export type Hangup = FromSchema<typeof hangupSchema>;
export type Trunks = FromSchema<typeof trunksSchema>;
export type HoldPeriod = FromSchema<typeof holdPeriodSchema>;
export type Timing = FromSchema<typeof timingSchema>;
export type Metrics = FromSchema<typeof metricsSchema>;
export type Cost = FromSchema<typeof costSchema>;

type CdrFields = FromSchema<typeof cdrJsonSchema>;

/** One call leg or one call. `legs` is the schema's self-reference, typed here. */
export interface Cdr extends Omit<CdrFields, 'legs'> {
  legs?: Cdr[];
}

export const VENDORS: readonly Vendor[] = vendorSchema.enum;
export const SCHEMA_VERSION = 1;

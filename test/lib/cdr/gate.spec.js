'use strict';
const assert = require('node:assert/strict');
const { callViolation, cdrViolation, checkCdr, CdrInvalidError, formatViolation, problemOf, fastFields } = require('../../../nodes/lib/cdr/gate');
const { normalize, MapError } = require('../../../nodes/lib/cdr/normalize');
const { calc } = require('../../../nodes/lib/cdr/calc');
const { parseRateTable } = require('../../../nodes/lib/cdr/rating');
const { NormalizePipeline } = require('../../../nodes/lib/cdr/pipeline');
const callModule = require('../../../nodes/lib/cdr/call');
const { cdrSchemaErrors, assertValidCdr } = require('../../support/cdr-schema');
const { vendorRecords } = require('../../support/vendor-records');
const { mutate } = require('../../support/mutate');
const { rng } = require('../../support/random');

const UTC = { timeZone: 'UTC' };
const RATES = parseRateTable('prefix,rate\n0,0.02\n1,0.01\n8,0.05\n');

/** Valid Cdrs of every vendor, legs and calls, with metrics and cost. */
function validCdrs() {
  const out = [];
  for (const [vendor, make] of Object.entries(vendorRecords)) {
    for (const r of make().slice(0, 20)) {
      const { legs, call } = normalize(vendor, r, UTC);
      for (const c of call ? [...legs, call] : legs) out.push(c, calc(c, { rates: RATES, rating: { currency: 'USD' } }));
    }
  }
  return out;
}

/** What the test schema helper says: the JSON Schema, then the time order. */
function helperSaysValid(cdr) {
  if (cdrSchemaErrors(cdr).length > 0) return false;
  try {
    assertValidCdr(cdr);
    return true;
  } catch {
    return false;
  }
}

describe('cdr/gate', () => {
  it('passes every Cdr of the real samples, legs and calls, before and after calc', () => {
    for (const cdr of validCdrs()) assert.equal(cdrViolation(cdr), null, cdr.id);
  });

  it('agrees with the JSON Schema (ajv) and the time order on 4,000 mutated Cdrs', () => {
    const random = rng(1401);
    const base = validCdrs();
    let refused = 0;
    for (let i = 0; i < 4000; i++) {
      const { record, mutations } = mutate(base[i % base.length], random);
      const v = cdrViolation(record);
      assert.equal(v === null, helperSaysValid(record), `${mutations.join('; ')}: gate says ${v ? formatViolation(v) : 'valid'}; schema: ${cdrSchemaErrors(record).join(', ')}`);
      if (v) refused++;
    }
    assert.ok(refused > 1000, `the mutations break records (${refused} refused)`);
  });

  it('takes the fast path for every field it was written for (a schema change turns one off: still right, but slower)', () => {
    assert.deepEqual(fastFields().sort(), ['accountCode', 'answerTime', 'billSec', 'callId', 'callee', 'caller', 'cost', 'costReason', 'dialed',
      'durationSec', 'endTime', 'extra', 'id', 'kind', 'metrics', 'schema', 'startTime', 'userField'], 'update WRITTEN_FOR in src/lib/cdr/gate.ts to the new schema');
  });

  it('refuses texts that match the schema pattern but are no real instant, and compares times of different precision by instant', () => {
    const leg = normalize('ucm', vendorRecords.ucm().find((r) => !r.main_cdr), UTC).legs[0];
    assert.equal(cdrViolation({ ...leg, startTime: '2024-13-45T25:61:61Z' }).rule, 'must be a real date and time');
    const t = '2024-01-01T00:00:05Z';
    assert.equal(cdrViolation({ ...leg, startTime: t, answerTime: null, endTime: '2024-01-01T00:00:05.123Z' }), null);
    assert.equal(cdrViolation({ ...leg, startTime: '2024-01-01T00:00:05.123Z', answerTime: null, endTime: t }).path, 'endTime');
  });

  it('names the field, the value and the rule', () => {
    const leg = normalize('ucm', vendorRecords.ucm().find((r) => !r.main_cdr), UTC).legs[0];
    const cases = [
      [{ ...leg, durationSec: -60 }, 'durationSec', -60, 'must be ≥ 0'],
      [{ ...leg, billSec: NaN }, 'billSec', NaN, 'must be a finite number'],
      [{ ...leg, hangup: { q850: 19000 } }, 'hangup.q850', 19000, 'must be ≤ 127'],
      [{ ...leg, callee: { number: 1002 } }, 'callee.number', 1002, 'must be a string'],
      [{ ...leg, startTime: '+056216-01-01T00:00:00.000Z' }, 'startTime', '+056216-01-01T00:00:00.000Z', 'must be an ISO 8601 UTC time (YYYY-MM-DDTHH:MM:SS[.fff]Z)'],
      [{ ...leg, endTime: '2000-01-01T00:00:00.000Z' }, 'endTime', '2000-01-01T00:00:00.000Z', `must not be before startTime (${leg.startTime})`],
      [{ ...leg, colour: 'red' }, 'colour', 'red', 'is not a field of the schema'],
      [{ ...leg, legs: [{ ...leg, disposition: 'maybe' }] }, 'legs.0.disposition', 'maybe', 'must be one of answered, no_answer, busy, failed, congestion'],
      [{ ...leg, cost: { amount: NaN, currency: 'USD', prefix: '1', ratePerMinute: 1, billedSec: 1 } }, 'cost.amount', NaN, 'must be a finite number'],
    ];
    for (const [cdr, path, value, rule] of cases) {
      assert.deepEqual(cdrViolation(cdr), { path, value, rule });
      assert.throws(() => checkCdr(cdr, 'a test'), (e) => e instanceof CdrInvalidError && e instanceof MapError && e.field === path
        && e.message.startsWith('a test gave a Cdr that fails the schema: ') && problemOf(e).field === path);
    }
    const { id, ...noId } = leg;
    assert.deepEqual(cdrViolation(noId), { path: 'id', value: undefined, rule: 'is required' });
    assert.equal(id.length > 0, true);
  });

  it('a call the builder gets wrong goes to the rejected list with its vendor records, whatever the builder does', () => {
    const real = callModule.buildCall;
    callModule.buildCall = (legs, callId) => ({ ...real(legs, callId), durationSec: -60 });
    try {
      const p = new NormalizePipeline({ timeZone: 'UTC', output: 'call', format: 'cdr', waitMs: 1000, maxOpenCalls: 10, dedupe: 'off' }, null);
      const records = vendorRecords.asterisk().slice(0, 5);
      for (const r of records) assert.deepEqual(p.push('asterisk', r, { n: 1 }, 0), []);
      const out = p.flush();
      assert.deepEqual(out, [], 'no call that fails the schema goes out');
      const rejected = p.takeRejected();
      assert.ok(rejected.length > 0);
      assert.equal(rejected.reduce((n, r) => n + r.vendorRecords.length, 0), records.length, 'every vendor record is reported');
      for (const r of rejected) {
        assert.ok(r.error instanceof CdrInvalidError);
        assert.equal(r.error.path, 'durationSec');
        assert.match(r.error.message, /building the call gave a Cdr that fails the schema: durationSec is -60: must be ≥ 0/);
      }
      assert.deepEqual(p.takeRejected(), []);
    } finally {
      callModule.buildCall = real;
    }
  });

  it('a call whose legs passed already is checked for its own fields only; a leg not among them is checked', () => {
    const { UcmGenerator } = require('../../../nodes/lib/sim/ucm');
    const gen = new UcmGenerator({ seed: 3 });
    const calls = [];
    while (calls.length < 50) {
      const { call } = normalize('ucm', gen.next('group'), UTC);
      if (call.legs.length >= 2) calls.push(call);
    }
    const random = rng(8);
    for (const call of calls) {
      const passed = (leg) => call.legs.includes(leg);
      assert.equal(callViolation(call, passed), null);
      // The call's own field is checked whatever its legs.
      assert.deepEqual(callViolation({ ...call, billSec: -1 }, passed), { path: 'billSec', value: -1, rule: 'must be ≥ 0' });
      // A leg that is not one of those that passed (a changed copy) is checked, and named as before.
      const broken = { ...call.legs[1], durationSec: -5 };
      const withBroken = { ...call, legs: [call.legs[0], broken] };
      assert.deepEqual(callViolation(withBroken, passed), { path: 'legs.1.durationSec', value: -5, rule: 'must be ≥ 0' });
      assert.deepEqual(callViolation(withBroken, passed), cdrViolation(withBroken));
      // Nothing passed before: the same answer as the whole check, on mutated calls too.
      const m = mutate(call, random).record;
      assert.deepEqual(callViolation(m, () => false), cdrViolation(m));
    }
  });

  it('a call built from legs the builder changed is checked leg by leg in the pipeline', () => {
    const real = callModule.buildCall;
    callModule.buildCall = (legs, callId) => {
      const call = real(legs, callId);
      return { ...call, legs: call.legs.map((l) => ({ ...l, billSec: -1 })) };
    };
    try {
      const p = new NormalizePipeline({ timeZone: 'UTC', output: 'call', format: 'cdr', waitMs: 1000, maxOpenCalls: 10, dedupe: 'off' }, null);
      for (const r of vendorRecords.asterisk().slice(0, 5)) p.push('asterisk', r, { n: 1 }, 0);
      assert.deepEqual(p.flush(), []);
      const rejected = p.takeRejected();
      assert.ok(rejected.length > 0);
      for (const r of rejected) assert.equal(r.error.path, 'legs.0.billSec');
    } finally {
      callModule.buildCall = real;
    }
  });
});

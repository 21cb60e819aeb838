'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { cdrJsonSchema } = require('../../../nodes/lib/cdr/schema');
const { SCHEMA_FILE, cdrSchemaErrors, assertValidCdr } = require('../../support/cdr-schema');

function sample() {
  return {
    schema: 1,
    kind: 'leg',
    id: 'ucm:71047',
    callId: '1661157236570719-07700900100',
    vendor: 'ucm',
    startTime: '2022-08-22T08:34:32.000Z',
    answerTime: '2022-08-22T08:34:35.000Z',
    endTime: '2022-08-22T08:35:07.000Z',
    durationSec: 35,
    billSec: 32,
    caller: { number: '07700900100', name: 'Alice' },
    callee: { number: '203' },
    disposition: 'answered',
    direction: 'inbound',
    extra: { lastapp: 'Dial' },
  };
}

describe('cdr/schema', () => {
  it('ships the JSON Schema the source defines, as schema/cdr.schema.json', () => {
    assert.deepEqual(JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8')), JSON.parse(JSON.stringify(cdrJsonSchema)));
    const pkg = require('../../../package.json');
    assert.ok(pkg.files.includes('schema/'), 'package.json files lists schema/');
    assert.equal(path.relative(path.join(__dirname, '../../..'), SCHEMA_FILE), path.join('schema', 'cdr.schema.json'));
  });

  it('accepts a minimal leg, a call with legs, metrics and a null cost with its reason', () => {
    assertValidCdr(sample());
    const call = { ...sample(), kind: 'call', id: 'ucm-call:x', legs: [sample(), { ...sample(), id: 'ucm:71048', answerTime: null, billSec: 0, disposition: 'no_answer' }] };
    call.metrics = { ringSec: 3, talkSec: 32, totalSec: 35 };
    call.cost = null;
    call.costReason = 'no rate for 203';
    call.timing = { progressTime: '2022-08-22T08:34:33.000Z', holds: [{ start: '2022-08-22T08:34:40.000Z', end: '2022-08-22T08:34:50.5Z' }] };
    assertValidCdr(call);
  });

  const bad = [
    ['a missing required field', (c) => { delete c.callId; }, "must have required property 'callId'"],
    ['a local time without a zone', (c) => { c.startTime = '2022-08-22 09:34:32'; }, '/startTime must match pattern'],
    ['an unknown disposition', (c) => { c.disposition = 'ANSWERED'; }, '/disposition must be equal to one of the allowed values'],
    ['an unknown top-level field', (c) => { c.lastapp = 'Dial'; }, 'must NOT have additional properties'],
    ['a number as a string', (c) => { c.durationSec = '35'; }, '/durationSec must be number'],
    ['a negative duration', (c) => { c.billSec = -1; }, '/billSec must be >= 0'],
    ['schema version 2', (c) => { c.schema = 2; }, '/schema must be equal to constant'],
    ['an invalid leg inside a call', (c) => { c.kind = 'call'; c.legs = [{ ...sample(), vendor: 'cisco' }]; }, '/legs/0/vendor must be equal to one of the allowed values'],
    ['a Q.850 cause out of range', (c) => { c.hangup = { q850: 300 }; }, '/hangup/q850 must be <= 127'],
    ['a cost without currency', (c) => { c.cost = { amount: 1, prefix: '44', ratePerMinute: 1, billedSec: 60 }; }, "must have required property 'currency'"],
  ];
  for (const [what, spoil, message] of bad) {
    it(`rejects ${what}`, () => {
      const c = sample();
      spoil(c);
      const errors = cdrSchemaErrors(c);
      assert.ok(errors.some((e) => e.includes(message)), `expected "${message}" in ${JSON.stringify(errors)}`);
      assert.throws(() => assertValidCdr(c));
    });
  }

  it('rejects times out of order, which JSON Schema cannot express', () => {
    assert.throws(() => assertValidCdr({ ...sample(), endTime: '2022-08-22T08:00:00.000Z' }), /endTime before startTime/);
    assert.throws(() => assertValidCdr({ ...sample(), answerTime: '2022-08-22T09:00:00.000Z' }), /answerTime outside/);
  });
});

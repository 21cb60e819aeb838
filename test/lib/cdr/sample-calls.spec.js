'use strict';
// Every call of the real samples, built by the library as cdr-normalize does
// (one message per call), then through calc: the call-level figures of
// test/support/sample-calls.js, hand-derived from the vendor's own fields.
const assert = require('node:assert/strict');
const { NormalizePipeline } = require('../../../nodes/lib/cdr/pipeline');
const { calc } = require('../../../nodes/lib/cdr/calc');
const { assertValidCdr } = require('../../support/cdr-schema');
const { RECORDS, EXPECTED, keyOf, figures, expectedFigures } = require('../../support/sample-calls');

function callsOf(vendor) {
  const p = new NormalizePipeline({ timeZone: 'UTC', output: 'call', format: 'cdr', waitMs: 1000, maxOpenCalls: 1000, dedupe: 'off' }, null);
  const out = [];
  for (const r of RECORDS[vendor]()) out.push(...p.push(vendor, r, null, 0));
  out.push(...p.flush());
  return out.map((o) => calc(o.cdr));
}

describe('calls of the real samples (library)', () => {
  for (const vendor of Object.keys(EXPECTED)) {
    it(`${vendor}: every call has the disposition, answer, counts and metrics the PBX's own fields give`, () => {
      const calls = callsOf(vendor);
      const expected = EXPECTED[vendor];
      assert.deepEqual(calls.map((c) => keyOf(vendor, c)).sort(), Object.keys(expected).sort(), 'every call, once');
      for (const call of calls) {
        assertValidCdr(call);
        const key = keyOf(vendor, call);
        assert.deepEqual(figures(call), expectedFigures(expected[key]), `${vendor} call ${key} ${expected[key].tag ?? ''}`);
        // What every call must hold whatever the vendor.
        if (call.disposition !== 'answered') {
          assert.equal(call.extra.answeredBy, undefined, `${key}: nobody answered`);
        } else {
          assert.ok(call.billSec > 0 && call.extra.answeredBy !== undefined, `${key}: billed and answered by someone`);
        }
        assert.ok(call.dialed === undefined || call.dialed !== call.callee.number, `${key}: dialed only when it differs`);
        const billedByPbx = call.legs.reduce((n, l) => n + l.billSec, 0);
        assert.ok(call.billSec <= billedByPbx, `${key}: never more than the PBX billed`);
      }
    });
  }

  it('asterisk: the parallel cdr-only session of the capture gives the same calls', () => {
    const ami = require('../../../nodes/lib/formats/ami');
    const { sample } = require('../../support/asterisk-samples');
    const records = new ami.AmiFramer().push(sample('ami-cdr-only-session-part1.txt'))
      .filter((f) => f.kind === 'message' && ami.eventName(f.message) === 'Cdr').map((f) => ami.cdrRecord(f.message));
    const p = new NormalizePipeline({ timeZone: 'UTC', output: 'call', format: 'cdr', waitMs: 1000, maxOpenCalls: 1000, dedupe: 'off' }, null);
    for (const r of records) p.push('asterisk', r, null, 0);
    const calls = p.flush().map((o) => calc(o.cdr));
    assert.deepEqual(calls.map((c) => c.callId).sort(), Object.keys(EXPECTED.asterisk).sort());
    for (const call of calls) assert.deepEqual(figures(call), expectedFigures(EXPECTED.asterisk[call.callId]), call.callId);
  });

  it('asterisk: the busy, congestion, no-answer and unavailable scenarios count as failed for ASR', () => {
    const calls = callsOf('asterisk');
    const tag = (c) => c.legs.map((l) => l.extra.CallTag).find((t) => t);
    const unanswered = calls.filter((c) => c.disposition !== 'answered').map(tag).sort();
    assert.deepEqual(unanswered, ['busy', 'congestion', 'noanswer', 'unavail']);
    // Who answered: the phone at the end of the Local chain, not the dialplan extension.
    const by = Object.fromEntries(calls.filter((c) => c.disposition === 'answered').map((c) => [tag(c), c.extra.answeredBy]));
    assert.deepEqual(by, { answered: 'talk3', acct: 'talk2', failover: 'talk2', parallel: 'talk2', chain: 'talk2', acctlegacy: 'talk2', ivr: 'ivr', 'after-transfer': 'xferb', ivrdial: 'talk2' });
  });
});

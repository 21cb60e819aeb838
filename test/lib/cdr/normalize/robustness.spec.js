'use strict';
// Issue 14, "Records that break normalize or calc": each finding of the fuzzing
// run, on a real sample record changed the way the fuzzer changed it.
const assert = require('node:assert/strict');
const { normalize, MapError } = require('../../../../nodes/lib/cdr/normalize');
const { calc } = require('../../../../nodes/lib/cdr/calc');
const { CdrInvalidError } = require('../../../../nodes/lib/cdr/gate');
const { parseRateTable } = require('../../../../nodes/lib/cdr/rating');
const { assertValidCdr } = require('../../../support/cdr-schema');
const { vendorRecords } = require('../../../support/vendor-records');

const UTC = { timeZone: 'UTC' };
const RATES = parseRateTable('prefix,rate\n1,0.01\n8,0.05\n');
const copy = (r) => JSON.parse(JSON.stringify(r));
const mapErrorOn = (field, re) => (e) => {
  assert.ok(e instanceof MapError, `a MapError, got ${e && e.name}: ${e && e.message}`);
  assert.equal(e.field, field, e.message);
  if (re) assert.match(e.message, re);
  assert.doesNotMatch(e.message, /mapper failed/, 'a precise reason, not the catch-all');
  return true;
};

const asterisk = () => vendorRecords.asterisk().find((r) => r.Disposition === 'ANSWERED' && /^\d+$/.test(r.Destination));
const fsJson = () => vendorRecords.freeswitch(0)[1];
const fsCsv = () => vendorRecords.freeswitch(1).find((r) => typeof r.variables !== 'object');
const gateway = () => vendorRecords.gateway()[0];
const vos = () => vendorRecords.vos3000(1)[0];
const ucmLeg = () => vendorRecords.ucm().find((r) => !r.main_cdr && r.disposition === 'ANSWERED');

describe('cdr/normalize robustness (issue 14 findings)', () => {
  describe('a leg whose end is before its start never gives negative seconds', () => {
    it('asterisk: EndTime before StartTime is refused naming EndTime', () => {
      const r = asterisk();
      [r.StartTime, r.EndTime] = [r.EndTime, '2020-01-01 00:00:00'];
      assert.throws(() => normalize('asterisk', r, UTC), mapErrorOn('EndTime', /before StartTime/));
    });

    it('asterisk: a negative Duration is refused naming it', () => {
      assert.throws(() => normalize('asterisk', { ...asterisk(), Duration: '-60' }, UTC), mapErrorOn('Duration', /"-60": must be a whole number of seconds from 0/));
    });

    it('gateway: End At before Begin At is refused naming End At (was durationSec -55)', () => {
      const r = { ...gateway(), 'End At': '2004/01/26 23:12:16', 'Duration Sec': null, 'Talk At': '' };
      assert.throws(() => normalize('gateway', r, UTC), mapErrorOn('End At', /before Begin At/));
    });

    it('freeswitch: a hangup before the creation, or end_epoch 0 with no other end, never gives a negative duration', () => {
      const r = fsJson();
      const times = r.callflow[0].times;
      times.hangup_time = String(Number(times.created_time) - 60e6);
      assert.throws(() => normalize('freeswitch', r, UTC), mapErrorOn('hangup_time', /before created_time/));

      const noEnd = fsJson();
      for (const f of noEnd.callflow) f.times.hangup_time = '0';
      Object.assign(noEnd.variables, { end_epoch: '0', end_uepoch: '0', end_stamp: '' });
      // No end anywhere: the end is taken as the creation, which the answer follows: refused, not −1.7e9 s.
      assert.throws(() => normalize('freeswitch', noEnd, UTC), mapErrorOn('answered_time', /outside created_time\.\.hangup_time/));
      // Unanswered and without an end: a leg of 0 s, never negative.
      for (const f of noEnd.callflow) f.times.answered_time = '0';
      Object.assign(noEnd.variables, { answer_epoch: '0', answer_uepoch: '0', answer_stamp: '' });
      delete noEnd.variables.duration;
      delete noEnd.variables.billsec;
      const { legs } = normalize('freeswitch', noEnd, UTC);
      assertValidCdr(legs[0]);
      assert.equal(legs[0].durationSec, 0);
      assert.equal(legs[0].billSec, 0);

      assert.throws(() => normalize('freeswitch', { ...fsJson(), variables: { ...fsJson().variables, duration: '-1700000000' } }, UTC), mapErrorOn('duration'));
    });

    it('freeswitch CSV: end_stamp before start_stamp is refused naming end_stamp', () => {
      const r = fsCsv();
      r.end_stamp = '2001-01-01 00:00:00';
      assert.throws(() => normalize('freeswitch', r, UTC), mapErrorOn('end_stamp', /before start_stamp/));
    });
  });

  describe('a number where text is expected', () => {
    it('asterisk Destination 1002 as a number: the Cdr has callee.number "1002" and calc rates it', () => {
      const r = asterisk();
      const asText = normalize('asterisk', r, UTC).legs[0];
      const asNumber = normalize('asterisk', { ...r, Destination: Number(r.Destination) }, UTC).legs[0];
      assert.equal(asNumber.callee.number, r.Destination);
      assert.equal(asNumber.id, asText.id, 'the same record, the same id');
      const rated = calc(asNumber, { rates: parseRateTable(`prefix,rate\n${r.Destination[0]},0.01\n`), rating: { currency: 'USD' } });
      assertValidCdr(rated);
      assert.notEqual(rated.cost, null);
    });

    it('calc given a Cdr whose callee.number is a number throws CdrInvalidError naming it, not "number.replace is not a function"', () => {
      const cdr = { ...normalize('asterisk', asterisk(), UTC).legs[0], callee: { number: 1002 } };
      assert.throws(() => calc(cdr, { rates: RATES, rating: { currency: 'USD' } }), (e) => {
        assert.ok(e instanceof CdrInvalidError, e.message);
        assert.equal(e.path, 'callee.number');
        assert.equal(e.value, 1002);
        assert.match(e.message, /callee\.number is 1002: must be a string/);
        return true;
      });
    });

    it('an object where text is expected is refused naming the field (no TypeError from inside a mapper)', () => {
      assert.throws(() => normalize('asterisk', { ...asterisk(), CallerID: { a: 1 } }, UTC), mapErrorOn('CallerID', /an object: must be text/));
      assert.throws(() => normalize('ucm', { ...ucmLeg(), dst: ['1', '2'] }, UTC), mapErrorOn('dst', /a list: must be text/));
      assert.throws(() => normalize('vos3000', { ...vos(), endReason: { toString: 'x' } }, UTC), mapErrorOn('endReason'));
      // FreeSWITCH variables are text on the wire: a number or an object is read as text.
      const r = fsJson();
      Object.assign(r.variables, { sip_hangup_disposition: 5, originated_legs: 7, hangup_cause: ['NORMAL_CLEARING'] });
      assertValidCdr(normalize('freeswitch', r, UTC).legs[0]);
    });
  });

  describe('out-of-range values', () => {
    it('freeswitch hangup_cause_q850 "19000" is left out of hangup (schema 0..127), the cause kept; "16" is kept', () => {
      const r = fsJson();
      assert.equal(normalize('freeswitch', r, UTC).legs[0].hangup.q850, 16);
      r.variables.hangup_cause_q850 = '19000';
      const leg = normalize('freeswitch', r, UTC).legs[0];
      assertValidCdr(leg);
      assert.equal(leg.hangup.q850, undefined);
      assert.equal(leg.hangup.cause, 'NORMAL_CLEARING');
      r.variables.hangup_cause_q850 = '-3';
      assert.equal(normalize('freeswitch', r, UTC).legs[0].hangup.q850, undefined);
    });

    it('vos3000 holdTime longer than the call is refused (was billSec 117000 on a 128 s call)', () => {
      const r = { ...vos(), startTime: 1711843200000, stopTime: 1711843328000, holdTime: 117000 };
      assert.throws(() => normalize('vos3000', r, UTC), mapErrorOn('holdTime', /117000 s: longer than the call .* 128 s/));
      const ok = normalize('vos3000', { ...r, holdTime: 128 }, UTC).legs[0];
      assert.equal(ok.billSec, 128);
      assert.equal(ok.durationSec, 128);
    });

    it('vos3000 epoch times in µs or s are read as the same instant as in ms (not year 56216)', () => {
      const r = vos();
      const ms = normalize('vos3000', r, UTC).legs[0];
      const us = normalize('vos3000', { ...r, startTime: r.startTime * 1000, stopTime: r.stopTime * 1000 }, UTC).legs[0];
      const s = normalize('vos3000', { ...r, startTime: r.startTime / 1000, stopTime: Math.round(r.stopTime / 1000) }, UTC).legs[0];
      assert.equal(us.startTime, ms.startTime);
      assert.equal(us.endTime, ms.endTime);
      assert.equal(s.startTime, ms.startTime);
      assert.equal(ms.startTime.slice(0, 4), '2024');
      assert.throws(() => normalize('vos3000', { ...r, startTime: r.startTime * 1e6 }, UTC), mapErrorOn('startTime', /from 1980 to 2200/));
    });

    it('freeswitch times a thousand times too large are refused naming the time, not emitted in year 56216 or 1970', () => {
      const r = fsJson();
      r.callflow[0].times.hangup_time = String(Number(r.callflow[0].times.hangup_time) * 1000);
      assert.throws(() => normalize('freeswitch', r, UTC), mapErrorOn('hangup_time', /from 1980 to 2200/));
    });

    it('a huge billsec is refused at normalize, and calc never gives cost.amount NaN', () => {
      assert.throws(() => normalize('ucm', { ...ucmLeg(), billsec: '1e300' }, UTC), mapErrorOn('billsec', /from 0 to 31622400/));
      const leg = normalize('ucm', ucmLeg(), UTC).legs[0];
      assert.throws(
        () => calc({ ...leg, billSec: 1e300, durationSec: 1e300 }, { rates: parseRateTable('prefix,rate\n0,0.1\n1,0.1\n2,0.1\n3,0.1\n4,0.1\n5,0.1\n6,0.1\n7,0.1\n8,0.1\n9,0.1\n'), rating: { currency: 'USD' } }),
        (e) => e instanceof CdrInvalidError && /^cost\./.test(e.path) && /must be a finite number/.test(e.rule),
      );
    });

    it('an internal failure is a precise reason, not "mapper failed: Invalid time value"', () => {
      assert.throws(() => normalize('ucm', { ...ucmLeg(), end: '', duration: 1e20 }, UTC), mapErrorOn('duration', /must be a number of seconds/));
      assert.throws(() => normalize('vos3000', { ...vos(), stopTime: 1e300 }, UTC), mapErrorOn('stopTime', /must be an epoch time/));
    });
  });
});

'use strict';
const assert = require('node:assert/strict');
const { parseVosLine } = require('../../../../nodes/lib/formats/vos');
const { mapVos3000, dispositionFromReason } = require('../../../../nodes/lib/cdr/normalize/vos3000');
const { MapError } = require('../../../../nodes/lib/cdr/normalize/types');

const LINE =
  '8613800000001|8613900000002|1700000000000|1700000065000|60|0|1|GW-IN|GW-OUT|10.0.0.1|10.0.0.2|013800000001|013900000002|8613800000001|13900000002|0|1|2300|1800';
const UTC = { timeZone: 'UTC' };
const map = (line, opts = UTC, fmt) => mapVos3000(parseVosLine(line, fmt), opts).legs[0];
const withField = (i, v) => {
  const p = LINE.split('|');
  p[i] = v;
  return p.join('|');
};

describe('cdr/normalize/vos3000', () => {
  it('maps an answered call: times, talk, parties, trunks, hangup, PDD', () => {
    const c = map(LINE);
    assert.equal(c.schema, 1);
    assert.equal(c.kind, 'leg');
    assert.equal(c.vendor, 'vos3000');
    assert.match(c.id, /^vos3000:[0-9a-f]{32}$/);
    assert.equal(c.callId, c.id);
    assert.equal(c.startTime, '2023-11-14T22:13:20.000Z');
    assert.equal(c.answerTime, '2023-11-14T22:13:25.000Z'); // stop − 60 s talk
    assert.equal(c.endTime, '2023-11-14T22:14:25.000Z');
    assert.equal(c.durationSec, 65);
    assert.equal(c.billSec, 60);
    assert.deepEqual(c.caller, { number: '8613800000001' });
    assert.deepEqual(c.callee, { number: '8613900000002' });
    assert.equal(c.dialed, '013900000002');
    assert.equal(c.disposition, 'answered');
    assert.equal(c.direction, 'unknown');
    assert.deepEqual(c.hangup, { cause: '0', by: 'callee' });
    assert.deepEqual(c.trunk, { in: 'GW-IN', out: 'GW-OUT' });
    assert.deepEqual(c.timing, { pddSec: 2.3 });
    assert.equal(c.extra.callerIp, '10.0.0.1');
    assert.equal(c.extra.callerAccessE164, '013800000001');
    assert.equal(c.extra.billingMode, 'gateway');
    assert.equal(c.extra.calleePdd, 1800);
    assert.equal('startTime' in c.extra, false);
  });

  it('gives the same id to a resent line (any line end) and a different one to another line', () => {
    const a = map(LINE).id;
    assert.equal(map(`${LINE}\r\n`).id, a);
    assert.equal(map(`${LINE}\n`).id, a);
    assert.notEqual(map(withField(1, '8613900000003')).id, a);
    assert.notEqual(map(withField(18, '1801')).id, a);
  });

  it('reads wall-clock times in the configured zone', () => {
    const line = withField(3, '2023-11-15 06:14:25').replace('1700000000000', '2023-11-15 06:13:20');
    const c = map(line, { timeZone: 'Asia/Shanghai' });
    assert.equal(c.startTime, '2023-11-14T22:13:20.000Z');
    assert.equal(c.endTime, '2023-11-14T22:14:25.000Z');
  });

  it('derives the disposition of unanswered calls from endReason when known, else failed', () => {
    const unanswered = (reason, opts) => map(withField(5, reason).replace('|60|', '|0|'), opts);
    assert.equal(unanswered('486 Busy Here').disposition, 'busy');
    assert.equal(unanswered('User Busy').disposition, 'busy');
    assert.equal(unanswered('NoAnswer').disposition, 'no_answer');
    assert.equal(unanswered('Caller cancel').disposition, 'no_answer');
    assert.equal(unanswered('SIP 503 Service Unavailable').disposition, 'congestion');
    assert.equal(unanswered('17').disposition, 'failed'); // a VOS code nobody published
    assert.equal(unanswered('whatever').disposition, 'failed');
    assert.equal(unanswered('').disposition, 'failed');
    assert.equal(unanswered('17', { timeZone: 'UTC', vendor: { endReasons: { 17: 'busy' } } }).disposition, 'busy');
    const c = unanswered('486 Busy Here');
    assert.equal(c.answerTime, null);
    assert.equal(c.billSec, 0);
    assert.equal(c.durationSec, 65);
    assert.equal(dispositionFromReason(null), 'failed');
  });

  it('maps endDirection to hangup.by (server → system) and leaves unknown codes in extra', () => {
    assert.equal(map(withField(6, '0')).hangup.by, 'caller');
    assert.equal(map(withField(6, '2')).hangup.by, 'system');
    const c = map(withField(6, '9'));
    assert.equal(c.hangup.by, undefined);
    assert.equal(c.extra.endDirection, 9);
  });

  it('uses calleePdd when callerPdd is absent, and no timing without PDD', () => {
    assert.deepEqual(map(withField(17, '0')).timing, { pddSec: 1.8 });
    assert.equal(map(LINE.split('|').slice(0, 17).join('|')).timing, undefined);
  });

  it('copes with a short line: no stop time means start + talk', () => {
    const c = map('100|200|1700000000|0|30');
    assert.equal(c.endTime, '2023-11-14T22:13:50.000Z');
    assert.equal(c.durationSec, 30);
    assert.equal(c.trunk, undefined);
    assert.equal(c.hangup, undefined);
  });

  it('throws MapError for records it cannot map', () => {
    assert.throws(() => mapVos3000({ callerE164: '1' }, UTC), MapError);
    assert.throws(() => mapVos3000({ startTime: 'nope', holdTime: 1 }, UTC), { name: 'MapError', field: 'startTime' });
    assert.throws(() => mapVos3000({ startTime: 1700000065000, stopTime: 1700000000000 }, UTC), /before/);
    assert.throws(() => mapVos3000({ startTime: 1700000000000, holdTime: 'x' }, UTC), { field: 'holdTime' });
    assert.throws(() => mapVos3000({ startTime: 1700000000000 }, { timeZone: 'UTC', vendor: { endReasons: { 1: 'maybe' } } }), /not a disposition/);
  });

  it('accepts a record given as raw strings (not parsed by formats/vos)', () => {
    const c = mapVos3000({ callerE164: '1', calleeE164: '2', startTime: '1700000000000', stopTime: '1700000010000', holdTime: '10' }, UTC).legs[0];
    assert.equal(c.disposition, 'answered');
    assert.equal(c.billSec, 10);
  });
});

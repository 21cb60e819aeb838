'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { parseEventLine, CallAssembler } = require('../../../../nodes/lib/formats/gateway');
const { mapGateway } = require('../../../../nodes/lib/cdr/normalize/gateway');
const { MapError } = require('../../../../nodes/lib/cdr/normalize/types');

const SAMPLE = require('../../../support/samples').samplePath('gateway', 'events-2004-01-26.tsv');

function sampleRecords() {
  let t = 0;
  const asm = new CallAssembler({ now: () => t, openTimeoutMs: 1000 });
  const out = [];
  for (const line of fs.readFileSync(SAMPLE, 'utf8').split('\n')) {
    const e = parseEventLine(line);
    if (e) out.push(...asm.push('8200', e).records);
  }
  t = 1000;
  out.push(...asm.sweep());
  // What a flow stores and reads back: plain JSON.
  return out.map((r) => JSON.parse(JSON.stringify(r)));
}

function ev(time, callRef, event, dialed = '', callerId = '', port = '') {
  return { Gateway: null, Time: `2004/01/15 ${time}`, 'Call-Ref': callRef, '#': port, Event: event, Dialed: dialed, 'Caller-ID': callerId, Info: '', 'P-Port': '' };
}
function assemble(events) {
  const asm = new CallAssembler();
  for (const e of events) {
    const [r] = asm.push('8378', e).records;
    if (r) return JSON.parse(JSON.stringify(r));
  }
  throw new Error('call did not close');
}

describe('cdr/normalize/gateway', () => {
  const [call1, call2, call3] = sampleRecords();
  const tz = { timeZone: 'Asia/Taipei' }; // UTC+8, no DST

  it('maps call 1 (phone on port 1 calls 2252) to an answered outbound leg', () => {
    const { legs, call } = mapGateway(call1, tz);
    assert.equal(call, undefined);
    assert.equal(legs.length, 1);
    const c = legs[0];
    assert.equal(c.schema, 1);
    assert.equal(c.kind, 'leg');
    assert.equal(c.vendor, 'gateway');
    assert.equal(c.direction, 'outbound');
    assert.equal(c.disposition, 'answered');
    // 23:13:11 in Taipei is 15:13:11 UTC.
    assert.equal(c.startTime, '2004-01-26T15:13:11.000Z');
    assert.equal(c.answerTime, '2004-01-26T15:13:14.000Z');
    assert.equal(c.endTime, '2004-01-26T15:15:30.000Z');
    assert.equal(c.durationSec, 139);
    assert.equal(c.billSec, 136);
    // The destination is what was dialed before TALK; 3, 0, 1 were DTMF.
    assert.equal(c.callee.number, '2252');
    assert.equal(c.dialed, '2252, 3, 0, 1');
    assert.equal(c.caller.number, '');
    assert.deepEqual(c.trunk, { in: '8200/1' });
    assert.equal(c.extra.notation, 'Call out');
    assert.equal(c.extra.callRef, 1);
    assert.equal(c.hangup, undefined);
    assert.match(c.id, /^gateway:[0-9a-f]{32}$/);
    assert.equal(c.callId, c.id);
  });

  it('maps call 2 (PSTN caller 103 dials 2252 through the gateway)', () => {
    const c = mapGateway(call2, tz).legs[0];
    assert.equal(c.direction, 'outbound');
    assert.equal(c.caller.number, '103');
    assert.equal(c.callee.number, '2252');
    assert.equal(c.billSec, 95);
    assert.equal(c.extra.pstnCallerId, '103');
    assert.equal(c.extra.pstnSec, 99);
    assert.deepEqual(c.trunk, { in: '8200' }, 'no port known: the gateway alone');
  });

  it('maps call 3 (never ended) as unanswered and incomplete', () => {
    const c = mapGateway(call3, tz).legs[0];
    assert.equal(c.disposition, 'no_answer', 'it rang back');
    assert.equal(c.answerTime, null);
    assert.equal(c.billSec, 0);
    assert.equal(c.durationSec, 3);
    assert.deepEqual(c.hangup, { by: 'system', cause: 'incomplete: timeout' });
    assert.equal(c.extra.incomplete, true);
  });

  it('gives the same id to the same record resent, and different ids to different calls', () => {
    const again = sampleRecords();
    assert.equal(mapGateway(again[0], tz).legs[0].id, mapGateway(call1, tz).legs[0].id);
    const ids = new Set([call1, call2, call3].map((r) => mapGateway(r, tz).legs[0].id));
    assert.equal(ids.size, 3);
    // Same Call-Ref on another gateway, or the same gateway after a reboot (another Begin): another call.
    assert.notEqual(mapGateway({ ...call1, Gateway: '8378' }, tz).legs[0].id, mapGateway(call1, tz).legs[0].id);
    assert.notEqual(mapGateway({ ...call1, 'Begin At': '2004/01/27 08:00:00', 'Talk At': '2004/01/27 08:00:05', 'End At': '2004/01/27 08:01:00' }, tz).legs[0].id, mapGateway(call1, tz).legs[0].id);
  });

  it('maps each notation to direction and disposition', () => {
    const cases = [
      [[ev('02:27:03', 98, 'CALL_IN', '', '8378701', '1'), ev('02:27:03', 98, 'HOOK_OFF'), ev('02:27:04', 98, 'TALK'), ev('02:28:08', 98, 'HOOK_ON')],
        { direction: 'inbound', disposition: 'answered', caller: '8378701', callee: '', trunk: { out: '8378/1' } }],
      [[ev('03:19:41', 105, 'CALL_IN', '', '2252701', '4'), ev('03:19:41', 105, 'PSTN_HOOK_OFF'), ev('03:19:42', 105, 'DIAL', '0'), ev('03:19:44', 105, 'TALK'), ev('03:19:50', 105, 'HOOK_ON')],
        { direction: 'inbound', disposition: 'answered', caller: '2252701', callee: '0', trunk: { out: '8378/4' } }],
      [[ev('03:55:20', 109, 'CALL_IN', '', '77101'), ev('03:55:20', 109, 'REJECT')],
        { direction: 'inbound', disposition: 'failed', caller: '77101', callee: '', trunk: { out: '8378' } }],
      [[ev('03:56:00', 110, 'CALL_IN', '', '77101', '2'), ev('03:56:00', 110, 'RING'), ev('03:56:20', 110, 'REMOTE_HOOK_ON')],
        { direction: 'inbound', disposition: 'no_answer', caller: '77101', callee: '' }],
      [[ev('00:10:51', 88, 'HOOK_OFF', '', '', '3'), ev('00:10:51', 88, 'DIAL', '2'), ev('00:10:51', 88, 'PSTN_HOOK_OFF'), ev('00:10:53', 88, 'DIAL', '26735152'), ev('00:10:54', 88, 'TALK'), ev('00:12:58', 88, 'HOOK_ON')],
        { direction: 'outbound', disposition: 'answered', callee: '26735152', dialed: '2', trunk: { in: '8378/3' } }],
      [[ev('05:01:00', 121, 'HOOK_OFF', '', '', '1'), ev('05:01:02', 121, 'DIAL', '2252'), ev('05:01:03', 121, 'BUSY'), ev('05:01:05', 121, 'HOOK_ON')],
        { direction: 'outbound', disposition: 'busy', callee: '2252' }],
      [[ev('00:16:57', 89, 'HOOK_OFF', '', '', '2'), ev('00:16:57', 89, 'HOOK_ON')],
        { direction: 'unknown', disposition: 'failed', callee: '', dialed: undefined }],
      [[ev('06:00:00', 130, 'TALK'), ev('06:00:30', 130, 'HOOK_ON')],
        { direction: 'unknown', disposition: 'answered' }],
    ];
    for (const [events, want] of cases) {
      const r = assemble(events);
      const c = mapGateway(r, { timeZone: 'UTC' }).legs[0];
      const where = `${r.Notation} ${r['Call-Ref']}`;
      assert.equal(c.direction, want.direction, where);
      assert.equal(c.disposition, want.disposition, where);
      if ('caller' in want) assert.equal(c.caller.number, want.caller, where);
      if ('callee' in want) assert.equal(c.callee.number, want.callee, where);
      if ('dialed' in want) assert.equal(c.dialed, want.dialed, where);
      if ('trunk' in want) assert.deepEqual(c.trunk, want.trunk, where);
    }
  });

  it('uses the time zone, DST included', () => {
    const r = { ...call1, 'Begin At': '2024/07/01 12:00:00', 'Talk At': '', 'End At': '2024/07/01 12:00:30', 'Duration Sec': 30 };
    assert.equal(mapGateway(r, { timeZone: 'Europe/Berlin' }).legs[0].startTime, '2024-07-01T10:00:00.000Z');
    assert.equal(mapGateway(r, { timeZone: 'UTC' }).legs[0].startTime, '2024-07-01T12:00:00.000Z');
  });

  it('refuses a record it cannot map with a MapError naming the field', () => {
    const bad = [
      [{ ...call1, 'Call-Ref': undefined }, 'Call-Ref'],
      [{ ...call1, Notation: 'Call sideways' }, 'Notation'],
      [{ ...call1, 'Begin At': '' }, 'Begin At'],
      [{ ...call1, 'End At': '26/01/2004' }, 'End At'],
      [{ ...call1, Gateway: { id: 1 } }, 'Gateway'],
      [{ ...call1, 'Duration Sec': 'long' }, 'Duration Sec'],
    ];
    for (const [record, field] of bad) {
      assert.throws(() => mapGateway(record, tz), (e) => e instanceof MapError && e.field === field, field);
    }
  });
});

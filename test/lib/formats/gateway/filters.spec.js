'use strict';
const assert = require('node:assert/strict');
const { CallAssembler, matchesFilter, isReportFilter, REPORT_FILTERS } = require('../../../../nodes/lib/formats/gateway');

function ev(time, callRef, event, dialed = '', callerId = '', port = '') {
  return { Gateway: null, Time: `2004/01/15 ${time}`, 'Call-Ref': callRef, '#': port, Event: event, Dialed: dialed, 'Caller-ID': callerId, Info: '', 'P-Port': '' };
}

/** One assembled record per notation, plus a PSTN-relayed call out and a hop-off call out. */
function records() {
  const asm = new CallAssembler();
  const calls = {
    callOutLocal: [ev('01:00:00', 1, 'HOOK_OFF', '', '', '1'), ev('01:00:01', 1, 'DIAL', '2252'), ev('01:00:02', 1, 'TALK'), ev('01:00:09', 1, 'HOOK_ON')],
    callOutFromPstn: [ev('01:00:00', 2, 'PSTN_CALL_IN', '', '105', '4'), ev('01:00:01', 2, 'PSTN_HOOK_OFF'), ev('01:00:01', 2, 'DIAL', '2252'), ev('01:00:02', 2, 'TALK'), ev('01:00:09', 2, 'PSTN_HOOK_ON'), ev('01:00:09', 2, 'HOOK_ON')],
    callOutHopOff: [ev('01:00:00', 3, 'HOOK_OFF', '', '', '3'), ev('01:00:01', 3, 'DIAL', '2'), ev('01:00:01', 3, 'PSTN_HOOK_OFF'), ev('01:00:02', 3, 'DIAL', '26735152'), ev('01:00:03', 3, 'TALK'), ev('01:00:09', 3, 'HOOK_ON')],
    callIn: [ev('01:00:00', 4, 'CALL_IN', '', '8378701', '1'), ev('01:00:01', 4, 'HOOK_OFF'), ev('01:00:01', 4, 'TALK'), ev('01:00:09', 4, 'HOOK_ON')],
    callInReject: [ev('01:00:00', 5, 'CALL_IN', '', '77101'), ev('01:00:00', 5, 'REJECT')],
    hookOnOff: [ev('01:00:00', 6, 'HOOK_OFF', '', '', '2'), ev('01:00:00', 6, 'HOOK_ON')],
    callOutFailed: [ev('01:00:00', 7, 'HOOK_OFF', '', '', '1'), ev('01:00:01', 7, 'DIAL', '2252'), ev('01:00:20', 7, 'HOOK_ON')],
    other: [ev('01:00:00', 8, 'TALK'), ev('01:00:09', 8, 'HOOK_ON')],
  };
  const out = {};
  for (const [name, events] of Object.entries(calls)) {
    for (const e of events) {
      const closed = asm.push('gw', e).records;
      if (closed.length) out[name] = closed[0];
    }
  }
  return out;
}

describe('formats/gateway/filters', () => {
  const r = records();
  const pass = (filter) => Object.keys(r).filter((k) => matchesFilter(r[k], filter)).sort();

  it('All passes everything', () => assert.equal(pass('all').length, 8));
  it('Call In passes only answered calls in', () => assert.deepEqual(pass('call-in'), ['callIn']));
  it('Call Out passes only answered calls out, wherever they came from', () =>
    assert.deepEqual(pass('call-out'), ['callOutFromPstn', 'callOutHopOff', 'callOutLocal']));
  it('Only PSTN passes calls that used a PSTN line', () => assert.deepEqual(pass('only-pstn'), ['callOutFromPstn', 'callOutHopOff']));
  it('Call Out Failed', () => assert.deepEqual(pass('call-out-failed'), ['callOutFailed']));
  it('Call In Reject', () => assert.deepEqual(pass('call-in-reject'), ['callInReject']));
  it('Other passes Hook On/Off and Other', () => assert.deepEqual(pass('other'), ['hookOnOff', 'other']));

  it('knows its values and labels', () => {
    assert.deepEqual(REPORT_FILTERS.map((f) => f.label), ['All', 'Call In', 'Call Out', 'Only PSTN', 'Call Out Failed', 'Call In Reject', 'Other']);
    assert.equal(isReportFilter('only-pstn'), true);
    assert.equal(isReportFilter('Only PSTN'), false);
    assert.equal(isReportFilter(undefined), false);
  });
});

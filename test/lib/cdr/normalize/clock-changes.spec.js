'use strict';
// PBXs send local wall-clock times: across the two clock changes of a year in
// a zone with DST, the vendor's own duration / billsec place the instants
// (end = start + duration when the wall clock repeats or goes backwards).
const assert = require('node:assert/strict');
const { normalize } = require('../../../../nodes/lib/cdr/normalize');
const { buildCall } = require('../../../../nodes/lib/cdr/call');
const { assertValidCdr } = require('../../../support/cdr-schema');

const BERLIN = { timeZone: 'Europe/Berlin' };
// 2026-03-29 02:00 CET → 03:00 CEST (an hour skipped); 2026-10-25 03:00 CEST → 02:00 CET (02:00–03:00 twice).
const CASES = [
  {
    what: 'spring: 01:50 → 03:10 across the skipped hour is 20 minutes',
    start: '2026-03-29 01:50:00', answer: '2026-03-29 01:51:00', end: '2026-03-29 03:10:00', duration: 1200, billsec: 1140,
    iso: { start: '2026-03-29T00:50:00.000Z', answer: '2026-03-29T00:51:00.000Z', end: '2026-03-29T01:10:00.000Z' },
  },
  {
    what: 'autumn: 02:50 (first pass) → 02:10 (second pass), an end before its start on the wall clock',
    start: '2026-10-25 02:50:00', answer: '2026-10-25 02:51:00', end: '2026-10-25 02:10:00', duration: 1200, billsec: 1140,
    iso: { start: '2026-10-25T00:50:00.000Z', answer: '2026-10-25T00:51:00.000Z', end: '2026-10-25T01:10:00.000Z' },
  },
  {
    what: 'autumn: answered and ended in the second pass of the repeated hour',
    start: '2026-10-25 02:40:00', answer: '2026-10-25 02:05:00', end: '2026-10-25 02:20:00', duration: 2400, billsec: 900,
    iso: { start: '2026-10-25T00:40:00.000Z', answer: '2026-10-25T01:05:00.000Z', end: '2026-10-25T01:20:00.000Z' },
  },
  {
    what: 'autumn: 02:10 (first pass) → 02:50 (second pass) is 100 minutes, not 40',
    start: '2026-10-25 02:10:00', answer: '2026-10-25 02:10:30', end: '2026-10-25 02:50:00', duration: 6000, billsec: 5970,
    iso: { start: '2026-10-25T00:10:00.000Z', answer: '2026-10-25T00:10:30.000Z', end: '2026-10-25T01:50:00.000Z' },
  },
];

const records = {
  ucm: (c) => ({ AcctId: '9001', session: 's-1', src: '201', dst: '202', start: c.start, answer: c.answer, end: c.end,
    duration: String(c.duration), billsec: String(c.billsec), disposition: 'ANSWERED', lastapp: 'Dial' }),
  asterisk: (c) => ({ Event: 'Cdr', UniqueID: '1790000000.1', LinkedID: '1790000000.1', Source: '201', Destination: '202',
    DestinationContext: 'from-internal', Channel: 'PJSIP/201-00000001', DestinationChannel: 'PJSIP/202-00000002',
    LastApplication: 'Dial', StartTime: c.start, AnswerTime: c.answer, EndTime: c.end,
    Duration: String(c.duration), BillableSeconds: String(c.billsec), Disposition: 'ANSWERED' }),
  freeswitch: (c) => ({ uuid: 'b1c6a2de-0000-4000-8000-000000000001', caller_id_number: '201', destination_number: '202', context: 'default',
    start_stamp: c.start, answer_stamp: c.answer, end_stamp: c.end, duration: String(c.duration), billsec: String(c.billsec), hangup_cause: 'NORMAL_CLEARING' }),
};

describe('cdr/normalize across clock changes (Europe/Berlin 2026)', () => {
  for (const [vendor, make] of Object.entries(records)) {
    for (const c of CASES) {
      it(`${vendor}, ${c.what}`, () => {
        const { legs } = normalize(vendor, make(c), BERLIN);
        const leg = legs[0];
        assertValidCdr(leg);
        assert.deepEqual({ start: leg.startTime, answer: leg.answerTime, end: leg.endTime }, c.iso);
        assert.equal(leg.durationSec, c.duration);
        assert.equal(leg.billSec, c.billsec);
        const call = buildCall(legs);
        assert.deepEqual([call.durationSec, call.billSec, call.answerTime], [c.duration, c.billsec, c.iso.answer]);
      });
    }
  }
});

describe('cdr/normalize across clock changes, vendors without a duration count (Europe/Berlin 2026)', () => {
  const { parseVosLine } = require('../../../../nodes/lib/formats/vos');

  it('vos3000: a wall-clock stop in the repeated hour, before the start, is its second pass', () => {
    // 02:50 (first pass, CEST) → 02:10 (second pass, CET): 20 minutes, 19 of them talk.
    const line = '4930111|4930222|2026-10-25 02:50:00|2026-10-25 02:10:00|1140|0|1|GW-IN|GW-OUT|10.0.0.1|10.0.0.2|030111|030222|4930111|30222|0|1|0|0';
    const leg = normalize('vos3000', parseVosLine(line), BERLIN).legs[0];
    assertValidCdr(leg);
    assert.deepEqual([leg.startTime, leg.answerTime, leg.endTime], ['2026-10-25T00:50:00.000Z', '2026-10-25T00:51:00.000Z', '2026-10-25T01:10:00.000Z']);
    assert.deepEqual([leg.durationSec, leg.billSec], [1200, 1140]);
    // Spring: 01:50 → 03:10 across the skipped hour.
    const spring = normalize('vos3000', parseVosLine(line.replace('2026-10-25 02:50:00|2026-10-25 02:10:00', '2026-03-29 01:50:00|2026-03-29 03:10:00')), BERLIN).legs[0];
    assert.deepEqual([spring.startTime, spring.endTime, spring.durationSec], ['2026-03-29T00:50:00.000Z', '2026-03-29T01:10:00.000Z', 1200]);
  });

  it('gateway: event times in the repeated hour, before the call began, are their second pass; its spans follow', () => {
    const record = {
      Gateway: '8200', 'Call-Ref': '7', Port: '1', Notation: 'Call out', Dialed: '2252', 'Caller ID': '', 'PSTN Dial': '', 'PSTN Caller ID': '',
      'Begin At': '2026/10/25 02:50:00', 'Talk At': '2026/10/25 02:05:00', 'End At': '2026/10/25 02:20:00',
      // What the assembler makes of wall-clock spans that go backwards: 0.
      'Duration Sec': 0, 'Talk Sec': 0, 'PSTN Sec': null, Incomplete: false, Events: [{ Event: 'TALK' }], 'Unknown Events': [],
    };
    const leg = normalize('gateway', record, BERLIN).legs[0];
    assertValidCdr(leg);
    assert.deepEqual([leg.startTime, leg.answerTime, leg.endTime], ['2026-10-25T00:50:00.000Z', '2026-10-25T01:05:00.000Z', '2026-10-25T01:20:00.000Z']);
    assert.deepEqual([leg.durationSec, leg.billSec, leg.disposition], [1800, 900, 'answered']);
  });
});

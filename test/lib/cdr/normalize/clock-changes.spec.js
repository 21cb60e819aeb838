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

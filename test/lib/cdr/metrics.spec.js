'use strict';
const assert = require('node:assert/strict');
const { computeMetrics, formatDuration } = require('../../../nodes/lib/cdr/metrics');
const { calc } = require('../../../nodes/lib/cdr/calc');
const { parseRateTable } = require('../../../nodes/lib/cdr/rating');
const { mapUcm } = require('../../../nodes/lib/cdr/normalize/ucm');
const { assertValidCdr } = require('../../support/cdr-schema');
const { ucmRecords, ucmLegs } = require('../../support/ucm-samples');

const T = (s) => `2024-05-01T10:00:${String(s).padStart(2, '0')}.000Z`;
function leg(over = {}) {
  return {
    schema: 1, kind: 'leg', id: 'x:1', callId: 'c1', vendor: 'freeswitch',
    startTime: T(0), answerTime: T(12), endTime: T(52), durationSec: 52, billSec: 40,
    caller: { number: '1000' }, callee: { number: '+44 20 7946 0000' },
    disposition: 'answered', direction: 'outbound', extra: {}, ...over,
  };
}

describe('cdr/metrics', () => {
  it('without progress data: ring = answer − start, talk = billSec, total = duration', () => {
    assert.deepEqual(computeMetrics(leg()), { ringSec: 12, talkSec: 40, totalSec: 52 });
  });

  it('an unanswered record rang for its whole duration', () => {
    assert.deepEqual(computeMetrics(leg({ answerTime: null, billSec: 0, disposition: 'no_answer' })), { ringSec: 52, talkSec: 0, totalSec: 52 });
  });

  it('uses the progress time as ring start, and gives PDD', () => {
    const m = computeMetrics(leg({ timing: { progressTime: T(3) } }));
    assert.deepEqual(m, { ringSec: 9, pddSec: 3, talkSec: 40, totalSec: 52 });
  });

  it('prefers early media over progress as ring start (FreeSWITCH rule)', () => {
    const m = computeMetrics(leg({ timing: { progressTime: T(5), earlyMediaTime: T(2) } }));
    assert.equal(m.ringSec, 10);
    assert.equal(m.pddSec, 2);
  });

  it('rings until the end when a call with progress was not answered', () => {
    const m = computeMetrics(leg({ answerTime: null, billSec: 0, disposition: 'no_answer', timing: { progressTime: T(4) } }));
    assert.equal(m.ringSec, 48);
    assert.equal(m.pddSec, 4);
  });

  it('takes the vendor\'s own PDD when it gives one', () => {
    const m = computeMetrics(leg({ timing: { pddSec: 1.25, progressTime: T(3) } }));
    assert.equal(m.pddSec, 1.25);
    assert.equal(m.ringSec, 9);
  });

  it('sums hold periods into holdSec, with millisecond precision', () => {
    const m = computeMetrics(leg({ timing: { holds: [{ start: T(20), end: T(25) }, { start: '2024-05-01T10:00:30.000Z', end: '2024-05-01T10:00:33.250Z' }] } }));
    assert.equal(m.holdSec, 8.25);
    assert.equal(computeMetrics(leg({ timing: { holds: [] } })).holdSec, 0);
    assert.equal(computeMetrics(leg()).holdSec, undefined);
  });

  it('formats durations as H:MM:SS', () => {
    assert.equal(formatDuration(0), '0:00:00');
    assert.equal(formatDuration(65), '0:01:05');
    assert.equal(formatDuration(90061), '25:01:01');
  });

  it('calc adds metrics to a call and its legs, and rates only the call', () => {
    const { call } = mapUcm(ucmRecords()[0], { timeZone: 'UTC' });
    const table = parseRateTable('prefix,rate\n07,0.10');
    const out = calc(call, { rates: table, rating: { currency: 'GBP' } });
    assertValidCdr(out);
    // main_cdr: duration 65, billsec 65 (35 + 30, the UCM's own counts), not 66 from the timestamps.
    assert.deepEqual(out.metrics, { ringSec: 0, talkSec: 65, totalSec: 65 });
    assert.ok(out.legs.every((l) => l.metrics && l.cost === undefined));
    assert.equal(out.cost, null, 'callee 71 is a park slot: no rate');
    assert.match(out.costReason, /no rate matches callee "71"/);
    assert.equal(call.metrics, undefined, 'the input is not changed');
    // Every sample leg goes through calc and stays valid.
    for (const l of ucmLegs()) assertValidCdr(calc(mapUcm(l, { timeZone: 'UTC' }).legs[0], { rates: table, rating: { currency: 'GBP' } }));
    assert.equal('cost' in calc(call), false, 'no table: no cost at all');
  });
});

'use strict';
// The demo's fraud pattern: UCM legs that cdr-normalize reads as short answered
// calls to a watch-listed prefix, and that cdr-alert's rules raise on.
const assert = require('node:assert/strict');
const { UcmGenerator } = require('../../../nodes/lib/sim/ucm');
const { fraudLeg } = require('../../../nodes/lib/sim/fraud');
const { mapUcm } = require('../../../nodes/lib/cdr/normalize/ucm');
const { toStatsRecord } = require('../../../nodes/lib/stats/record');
const { Alerter } = require('../../../nodes/lib/stats/alerter');
const { BurstRule } = require('../../../nodes/lib/stats/rule-burst');
const { EventRule } = require('../../../nodes/lib/stats/rule-event');
const { watchListMatch } = require('../../../nodes/lib/stats/matchers');
const { parsePrefixList } = require('../../../nodes/lib/stats/prefix-list');
const { assertValidCdr } = require('../../support/cdr-schema');

describe('sim/fraud', () => {
  it('makes short answered calls from one extension to 00882…, which fire the burst and watch-list rules once each', () => {
    const gen = new UcmGenerator({ seed: 3, live: true });
    const t0 = Date.UTC(2026, 0, 5, 12, 0, 0);
    const cdrs = Array.from({ length: 12 }, (_, i) => mapUcm(fraudLeg(gen.next('leg'), t0 + i * 1000, i), { timeZone: 'UTC' }).legs[0]);
    for (const c of cdrs) {
      assertValidCdr(c);
      assert.deepEqual([c.disposition, c.billSec, c.caller.number, c.direction], ['answered', 3, '1003', 'outbound']);
      assert.match(c.callee.number, /^00882\d{7}$/);
    }
    assert.equal(new Set(cdrs.map((c) => c.id)).size, 12);
    const alerter = new Alerter(
      [new BurstRule({ by: 'caller', shortSec: 10, count: 10, clearCount: 3, windowMin: 10, maxKeys: 100 }), new EventRule('watch list', watchListMatch(parsePrefixList('882,International Networks (example)'), 'caller'), 30, 100)],
      [],
      { minHoldMs: 0, maxCauses: 10 },
    );
    const alerts = cdrs.flatMap((c) => alerter.onRecord(toStatsRecord(c), {}, Date.parse(c.endTime)));
    assert.deepEqual(alerts.map((a) => [a.rule, a.key]), [['watch list', 'caller:1003/882'], ['short-call burst', 'caller:1003']]);
    assert.equal(alerts[1].causes.length, 10);
  });
});

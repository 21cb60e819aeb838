'use strict';
const assert = require('node:assert/strict');
const { Alerter } = require('../../../nodes/lib/stats/alerter');
const { BurstRule } = require('../../../nodes/lib/stats/rule-burst');
const { SpendRule } = require('../../../nodes/lib/stats/rule-spend');
const { EventRule } = require('../../../nodes/lib/stats/rule-event');
const { ConcurrentRule } = require('../../../nodes/lib/stats/rule-concurrent');
const { ThresholdRule } = require('../../../nodes/lib/stats/rule-threshold');
const { RiseRule } = require('../../../nodes/lib/stats/rule-rise');
const { watchListMatch, outOfHoursMatch, parseBusinessHours } = require('../../../nodes/lib/stats/matchers');
const { parsePrefixList } = require('../../../nodes/lib/stats/prefix-list');
const { StatsEngine } = require('../../../nodes/lib/stats/engine');
const { parseWindow } = require('../../../nodes/lib/stats/windows');
const { toStatsRecord } = require('../../../nodes/lib/stats/record');
const { call } = require('./traffic');

const MIN = 60000;
const T0 = Date.UTC(2024, 4, 1, 10, 0, 0);
const book = { minHoldMs: 2 * MIN, maxCauses: 5 };
const rec = (c) => toStatsRecord(c);

/** Feeds records (each at its end time) and ticks; returns every alert message in order. */
function run(alerter, steps) {
  const out = [];
  for (const s of steps) {
    if (s.cdr) out.push(...alerter.onRecord(rec(s.cdr), {}, s.at ?? Date.parse(s.cdr.endTime)));
    if (s.report) out.push(...alerter.onReport(s.report, s.at));
    if (s.tick) out.push(...alerter.tick(s.tick));
  }
  return out;
}

describe('stats/alert rules: raise once, clear once, with the causing Cdr ids', () => {
  it('short-call burst: 5 short calls from one caller in 10 minutes', () => {
    const a = new Alerter([new BurstRule({ by: 'caller', shortSec: 10, count: 5, clearCount: 2, windowMin: 10, maxKeys: 100 })], [], book);
    const steps = [];
    for (let n = 1; n <= 8; n++) steps.push({ cdr: call({ n, endMs: T0 + n * 20000, talk: 3, caller: '555' }) });
    steps.push({ cdr: call({ n: 9, endMs: T0 + 200000, talk: 300, caller: '555' }) }); // a long call does not count
    steps.push({ tick: T0 + 5 * MIN }, { tick: T0 + 12 * MIN }, { tick: T0 + 20 * MIN });
    const out = run(a, steps);
    assert.deepEqual(out.map((m) => m.state), ['raised', 'cleared']);
    assert.equal(out[0].rule, 'short-call burst');
    assert.equal(out[0].key, 'caller:555');
    assert.deepEqual(out[0].causes, ['t:1', 't:2', 't:3', 't:4', 't:5']);
    assert.equal(out[0].figures.shortCalls, 5);
    assert.equal(out[1].figures.shortCalls, 0);
    assert.equal(a.book.size, 0);
  });

  it('spend cap per account per hour: raised over the cap, cleared when the next hour starts', () => {
    const a = new Alerter([new SpendRule({ by: 'account', measure: 'cost', period: 'hour', timeZone: 'UTC', cap: 1, clearRatio: 0.8, maxKeys: 100 })], [], book);
    const out = run(a, [
      { cdr: call({ n: 1, endMs: T0 + MIN, account: 'acme', cost: 0.6 }) },
      { cdr: call({ n: 2, endMs: T0 + 2 * MIN, account: 'acme', cost: 0.6 }) }, // 1.2 > 1
      { cdr: call({ n: 3, endMs: T0 + 3 * MIN, account: 'acme', cost: 0.6 }) }, // still up: no repeat
      { cdr: call({ n: 4, endMs: T0 + 3 * MIN, account: 'other', cost: 0.1 }) },
      { tick: T0 + 30 * MIN },
      { tick: T0 + 61 * MIN },
    ]);
    assert.deepEqual(out.map((m) => [m.state, m.key]), [['raised', 'account:acme'], ['cleared', 'account:acme']]);
    assert.deepEqual(out[0].causes, ['t:1', 't:2']);
    assert.equal(out[0].figures.cost, 1.2);
    assert.equal(out[0].window.start, '2024-05-01T10:00:00.000Z');
  });

  it('minutes cap per caller per day', () => {
    const a = new Alerter([new SpendRule({ by: 'caller', measure: 'minutes', period: 'day', timeZone: 'UTC', cap: 5, clearRatio: 1, maxKeys: 100 })], [], book);
    const out = run(a, [
      { cdr: call({ n: 1, endMs: T0 + 5 * MIN, talk: 180, caller: '42' }) },
      { cdr: call({ n: 2, endMs: T0 + 10 * MIN, talk: 180, caller: '42' }) },
      { tick: T0 + 24 * 60 * MIN },
    ]);
    assert.deepEqual(out.map((m) => [m.state, m.figures.minutes]), [['raised', 6], ['cleared', 0]]);
  });

  it('watch list: a call to a listed prefix raises once per caller and prefix; quiet for 30 minutes clears', () => {
    const list = parsePrefixList('prefix,description\n882,International Networks\n53,Cuba\n');
    const a = new Alerter([new EventRule('watch list', watchListMatch(list, 'caller'), 30, 100)], [], book);
    const out = run(a, [
      { cdr: call({ n: 1, endMs: T0, caller: '7', callee: '+882 1234' }) },
      { cdr: call({ n: 2, endMs: T0 + MIN, caller: '7', callee: '00882999' }) },
      { cdr: call({ n: 3, endMs: T0 + MIN, caller: '7', callee: '00442071234' }) }, // not listed
      { tick: T0 + 20 * MIN },
      { tick: T0 + 32 * MIN },
    ]);
    assert.deepEqual(out.map((m) => [m.state, m.key]), [['raised', 'caller:7/882'], ['cleared', 'caller:7/882']]);
    assert.equal(out[0].figures.description, 'International Networks');
    assert.deepEqual(out[1].causes, ['t:1', 't:2']);
  });

  it('out of hours: a call on Saturday or at 22:00 local time raises; in-hours calls do not', () => {
    const hours = parseBusinessHours('08:00-18:00', 'mon-fri', 'Europe/Berlin');
    const a = new Alerter([new EventRule('out of hours', outOfHoursMatch(hours, 'account'), 60, 100)], [], book);
    const wed10 = Date.UTC(2024, 4, 1, 8, 0); // Wednesday 10:00 CEST
    const wed22 = Date.UTC(2024, 4, 1, 20, 0); // Wednesday 22:00 CEST
    const out = run(a, [
      { cdr: call({ n: 1, endMs: wed10, account: 'a1' }) },
      { cdr: call({ n: 2, endMs: wed22, account: 'a1' }) },
      { cdr: call({ n: 3, endMs: wed22 + 10 * MIN, account: 'a1' }) },
      { tick: wed22 + 80 * MIN },
    ]);
    assert.deepEqual(out.map((m) => [m.state, m.key]), [['raised', 'account:a1'], ['cleared', 'account:a1']]);
    assert.deepEqual(out[0].causes, ['t:2']);
    assert.throws(() => parseBusinessHours('18-08', 'mon-fri', 'UTC'), /must be like 08:00-18:00/);
  });

  it('concurrent calls per trunk above 2', () => {
    const a = new Alerter([new ConcurrentRule({ by: 'trunk', cap: 2, clearCap: 2, windowMin: 5, maxKeys: 100 })], [], book);
    const c = (n, s, d) => ({ cdr: call({ n, endMs: T0 + (s + d) * 1000, talk: d - 5, trunk: 'tr1' }), at: T0 + (s + d) * 1000 });
    const out = run(a, [c(1, 0, 100), c(2, 10, 100), c(3, 20, 100), c(4, 30, 100), { tick: T0 + 3 * MIN }, { tick: T0 + 10 * MIN }]);
    assert.deepEqual(out.map((m) => [m.state, m.figures.concurrent]), [['raised', 3], ['cleared', 0]]);
    assert.deepEqual(out[0].causes, ['t:1', 't:2', 't:3']);
  });

  it('a KPI threshold on cdr-stats reports: ASR < 30 % with ≥ 10 attempts, cleared at ≥ 35 % after the hold', () => {
    const a = new Alerter([], [new ThresholdRule({ figure: 'asr', op: '<', raise: 0.3, clear: 0.35, minAttempts: 10, window: '15m' })], book);
    const report = (asr, attempts, name = '15m') => ({ key: 'trunk', value: 'tr1', window: { name, type: 'sliding' }, attempts, answered: Math.round(asr * attempts), asr });
    const out = run(a, [
      { report: report(0.2, 5), at: T0 }, // too few attempts
      { report: report(0.2, 50), at: T0 + MIN }, // raised
      { report: report(0.25, 50), at: T0 + 2 * MIN },
      { report: report(0.32, 50), at: T0 + 3 * MIN }, // between the levels: stays
      { report: report(0.5, 50, '1h'), at: T0 + 4 * MIN }, // another window: ignored
      { report: report(0.4, 50), at: T0 + 4 * MIN }, // cleared
      { report: report(0.4, 50), at: T0 + 5 * MIN },
    ]);
    assert.deepEqual(out.map((m) => [m.state, m.key, m.figures.asr]), [['raised', 'trunk:tr1/15m', 0.2], ['cleared', 'trunk:tr1/15m', 0.4]]);
  });

  it('a threshold or a sudden rise on a report names the Cdrs behind it: failed calls for ASR and NER, the last ones else', () => {
    const report = { key: 'trunk', value: 'tr1', window: { name: '15m', type: 'sliding', end: new Date(T0).toISOString() }, attempts: 50, answered: 10, asr: 0.2, ner: 0.4, pddP95: 9, recentIds: ['r1', 'r2'], failedIds: ['f1', 'f2', 'f3'] };
    const alerts = (rule) => new Alerter([], [rule], book).onReport(report, T0);
    assert.deepEqual(alerts(new ThresholdRule({ figure: 'asr', op: '<', raise: 0.3, clear: 0.35, minAttempts: 10, window: '' }))[0].causes, ['f1', 'f2', 'f3']);
    assert.deepEqual(alerts(new ThresholdRule({ figure: 'ner', op: '<', raise: 0.5, clear: 0.6, minAttempts: 10, window: '' }))[0].causes, ['f1', 'f2', 'f3']);
    assert.deepEqual(alerts(new ThresholdRule({ figure: 'pddP95', op: '>', raise: 6, clear: 5, minAttempts: 10, window: '' }))[0].causes, ['r1', 'r2']);
    const old = { ...report, recentIds: undefined, failedIds: undefined }; // a report of a cdr-stats before ids
    assert.deepEqual(new Alerter([], [new ThresholdRule({ figure: 'asr', op: '<', raise: 0.3, clear: 0.35, minAttempts: 10, window: '' })], book).onReport(old, T0)[0].causes, []);
    const rise = new Alerter([], [new RiseRule({ figure: 'attempts', factor: 3, clearFactor: 1.5, days: 7, minValue: 10, slotMinutes: 60, maxKeys: 100 })], book);
    const DAY = 24 * 60 * MIN;
    const at = (d, attempts) => ({ ...report, attempts, window: { ...report.window, end: new Date(T0 + d * DAY).toISOString() } });
    rise.onReport(at(-1, 5), T0 - DAY);
    assert.deepEqual(rise.onReport(at(0, 50), T0)[0].causes, ['r1', 'r2']);
  });

  it('the minimum hold keeps a flapping alert up: one raise, one clear', () => {
    const a = new Alerter([], [new ThresholdRule({ figure: 'pddP95', op: '>', raise: 6, clear: 6, minAttempts: 1, window: '' })], { minHoldMs: 10 * MIN, maxCauses: 5 });
    const report = (p) => ({ key: 'all', value: 'all', window: { name: '15m', type: 'sliding' }, attempts: 10, answered: 5, pddP95: p });
    const steps = [];
    for (let i = 0; i < 12; i++) steps.push({ report: report(i % 2 ? 3 : 8), at: T0 + i * MIN });
    steps.push({ report: report(3), at: T0 + 12 * MIN });
    assert.deepEqual(run(a, steps).map((m) => m.state), ['raised', 'cleared']);
  });

  it('a sudden rise against the same window of the last days, fed by a real cdr-stats engine', () => {
    const a = new Alerter([], [new RiseRule({ figure: 'attempts', factor: 3, clearFactor: 1.5, days: 7, minValue: 10, slotMinutes: 60, maxKeys: 100 })], book);
    const e = new StatsEngine({ windows: [parseWindow('tumbling 1h', 'UTC')], timeBy: 'end', latenessMs: 0, maxKeys: 10, topCauses: 3, shortCallSec: 10 });
    const all = [{ name: 'all', value: 'all' }];
    const DAY = 24 * 60 * MIN;
    let n = 0;
    const out = [];
    // Three days with 5 calls in the 10:00 hour, then a day with 30, then a day with 6.
    for (const [d, calls] of [[0, 5], [1, 5], [2, 5], [3, 30], [4, 6]]) {
      for (let i = 0; i < calls; i++) e.add(rec(call({ n: ++n, endMs: T0 + d * DAY + i * 1000 })), all, T0 + d * DAY + i * 1000);
      const at = T0 + d * DAY + 60 * MIN + 1;
      for (const r of e.report(at)) out.push(...a.onReport(r, at));
    }
    assert.deepEqual(out.map((m) => [m.state, m.figures.attempts, m.figures.average]), [['raised', 30, 5], ['cleared', 6, 11.25]]);
  });

  it('active alerts and rule state survive a snapshot (a redeploy): no second raise', () => {
    const make = () => new Alerter([new BurstRule({ by: 'caller', shortSec: 10, count: 3, clearCount: 1, windowMin: 10, maxKeys: 100 })], [], book);
    const a = make();
    const out = run(a, [1, 2, 3].map((n) => ({ cdr: call({ n, endMs: T0 + n * 1000, talk: 2, caller: '9' }) })));
    assert.equal(out.length, 1);
    const b = make();
    b.restore(JSON.parse(JSON.stringify(a.snapshot())));
    assert.equal(b.book.size, 1);
    const more = run(b, [{ cdr: call({ n: 4, endMs: T0 + 5000, talk: 2, caller: '9' }) }, { tick: T0 + 20 * MIN }]);
    assert.deepEqual(more.map((m) => m.state), ['cleared']);
  });
});

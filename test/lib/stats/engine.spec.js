'use strict';
const assert = require('node:assert/strict');
const { StatsEngine } = require('../../../nodes/lib/stats/engine');
const { parseWindow, bucketStart, bucketEnd } = require('../../../nodes/lib/stats/windows');
const { toStatsRecord } = require('../../../nodes/lib/stats/record');
const { call } = require('./traffic');

const MIN = 60000;
const T0 = Date.UTC(2024, 4, 1, 10, 0, 0); // 10:00:00 UTC
const all = [{ name: 'all', value: 'all' }];

function engine(windows = ['sliding 15m'], over = {}) {
  return new StatsEngine({
    windows: windows.map((w) => parseWindow(w, over.timeZone ?? 'UTC')),
    timeBy: 'end',
    latenessMs: 5 * MIN,
    maxKeys: 100,
    topCauses: 3,
    shortCallSec: 10,
    ...over,
  });
}
const rec = (c) => toStatsRecord(c);

describe('stats/engine: KPIs worked out by hand', () => {
  it('ASR, NER, ACD, PDD avg/p95, short calls, talk minutes, cost and causes over fixed traffic', () => {
    const e = engine();
    const now = T0 + 10 * MIN + 30000;
    const calls = [
      call({ n: 1, endMs: T0 + 1 * MIN, talk: 120, pdd: 2, cost: 0.06 }),
      call({ n: 2, endMs: T0 + 2 * MIN, talk: 60, pdd: 3, cost: 0.03 }),
      call({ n: 3, endMs: T0 + 3 * MIN, talk: 6, pdd: 2.5, cost: 0.01, currency: 'EUR' }), // short (< 10 s)
      call({ n: 4, endMs: T0 + 4 * MIN, disposition: 'busy', q850: 17, cause: 'USER_BUSY', pdd: 1 }), // effective
      call({ n: 5, endMs: T0 + 5 * MIN, disposition: 'no_answer', pdd: 8 }), // effective, no cause
      call({ n: 6, endMs: T0 + 6 * MIN, disposition: 'congestion', q850: 34, cause: 'NO_CIRCUIT' }), // not effective
      call({ n: 7, endMs: T0 + 7 * MIN, disposition: 'failed', q850: 34, cause: 'NO_CIRCUIT' }),
      call({ n: 8, endMs: T0 + 8 * MIN, disposition: 'failed', q850: 21 }), // call rejected: effective
    ];
    for (const c of calls) e.add(rec(c), all, now);
    const [r] = e.report(now);
    assert.equal(r.attempts, 8);
    assert.equal(r.answered, 3);
    assert.equal(r.asr, 0.375); // 3 / 8
    assert.equal(r.effective, 6); // 3 answered + busy 17 + no_answer + rejected 21
    assert.equal(r.ner, 0.75); // 6 / 8
    assert.equal(r.acd, 62); // (120 + 60 + 6) / 3
    assert.equal(r.talkMinutes, 3.1); // 186 s
    assert.equal(r.shortCalls, 1);
    assert.equal(r.shortCallRatio, 0.3333);
    assert.equal(r.pddAvg, 3.3); // (2 + 3 + 2.5 + 1 + 8) / 5
    assert.equal(r.pddP95, 8); // nearest rank: ceil(0.95 × 5) = 5th of 1, 2, 2.5, 3, 8
    assert.deepEqual(r.cost, { EUR: 0.01, USD: 0.09 });
    assert.deepEqual(r.causes, [
      { cause: 'Q.850 34 NO_CIRCUIT', count: 2 },
      { cause: 'Q.850 17 USER_BUSY', count: 1 },
      { cause: 'Q.850 21', count: 1 },
    ]); // top 3 of 4 (no_answer left off)
    assert.equal(r.window.name, '15m');
    assert.equal(r.window.start, '2024-05-01T09:56:00.000Z');
    assert.equal(r.window.end, '2024-05-01T10:11:00.000Z');
  });

  it('a call is counted by its end time, not its arrival; a flat row counts like its Cdr', () => {
    const e = engine(['tumbling 1m']);
    const { toFlatRow } = require('../../../nodes/lib/cdr/rows');
    e.add(rec(toFlatRow(call({ n: 1, endMs: T0 + 30000 }))), all, T0 + 90000); // arrives in the next minute
    const now = T0 + 100000;
    const rows = e.report(now);
    // 10:00 is closed but within lateness (5 min): reported, not final yet; 10:01 has nothing.
    assert.deepEqual(rows.map((r) => [r.window.start, r.window.final, r.attempts]), [['2024-05-01T10:00:00.000Z', false, 1]]);
    const later = e.report(T0 + 6 * MIN + 1);
    assert.equal(later.length, 1);
    assert.deepEqual([later[0].window.start, later[0].window.final, later[0].attempts, later[0].late], ['2024-05-01T10:00:00.000Z', true, 1, 1]);
    assert.equal(e.report(T0 + 7 * MIN).length, 0, 'a final period is reported once');
  });

  it('window edges: a call ending at hh:mm:00.000 is in that minute; the sliding window drops its oldest minute', () => {
    const e = engine(['sliding 2m']);
    e.add(rec(call({ n: 1, endMs: T0 + MIN - 1 })), all, T0 + MIN); // 10:00:59.999 → minute 10:00
    e.add(rec(call({ n: 2, endMs: T0 + MIN })), all, T0 + MIN); // 10:01:00.000 → minute 10:01
    assert.equal(e.report(T0 + MIN + 10)[0].attempts, 2); // window 10:00–10:02
    assert.equal(e.report(T0 + 2 * MIN)[0].attempts, 1); // window 10:01–10:03
    assert.deepEqual(e.report(T0 + 3 * MIN), [], 'nothing left in the window: no row');
    assert.equal(e.keyCount, 1, 'kept while its calls are in the concurrency horizon (15 min)');
    e.report(T0 + 20 * MIN);
    assert.equal(e.keyCount, 0, 'then forgotten');
  });

  it('late records: counted in their own bucket inside the lateness, dropped (and counted) beyond it', () => {
    const e = engine(['tumbling 1h']);
    const now = T0 + 63 * MIN; // 11:03
    e.add(rec(call({ n: 1, endMs: T0 + 59 * MIN })), all, now); // 10:59, 4 min late: in the 10:00 hour
    e.add(rec(call({ n: 2, endMs: T0 + 61 * MIN })), all, now); // 11:01: current hour
    const ahead = T0 + 70 * MIN;
    e.add(rec(call({ n: 3, endMs: ahead })), all, now); // a PBX clock ahead: counted now, in 11:00
    e.add(rec(call({ n: 4, endMs: T0 + 59 * MIN })), all, T0 + 66 * MIN); // 7 min late > 5: dropped
    assert.equal(e.counts.tooLate, 1);
    assert.equal(e.counts.records, 3);
    const rows = e.report(T0 + 66 * MIN);
    const byStart = Object.fromEntries(rows.map((r) => [r.window.start, r]));
    assert.equal(byStart['2024-05-01T10:00:00.000Z'].attempts, 1);
    assert.equal(byStart['2024-05-01T10:00:00.000Z'].late, 1);
    assert.equal(byStart['2024-05-01T10:00:00.000Z'].window.final, true);
    assert.equal(byStart['2024-05-01T11:00:00.000Z'].attempts, 2);
    assert.equal(byStart['2024-05-01T11:00:00.000Z'].window.final, false);
  });

  it('daily windows follow the time zone: the spring-forward day is 23 h, the fall-back day 25 h', () => {
    const w = parseWindow('tumbling 1d', 'Europe/Berlin');
    const spring = bucketStart(w, Date.UTC(2024, 2, 31, 12)); // 31 March 2024, clocks 02:00 → 03:00
    assert.equal(new Date(spring).toISOString(), '2024-03-30T23:00:00.000Z'); // local midnight CET
    assert.equal(new Date(bucketEnd(w, spring)).toISOString(), '2024-03-31T22:00:00.000Z'); // next midnight CEST
    assert.equal((bucketEnd(w, spring) - spring) / 3600000, 23);
    const fall = bucketStart(w, Date.UTC(2024, 9, 27, 12)); // 27 October 2024, 03:00 → 02:00
    assert.equal((bucketEnd(w, fall) - fall) / 3600000, 25);
    // A call at 23:30 local on 30 March counts on the 30th; one at 00:30 local on the 31st on the 31st.
    const e = engine(['tumbling 1d'], { timeZone: 'Europe/Berlin', latenessMs: 48 * 60 * MIN });
    e.add(rec(call({ n: 1, endMs: Date.UTC(2024, 2, 30, 22, 30) })), all, Date.UTC(2024, 2, 31, 1));
    e.add(rec(call({ n: 2, endMs: Date.UTC(2024, 2, 30, 23, 30) })), all, Date.UTC(2024, 2, 31, 1));
    const rows = e.report(Date.UTC(2024, 2, 31, 1));
    assert.deepEqual(rows.map((r) => [r.window.start, r.window.end, r.attempts, r.window.final]), [
      ['2024-03-29T23:00:00.000Z', '2024-03-30T23:00:00.000Z', 1, false], // closed, still taking late records
      ['2024-03-30T23:00:00.000Z', '2024-03-31T22:00:00.000Z', 1, false],
    ]);
    // The 30th is closed; its final report comes once its lateness (48 h) is over.
    const final = e.report(Date.UTC(2024, 3, 3, 0));
    assert.deepEqual(final.map((r) => [r.window.start, r.attempts, r.window.final]), [
      ['2024-03-29T23:00:00.000Z', 1, true],
      ['2024-03-30T23:00:00.000Z', 1, true],
    ]);
  });

  it('the key cap evicts the least recently seen key and counts it', () => {
    const e = engine(['sliding 15m'], { maxKeys: 2 });
    const now = T0;
    const k = (v) => [{ name: 'trunk', value: v }];
    e.add(rec(call({ n: 1, endMs: now })), k('a'), now);
    e.add(rec(call({ n: 2, endMs: now })), k('b'), now);
    e.add(rec(call({ n: 3, endMs: now })), k('a'), now); // a is now the most recent
    e.add(rec(call({ n: 4, endMs: now })), k('c'), now); // evicts b
    assert.equal(e.keyCount, 2);
    assert.equal(e.counts.evicted, 1);
    assert.deepEqual(e.report(now).map((r) => [r.value, r.attempts]).sort(), [['a', 2], ['c', 1]]);
  });

  it('peak concurrent calls, from start and end, to the second', () => {
    const e = engine(['sliding 15m']);
    const now = T0 + 10 * MIN;
    // a: 10:00:00–10:05:00, b: 10:01:00–10:03:00, c: 10:02:00–10:02:30, d: 10:05:00–10:06:00 (starts as a ends)
    const c = (n, s, d) => ({ ...rec(call({ n, endMs: T0 + s * 1000 + d * 1000, talk: d - 5 })), startMs: T0 + s * 1000 });
    for (const r of [c(1, 0, 300), c(2, 60, 120), c(3, 120, 30), c(4, 300, 60)]) e.add(r, all, now);
    assert.equal(e.report(now)[0].concurrentPeak, 3);
  });

  it('a report names its last Cdrs and its last failed ones, oldest first, over the minutes of a sliding window', () => {
    const e = engine(['sliding 15m', 'tumbling 1h'], { sampleIds: 3 });
    const now = T0 + 10 * MIN;
    // Two minutes, failed calls among answered ones; n 7 fails last.
    const fails = new Set([2, 3, 5, 7]);
    for (let n = 1; n <= 8; n++) {
      e.add(rec(call({ n, endMs: T0 + (n <= 4 ? 1 : 2) * MIN + n * 1000, disposition: fails.has(n) ? 'busy' : 'answered' })), all, now);
    }
    const [sliding, hour] = e.report(now);
    assert.equal(sliding.window.name, '15m');
    assert.deepEqual(sliding.recentIds, ['t:6', 't:7', 't:8']);
    assert.deepEqual(sliding.failedIds, ['t:3', 't:5', 't:7'], 'the last failed ones, across the two minutes');
    assert.equal(hour.window.name, '1h');
    assert.deepEqual([hour.recentIds, hour.failedIds], [['t:6', 't:7', 't:8'], ['t:3', 't:5', 't:7']]);
    const none = engine(['sliding 15m'], { sampleIds: 0 });
    none.add(rec(call({ n: 1, endMs: T0, disposition: 'busy' })), all, T0);
    assert.deepEqual([none.report(T0)[0].recentIds, none.report(T0)[0].failedIds], [[], []], 'sampleIds 0 keeps none');
  });

  it('a sliding window keeps the id rings of its newest minutes only: older ones are emptied once the newer hold enough', () => {
    const e = engine(['sliding 1440m'], { sampleIds: 2 });
    const now = T0 + 30 * MIN;
    for (let m = 0; m < 30; m++) for (let k = 0; k < 3; k++) e.add(rec(call({ n: m * 10 + k, endMs: T0 + m * MIN + k * 1000, disposition: k === 0 ? 'busy' : 'answered' })), all, now);
    const [r] = e.report(now);
    assert.deepEqual([r.attempts, r.recentIds, r.failedIds], [90, ['t:291', 't:292'], ['t:280', 't:290']]);
    const kept = e.snapshot().keys[0].windows[0].buckets.map(([, t]) => [t.ids.length, t.failedIds.length]);
    assert.equal(kept.length, 30, 'every minute is still counted');
    assert.deepEqual(kept.slice(-2), [[0, 1], [2, 1]], 'the newest minute holds the 2 last ids; the 2 last failed ones need two minutes');
    assert.ok(kept.slice(0, -2).every(([ids, failed]) => ids === 0 && failed === 0), 'the older minutes keep no ids');
    e.add(rec(call({ n: 999, endMs: T0 + 5 * MIN, disposition: 'busy' })), all, now); // late, into an emptied minute
    assert.deepEqual(e.report(now)[0].failedIds, ['t:280', 't:290'], 'still the newest ones');
  });

  it('ids survive a snapshot, also into an engine that keeps fewer, and a snapshot from before ids restores with none', () => {
    const e = engine(['tumbling 1h'], { sampleIds: 4 });
    for (let n = 1; n <= 6; n++) e.add(rec(call({ n, endMs: T0 + n * 1000, disposition: 'failed' })), all, T0 + MIN);
    const snap = JSON.parse(JSON.stringify(e.snapshot()));
    const same = engine(['tumbling 1h'], { sampleIds: 4 });
    same.restore(snap);
    same.add(rec(call({ n: 7, endMs: T0 + 7000, disposition: 'failed' })), all, T0 + MIN);
    assert.deepEqual(same.report(T0 + MIN)[0].failedIds, ['t:4', 't:5', 't:6', 't:7']);
    const fewer = engine(['tumbling 1h'], { sampleIds: 2 });
    fewer.restore(snap);
    assert.deepEqual(fewer.report(T0 + MIN)[0].failedIds, ['t:5', 't:6']);
    fewer.add(rec(call({ n: 7, endMs: T0 + 7000, disposition: 'failed' })), all, T0 + MIN);
    assert.deepEqual(fewer.report(T0 + MIN)[0].failedIds, ['t:6', 't:7']);
    for (const k of snap.keys) for (const w of k.windows) for (const [, t] of w.buckets) for (const f of ['ids', 'idsN', 'failedIds', 'failedIdsN']) delete t[f];
    const old = engine(['tumbling 1h'], { sampleIds: 4 });
    assert.equal(old.restore(snap), true);
    old.add(rec(call({ n: 8, endMs: T0 + 8000, disposition: 'failed' })), all, T0 + MIN);
    const [r] = old.report(T0 + MIN);
    assert.deepEqual([r.attempts, r.failedIds, r.recentIds], [7, ['t:8'], ['t:8']]);
  });

  it('a snapshot restores every figure (a redeploy keeps the state)', () => {
    const e = engine(['sliding 15m', 'tumbling 1h']);
    const now = T0 + 5 * MIN;
    e.add(rec(call({ n: 1, endMs: T0 + MIN, pdd: 2, cost: 0.5 })), all, now);
    e.add(rec(call({ n: 2, endMs: T0 + 2 * MIN, disposition: 'busy', q850: 17 })), all, now);
    const copy = engine(['sliding 15m', 'tumbling 1h']);
    assert.equal(copy.restore(JSON.parse(JSON.stringify(e.snapshot()))), true);
    assert.deepEqual(copy.report(now), e.report(now));
    assert.equal(engine(['sliding 15m']).restore(e.snapshot()), false, 'other windows: not restored');
  });
});

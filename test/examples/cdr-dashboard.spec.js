'use strict';
// examples/cdr-dashboard.json in a real Node-RED runtime: the example's own
// cdr-stats and cdr-alert nodes and function nodes (core function node, their
// code as the user imports it), with every Dashboard 2 widget swapped for a
// helper node that records what the widget would be sent. Cdrs made by hand
// are fed to the nodes and the table rows, per-minute counts, ASR, NER, ACD,
// PDD and alerts are checked against values worked out by hand; one run goes
// end to end from a UCM over a real TCP socket. The demo flow of `npm start`
// must carry the same code.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { helper, core, load, collect } = require('../support/red');
const { waitFor } = require('../support/wait');
const { assertValidCdr } = require('../support/cdr-schema');
const { UcmGenerator, UcmSender } = require('../../nodes/lib/sim/ucm');

const root = path.join(__dirname, '..', '..');
const nodes = [
  require('../../nodes/ucm-cdr-in.js'),
  require('../../nodes/cdr-normalize.js'),
  require('../../nodes/cdr-calc.js'),
  require('../../nodes/cdr-stats.js'),
  require('../../nodes/cdr-alert.js'),
  require('@node-red/nodes/core/common/90-comment.js'),
  require('@node-red/nodes/core/common/20-inject.js'),
  require('@node-red/nodes/core/function/10-function.js'),
  core.catch,
];

const EXAMPLE = JSON.parse(fs.readFileSync(path.join(root, 'examples', 'cdr-dashboard.json'), 'utf8'));
const DEMO = JSON.parse(fs.readFileSync(path.join(root, 'scripts', 'demo-flow.json'), 'utf8'));
const byName = (flow, type, name) => flow.find((n) => n.type === type && n.name === name);
const fnRecent = byName(EXAMPLE, 'function', 'recent calls');
const fnPerMinute = byName(EXAMPLE, 'function', 'calls per minute');
const fnTrunks = byName(EXAMPLE, 'function', 'ASR / NER / ACD / PDD per trunk');
const fnAlerts = byName(EXAMPLE, 'function', 'alerts');
const statsMinute = byName(EXAMPLE, 'cdr-stats', 'calls per minute');
const statsTrunk = byName(EXAMPLE, 'cdr-stats', 'per trunk, last 15 min');
const alertNode = byName(EXAMPLE, 'cdr-alert', 'fraud and KPI alerts');
const widget = (fn) => EXAMPLE.find((n) => n.id === fn.wires[0][0]);

const MINUTE = 60000;
const iso = (ms) => new Date(ms).toISOString();

/**
 * A schema-valid call record that ended at `endMs`: rang `ring` seconds, then
 * (answered) talked `talk` seconds. `metrics` as cdr-calc adds them.
 */
function call({ n, endMs, vendor = 'ucm', disposition = 'answered', talk = 0, ring = 4, trunk, cost = null, costReason, pdd, caller, callee, q850 }) {
  const answered = disposition === 'answered';
  const talkSec = answered ? talk : 0;
  const startMs = endMs - (ring + talkSec) * 1000;
  const cdr = {
    schema: 1,
    kind: 'call',
    id: `test:${n}`,
    callId: `call-${n}`,
    vendor,
    startTime: iso(startMs),
    answerTime: answered ? iso(startMs + ring * 1000) : null,
    endTime: iso(endMs),
    durationSec: ring + talkSec,
    billSec: talkSec,
    caller: { number: caller ?? `20${n}` },
    callee: { number: callee ?? `0044207946${String(n).padStart(4, '0')}` },
    disposition,
    direction: 'outbound',
    extra: {},
    metrics: { ringSec: ring, talkSec, totalSec: ring + talkSec },
    cost,
  };
  if (trunk) cdr.trunk = trunk;
  if (costReason) cdr.costReason = costReason;
  if (pdd !== undefined) cdr.metrics.pddSec = pdd;
  if (q850 !== undefined) cdr.hangup = { q850 };
  assertValidCdr(cdr);
  return cdr;
}

describe('example: cdr-dashboard', function () {
  this.timeout(30000); // a test may first wait up to 15 s for the start of a minute
  let sender = null;

  afterEach(async () => {
    if (sender) await sender.close();
    sender = null;
    await helper.unload();
  });

  /**
   * Loads the example on its tab without the Dashboard 2 config nodes, every
   * widget a helper node of the same id, only the UCM source (on a free port,
   * PBX zone UTC); cdr-stats reports only when the test asks (topic report).
   * A helper taps cdr-calc's output. `updateMs` is the tab's DASHBOARD_UPDATE_MS
   * (0: the function nodes send every update, so each can be checked).
   */
  async function deploy({ updateMs = 0 } = {}) {
    const drop = new Set(['ui-base', 'ui-theme', 'ui-page', 'ui-group', 'fs-cdr-in', 'vos-cdr-in', 'gw-cdr-in', 'ami-cdr-in', 'ami-server']);
    const kept = new Set(EXAMPLE.filter((n) => !drop.has(n.type)).map((n) => n.id));
    const flow = EXAMPLE.filter((n) => kept.has(n.id)).map((n) => {
      const copy = JSON.parse(JSON.stringify(n));
      if (Array.isArray(copy.wires)) copy.wires = copy.wires.map((w) => w.filter((to) => kept.has(to)));
      if (n.type === 'tab') copy.env = [{ name: 'DASHBOARD_UPDATE_MS', value: String(updateMs), type: 'num' }];
      if (n.type.startsWith('ui-')) return { id: n.id, type: 'helper', z: n.z, name: n.name };
      if (n.type === 'ucm-cdr-in') Object.assign(copy, { host: '127.0.0.1', port: 0 });
      if (n.type === 'cdr-normalize') copy.timeZone = 'UTC';
      if (n.type === 'cdr-calc') copy.wires = [[...copy.wires[0], 'made']];
      if (n.type === 'cdr-stats') copy.intervalSec = 0;
      if (n.type === 'debug') return { id: n.id, type: 'helper', z: n.z, name: n.name };
      return copy;
    });
    flow.push({ id: 'made', type: 'helper', z: EXAMPLE[0].id });
    await load(nodes, flow);
    return {
      table: shown(widget(fnRecent).id),
      chart: shown(widget(fnPerMinute).id),
      trunks: shown(widget(fnTrunks).id),
      alerts: shown(widget(fnAlerts).id),
      errors: collect(byName(EXAMPLE, 'debug', 'errors').id),
      made: collect('made'),
    };
  }

  /**
   * What reaches the helper standing in for widget `id`, each message as plain
   * JSON (the function node builds it in its own VM realm; the dashboard sends it as JSON too).
   */
  function shown(id) {
    const msgs = [];
    helper.getNode(id).on('input', (msg) => msgs.push(JSON.parse(JSON.stringify(msg))));
    return msgs;
  }

  const feed = (node, cdrs) => cdrs.forEach((cdr) => helper.getNode(node.id).receive({ payload: cdr }));
  const last = (msgs) => msgs[msgs.length - 1].payload;
  const report = (stats) => helper.getNode(stats.id).receive({ topic: 'report' });

  /** Runs `body` early in a minute, so the nodes see the same current minute as the test. */
  async function withinOneMinute(body) {
    await waitFor(() => Date.now() % MINUTE < 45000, 'the first 45 s of a minute', 20000, 50);
    const minute = Math.floor(Date.now() / MINUTE);
    await body(minute * MINUTE);
    assert.equal(Math.floor(Date.now() / MINUTE), minute, 'the test ran within one minute');
  }

  it('is wired as documented: sources → cdr-normalize (calls) → cdr-calc → recent calls, two cdr-stats and cdr-alert → the widgets; a Dashboard 2 page at /dashboard', () => {
    const calc = EXAMPLE.find((n) => n.type === 'cdr-calc');
    assert.deepEqual([...calc.wires[0]].sort(), [fnRecent.id, statsMinute.id, statsTrunk.id, alertNode.id].sort());
    const normalize = EXAMPLE.find((n) => n.type === 'cdr-normalize');
    assert.equal(normalize.output, 'call', 'one message per call: every call is one attempt');
    assert.deepEqual(normalize.wires, [[calc.id]]);
    for (const src of EXAMPLE.filter((n) => /-cdr-in$/.test(n.type))) assert.deepEqual(src.wires[0], [normalize.id], `${src.name} → cdr-normalize`);
    assert.deepEqual(statsMinute.wires, [[fnPerMinute.id]]);
    assert.deepEqual(JSON.parse(statsMinute.keys), [{ t: 'field', v: 'vendor' }]);
    assert.equal(statsMinute.windows, 'tumbling 1m');
    assert.deepEqual([...statsTrunk.wires[0]].sort(), [fnTrunks.id, alertNode.id].sort());
    assert.deepEqual(JSON.parse(statsTrunk.keys), [{ t: 'field', v: 'trunk' }]);
    assert.equal(statsTrunk.windows, 'sliding 15m');
    assert.deepEqual(alertNode.wires, [[fnAlerts.id], [fnAlerts.id]], 'raised and cleared alerts both reach the alerts table');
    assert.equal(widget(fnRecent).type, 'ui-table');
    assert.equal(widget(fnPerMinute).type, 'ui-chart');
    assert.equal(widget(fnTrunks).type, 'ui-table');
    assert.equal(widget(fnAlerts).type, 'ui-table');
    // The widgets replace what they show with each message (the functions send the whole view).
    for (const fn of [fnRecent, fnPerMinute, fnTrunks, fnAlerts]) assert.equal(widget(fn).action, 'replace');
    const chart = widget(fnPerMinute);
    assert.deepEqual([chart.category, chart.categoryType, chart.xAxisProperty, chart.xAxisPropertyType, chart.yAxisProperty, chart.yAxisPropertyType], ['vendor', 'property', 'time', 'property', 'calls', 'property']);
    const base = EXAMPLE.find((n) => n.type === 'ui-base');
    const page = EXAMPLE.find((n) => n.type === 'ui-page');
    assert.equal(base.path, '/dashboard');
    assert.equal(page.name, 'Calls');
    assert.equal(page.ui, base.id);
    for (const w of [widget(fnRecent), widget(fnPerMinute), widget(fnTrunks), widget(fnAlerts)]) assert.equal(EXAMPLE.find((g) => g.id === w.group).page, page.id);
  });

  it('recent calls: the 50 most recent by start time, newest first, one row per Cdr id, with the columns the table shows', async () => {
    const got = await deploy();
    const t0 = Date.parse('2026-03-02T09:00:00Z');
    // 60 calls, each starting 1 minute after the previous one, fed in a shuffled order.
    const calls = Array.from({ length: 60 }, (_, i) => call({ n: i, endMs: t0 + i * MINUTE + 34000, talk: 30, trunk: { out: 'carrier-a' } }));
    const order = calls.map((_, i) => (i * 37) % 60);
    assert.equal(new Set(order).size, 60);
    feed(fnRecent, order.map((i) => calls[i]));
    await waitFor(() => got.table.length === 60, '60 table updates');
    const rows = got.table[59].payload;
    assert.equal(rows.length, 50);
    // Newest first: calls 59, 58, …, 10.
    assert.deepEqual(rows.map((r) => r.id), Array.from({ length: 50 }, (_, i) => `test:${59 - i}`));

    // Each column, worked out by hand for one call of each kind.
    feed(fnRecent, [
      call({ n: 100, endMs: Date.parse('2026-03-02T12:00:10.400Z'), vendor: 'freeswitch', talk: 12.6, ring: 3, trunk: { out: 'carrier-b' }, cost: { amount: 0.0123, currency: 'USD', prefix: '44', ratePerMinute: 0.03, billedSec: 13 } }),
      call({ n: 101, endMs: Date.parse('2026-03-02T12:01:00Z'), vendor: 'vos3000', disposition: 'busy', ring: 2, cost: { amount: 0, currency: 'USD', prefix: '44', ratePerMinute: 0.03, billedSec: 0 }, costReason: 'disposition busy is not billable' }),
      call({ n: 102, endMs: Date.parse('2026-03-02T12:01:30Z'), vendor: 'ucm', talk: 20, callee: '+999 123', costReason: 'no rate matches callee "+999 123"' }),
    ]);
    await waitFor(() => got.table.length === 63, '63 table updates');
    const top = got.table[62].payload;
    assert.equal(top.length, 50);
    assert.deepEqual(
      top.slice(0, 3).map(({ time, vendor, caller, callee, disposition, talkSec, cost, note }) => ({ time, vendor, caller, callee, disposition, talkSec, cost, note })),
      [
        { time: '2026-03-02 12:01:06', vendor: 'ucm', caller: '20102', callee: '+999 123', disposition: 'answered', talkSec: 20, cost: '', note: 'no rate: no rate matches callee "+999 123"' },
        { time: '2026-03-02 12:00:58', vendor: 'vos3000', caller: '20101', callee: '00442079460101', disposition: 'busy', talkSec: 0, cost: '0.0000 USD', note: '0: disposition busy is not billable' },
        { time: '2026-03-02 11:59:54', vendor: 'freeswitch', caller: '20100', callee: '00442079460100', disposition: 'answered', talkSec: 13, cost: '0.0123 USD', note: '' },
      ],
    );
    assert.equal(top[49].id, 'test:13', 'the oldest three fell out');

    // The same record again (a resend after an outage): its row is replaced, not doubled.
    feed(fnRecent, [calls[59]]);
    await waitFor(() => got.table.length === 64, '64 table updates');
    const again = got.table[63].payload;
    assert.equal(again.length, 50);
    assert.equal(again.filter((r) => r.id === 'test:59').length, 1);
    assert.deepEqual(again.map((r) => r.id), top.map((r) => r.id));
    assert.equal(got.errors.length, 0);
  });

  it('calls per minute (cdr-stats, tumbling 1m): counted in the minute each call ended, per vendor, every minute of the last 60 given (zeros too)', async () => {
    const got = await deploy();
    await withinOneMinute(async (now) => {
      const at = (minutesAgo, sec) => now - minutesAgo * MINUTE + sec * 1000;
      let n = 0;
      const c = (vendor, endMs, disposition = 'answered') => call({ n: n++, vendor, endMs, disposition, talk: 20 });
      const cdrs = [
        c('ucm', at(2, 1)), c('ucm', at(2, 30), 'no_answer'), c('ucm', at(2, 59)), // 3 ucm, 2 minutes ago
        c('freeswitch', at(2, 10)), // 1 freeswitch, 2 minutes ago
        c('vos3000', at(10, 0)), c('vos3000', at(10, 5), 'failed'), // 2 vos3000, 10 minutes ago (late records)
        c('ucm', at(59, 0)), // the oldest minute of the window
        c('ucm', at(60, 59)), // just before the window: left out of the chart
        c('ucm', at(0, 1)), // this minute
        c('freeswitch', now + 3 * MINUTE), // a PBX clock 3 minutes ahead: counted now
        c('freeswitch', now + 120 * MINUTE), // 2 hours ahead (a wrong time zone?): cdr-stats counts it now too
      ];
      feed(statsMinute, cdrs);
      report(statsMinute);
      await waitFor(() => got.chart.length > 0 && last(got.chart).reduce((s, p) => s + p.calls, 0) === 10, 'the chart with 10 calls');
      const points = last(got.chart);
      const vendors = ['freeswitch', 'ucm', 'vos3000'];
      assert.equal(points.length, 60 * vendors.length, 'every minute of the window for each vendor seen');
      const count = (vendor, minutesAgo) => {
        const p = points.filter((x) => x.vendor === vendor && x.time === now - minutesAgo * MINUTE);
        assert.equal(p.length, 1, `one point for ${vendor} ${minutesAgo} minutes ago`);
        return p[0].calls;
      };
      const expected = { ucm: { 0: 1, 2: 3, 59: 1 }, freeswitch: { 0: 2, 2: 1 }, vos3000: { 10: 2 } };
      for (const vendor of vendors) {
        for (let ago = 0; ago < 60; ago++) assert.equal(count(vendor, ago), expected[vendor][ago] || 0, `${vendor}, ${ago} minutes ago`);
      }
      assert.deepEqual([...new Set(points.map((p) => p.time))].sort((a, b) => a - b), Array.from({ length: 60 }, (_, i) => now - (59 - i) * MINUTE));
      // A second report of the same minutes replaces the counts, it does not add them.
      const before = got.chart.length;
      report(statsMinute);
      await waitFor(() => got.chart.length > before, 'a second chart update');
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(last(got.chart).reduce((s, p) => s + p.calls, 0), 10);
    });
  });

  it('ASR, NER, ACD and PDD per trunk over the last 15 minutes (cdr-stats, sliding 15m); outbound trunk, else inbound, else "(none)"', async () => {
    const got = await deploy();
    await withinOneMinute(async (now) => {
      let n = 0;
      const c = (trunk, disposition, talk, minutesAgo, more = {}) => call({ n: n++, endMs: now - minutesAgo * MINUTE + 2000, trunk, disposition, talk, ...more });
      const cdrs = [
        // carrier-a (outbound): 4 attempts, 3 answered, 30 + 60 + 95 s; the busy one (Q.850 17) is effective.
        // ASR 75 %, NER 100 %, ACD 185 / 3 = 61.7 s, PDD (2 + 3 + 4 + 1) / 4 = 2.5 s, p95 4 s (the 4th of 4)
        c({ out: 'carrier-a' }, 'answered', 30, 5, { pdd: 2 }),
        c({ out: 'carrier-a' }, 'answered', 60, 10, { pdd: 3 }),
        c({ out: 'carrier-a', in: 'carrier-z' }, 'answered', 95, 13, { pdd: 4 }),
        c({ out: 'carrier-a' }, 'busy', 0, 5, { pdd: 1, q850: 17 }),
        // 20 minutes ago: outside the window, not counted
        c({ out: 'carrier-a' }, 'answered', 1000, 20),
        // carrier-b (inbound only): no answer (effective) and a network failure (Q.850 34, not): ASR 0 %, NER 50 %, ACD and PDD "-"
        c({ in: 'carrier-b' }, 'no_answer', 0, 5),
        c({ in: 'carrier-b' }, 'failed', 0, 1, { q850: 34 }),
        // no trunk: 3 attempts, 1 answered, 7 s; congestion is not effective → ASR 33.3 %, NER 66.7 %, ACD 7 s
        c(undefined, 'answered', 7, 5),
        c(undefined, 'congestion', 0, 5),
        c(undefined, 'no_answer', 0, 5),
      ];
      feed(statsTrunk, cdrs);
      report(statsTrunk);
      await waitFor(() => got.trunks.length > 0 && last(got.trunks).length === 3, 'three trunks in the table');
      assert.deepEqual(last(got.trunks), [
        { trunk: '(none)', attempts: 3, answered: 1, asr: 33.3, ner: 66.7, acd: 7, pdd: '-', pdd95: '-' },
        { trunk: 'carrier-a', attempts: 4, answered: 3, asr: 75, ner: 100, acd: 61.7, pdd: 2.5, pdd95: 4 },
        { trunk: 'carrier-b', attempts: 2, answered: 0, asr: 0, ner: 50, acd: '-', pdd: '-', pdd95: '-' },
      ]);
    });
  });

  it('alerts: a short-call burst to a watch-listed prefix raises two alerts, each once; a clear moves its row below the active ones', async () => {
    const got = await deploy();
    const now = Date.now();
    // 12 calls of 3 s from extension 1003 to 00882… (the demo's fraud pattern), one a second.
    feed(alertNode, Array.from({ length: 12 }, (_, i) => call({ n: i, endMs: now - (12 - i) * 1000, talk: 3, caller: '1003', callee: `00882555${String(i).padStart(4, '0')}` })));
    await waitFor(() => got.alerts.length === 2, 'two alert updates');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(got.alerts.length, 2, 'each alert raised once');
    const rows = last(got.alerts);
    assert.deepEqual(rows.map((r) => [r.state, r.rule, r.key]).sort(), [['ACTIVE', 'short-call burst', 'caller:1003'], ['ACTIVE', 'watch list', 'caller:1003/882']]);
    assert.equal(rows.find((r) => r.rule === 'short-call burst').causes, 10, 'the 10 calls that made the burst');
    assert.match(rows.find((r) => r.rule === 'short-call burst').figures, /shortCalls 10/);
    // The clear cdr-alert sends on its second output, as the alerts function gets it.
    helper.getNode(fnAlerts.id).receive({ payload: { state: 'cleared', rule: 'watch list', key: 'caller:1003/882', figures: { calls: 12 }, window: null, causes: [], raisedAt: new Date(now).toISOString(), clearedAt: new Date(now + 60000).toISOString() } });
    await waitFor(() => got.alerts.length === 3, 'a third update');
    assert.deepEqual(last(got.alerts).map((r) => [r.state, r.rule]), [['ACTIVE', 'short-call burst'], ['cleared', 'watch list']]);
  });

  it('end to end: UCM calls over TCP → cdr-normalize → cdr-calc → every call in the table, the chart and the trunk table once', async () => {
    const got = await deploy();
    const port = await helper.getNode(EXAMPLE.find((n) => n.type === 'ucm-cdr-in').id).listening;
    sender = new UcmSender({ transport: 'tcp', host: '127.0.0.1', port, format: 'json' });
    const gen = new UcmGenerator({ seed: 11, live: true });
    for (let i = 0; i < 12; i++) await sender.send(gen.next('group'));
    await waitFor(() => got.made.length === 12 && got.table.length === 12, '12 calls through the flow');
    const ids = got.made.map((m) => m.payload.id);
    assert.equal(new Set(ids).size, 12);
    const rows = got.table[11].payload;
    assert.deepEqual(rows.map((r) => r.id).sort(), [...ids].sort());
    const starts = rows.map((r) => r.start);
    assert.deepEqual(starts, [...starts].sort().reverse(), 'newest first');
    for (const r of rows) {
      const cdr = got.made.find((m) => m.payload.id === r.id).payload;
      assert.equal(r.vendor, 'ucm');
      assert.equal(r.caller, cdr.caller.number);
      assert.equal(r.callee, cdr.callee.number);
      assert.equal(r.disposition, cdr.disposition);
      assert.equal(r.talkSec, Math.round(cdr.metrics.talkSec));
      assert.equal(r.cost, cdr.cost ? `${cdr.cost.amount.toFixed(4)} ${cdr.cost.currency}` : '');
      assert.notEqual(cdr.cost, null, `the example's rate table rates the simulated call to ${cdr.callee.number}`);
    }
    // Live calls end now (or within the last minutes when a group has several legs).
    report(statsMinute);
    report(statsTrunk);
    await waitFor(() => got.chart.length > 0 && last(got.chart).reduce((s, p) => s + p.calls, 0) === 12, '12 calls in the chart');
    await waitFor(() => got.trunks.length > 0 && last(got.trunks).reduce((s, r) => s + r.attempts, 0) === 12, '12 attempts in the trunk table');
    const answered = got.made.filter((m) => m.payload.disposition === 'answered').length;
    assert.equal(last(got.trunks).reduce((s, r) => s + r.answered, 0), answered);
    assert.ok(answered > 0 && answered < 12, `a mix of answered and not (${answered} of 12)`);
    assert.deepEqual(got.errors, []);
  });

  it('sends the widgets at most one update per DASHBOARD_UPDATE_MS, the first at once and the last with every call in it', async () => {
    const example = EXAMPLE.find((n) => n.type === 'tab').env.find((e) => e.name === 'DASHBOARD_UPDATE_MS');
    assert.equal(example.value, '1000', 'the example sends at most one update a second');
    const got = await deploy({ updateMs: 400 });
    const now = Date.now();
    // A burst of 200 calls, as a busy softswitch sends them: far more than one per 400 ms.
    const burst = Array.from({ length: 200 }, (_, i) => call({ n: i, endMs: now - 1000 - i, talk: 10, trunk: { out: i % 2 ? 'carrier-a' : 'carrier-b' } }));
    const began = Date.now();
    feed(fnRecent, burst);
    await waitFor(() => got.table.length === 2, 'the first update and the folded one', 5000);
    const fedIn = Date.now() - began;
    // The first at once (the first call alone), the second with all 200.
    assert.equal(got.table[0].payload.length, 1);
    assert.deepEqual(got.table[1].payload.map((r) => r.id), burst.slice(0, 50).map((c) => c.id));
    assert.ok(fedIn >= 300, `the folded update waited for its time (${fedIn} ms)`);
    // A report of many trunks at once is folded the same way.
    feed(statsTrunk, burst);
    report(statsTrunk);
    await waitFor(() => got.trunks.length === 2, 'the first trunk update and the folded one', 5000);
    assert.deepEqual(last(got.trunks).map((r) => [r.trunk, r.attempts]), [['carrier-a', 100], ['carrier-b', 100]]);
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(got.trunks.length, 2, 'nothing more until something changes');
  });

  it('the `npm start` demo flow carries the same nodes (same code, same settings) into the same widgets', () => {
    const settingsOf = (n) => {
      const { id, z, x, y, group, wires, ...rest } = n;
      return rest;
    };
    for (const fn of [fnRecent, fnPerMinute, fnTrunks, fnAlerts]) {
      const demo = byName(DEMO, 'function', fn.name);
      assert.ok(demo, `the demo has the function node "${fn.name}"`);
      assert.equal(demo.func, fn.func, `"${fn.name}" has the example's code`);
      const target = DEMO.find((n) => n.id === demo.wires[0][0]);
      assert.deepEqual(settingsOf(target), settingsOf(widget(fn)), `the demo's ${target.type} is set like the example's`);
    }
    for (const node of [statsMinute, statsTrunk, alertNode]) {
      const demo = byName(DEMO, node.type, node.name);
      assert.ok(demo, `the demo has the ${node.type} "${node.name}"`);
      assert.deepEqual(settingsOf(demo), settingsOf(node), `the demo's ${node.type} "${node.name}" is set like the example's`);
    }
    const calc = DEMO.find((n) => n.type === 'cdr-calc');
    assert.equal(calc.rates, EXAMPLE.find((n) => n.type === 'cdr-calc').rates, 'the same rate table');
    for (const name of ['recent calls']) assert.ok(calc.wires[0].includes(byName(DEMO, 'function', name).id), `cdr-calc → ${name}`);
    for (const node of [statsMinute, statsTrunk, alertNode]) assert.ok(calc.wires[0].includes(byName(DEMO, node.type, node.name).id), `cdr-calc → ${node.name}`);
    assert.equal(DEMO.find((n) => n.type === 'cdr-normalize').output, 'call');
  });
});

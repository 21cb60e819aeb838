'use strict';
// examples/cdr-dashboard.json in a real Node-RED runtime: the example's own
// function nodes (core function node, their code as the user imports it),
// with every Dashboard 2 widget swapped for a helper node that records what
// the widget would be sent. Cdrs made by hand are fed to the function nodes
// and the table rows, per-minute counts, ASR and ACD are checked against
// values worked out by hand; one run goes end to end from a UCM over a real
// TCP socket. The demo flow of `npm start` must carry the same code.
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
const fnTrunks = byName(EXAMPLE, 'function', 'ASR / ACD per trunk');
const tick = byName(EXAMPLE, 'inject', 'every minute');
const widget = (fn) => EXAMPLE.find((n) => n.id === fn.wires[0][0]);

const MINUTE = 60000;
const iso = (ms) => new Date(ms).toISOString();

/**
 * A schema-valid call record that ended at `endMs`: rang `ring` seconds, then
 * (answered) talked `talk` seconds. `metrics` as cdr-calc adds them.
 */
function call({ n, endMs, vendor = 'ucm', disposition = 'answered', talk = 0, ring = 4, trunk, cost = null }) {
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
    caller: { number: `20${n}` },
    callee: { number: `0044207946${String(n).padStart(4, '0')}` },
    disposition,
    direction: 'outbound',
    extra: {},
    metrics: { ringSec: ring, talkSec, totalSec: ring + talkSec },
    cost,
  };
  if (trunk) cdr.trunk = trunk;
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
   * PBX zone UTC) and the "every minute" inject fired by the test only. A
   * helper taps cdr-calc's output. `updateMs` is the tab's DASHBOARD_UPDATE_MS
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
      if (n.type === 'inject') Object.assign(copy, { once: false, repeat: '' });
      if (n.type === 'debug') return { id: n.id, type: 'helper', z: n.z, name: n.name };
      return copy;
    });
    flow.push({ id: 'made', type: 'helper', z: EXAMPLE[0].id });
    await load(nodes, flow);
    return {
      table: shown(widget(fnRecent).id),
      chart: shown(widget(fnPerMinute).id),
      trunks: shown(widget(fnTrunks).id),
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

  const feed = (fn, cdrs) => cdrs.forEach((cdr) => helper.getNode(fn.id).receive({ payload: cdr }));

  /** Runs `body` early in a minute, so the function nodes see the same current minute as the test. */
  async function withinOneMinute(body) {
    await waitFor(() => Date.now() % MINUTE < 45000, 'the first 45 s of a minute', 20000, 50);
    const minute = Math.floor(Date.now() / MINUTE);
    await body(minute * MINUTE);
    assert.equal(Math.floor(Date.now() / MINUTE), minute, 'the test ran within one minute');
  }

  it('is wired as documented: sources → cdr-normalize (calls) → cdr-calc → three function nodes → table, chart, table; a Dashboard 2 page at /dashboard', () => {
    const calc = EXAMPLE.find((n) => n.type === 'cdr-calc');
    assert.deepEqual([...calc.wires[0]].sort(), [fnRecent.id, fnPerMinute.id, fnTrunks.id].sort());
    const normalize = EXAMPLE.find((n) => n.type === 'cdr-normalize');
    assert.equal(normalize.output, 'call', 'one message per call: every call is one attempt');
    assert.deepEqual(normalize.wires, [[calc.id]]);
    for (const src of EXAMPLE.filter((n) => /-cdr-in$/.test(n.type))) assert.deepEqual(src.wires[0], [normalize.id], `${src.name} → cdr-normalize`);
    assert.deepEqual([...tick.wires[0]].sort(), [fnPerMinute.id, fnTrunks.id].sort());
    assert.equal(widget(fnRecent).type, 'ui-table');
    assert.equal(widget(fnPerMinute).type, 'ui-chart');
    assert.equal(widget(fnTrunks).type, 'ui-table');
    // The widgets replace what they show with each message (the functions send the whole view).
    for (const fn of [fnRecent, fnPerMinute, fnTrunks]) assert.equal(widget(fn).action, 'replace');
    const chart = widget(fnPerMinute);
    assert.deepEqual([chart.category, chart.categoryType, chart.xAxisProperty, chart.xAxisPropertyType, chart.yAxisProperty, chart.yAxisPropertyType], ['vendor', 'property', 'time', 'property', 'calls', 'property']);
    const base = EXAMPLE.find((n) => n.type === 'ui-base');
    const page = EXAMPLE.find((n) => n.type === 'ui-page');
    assert.equal(base.path, '/dashboard');
    assert.equal(page.name, 'Calls');
    assert.equal(page.ui, base.id);
    for (const w of [widget(fnRecent), widget(fnPerMinute), widget(fnTrunks)]) assert.equal(EXAMPLE.find((g) => g.id === w.group).page, page.id);
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
      call({ n: 101, endMs: Date.parse('2026-03-02T12:01:00Z'), vendor: 'vos3000', disposition: 'busy', ring: 2 }),
    ]);
    await waitFor(() => got.table.length === 62, '62 table updates');
    const top = got.table[61].payload;
    assert.equal(top.length, 50);
    assert.deepEqual(
      top.slice(0, 2).map(({ time, vendor, caller, callee, disposition, talkSec, cost }) => ({ time, vendor, caller, callee, disposition, talkSec, cost })),
      [
        { time: '2026-03-02 12:00:58', vendor: 'vos3000', caller: '20101', callee: '00442079460101', disposition: 'busy', talkSec: 0, cost: '' },
        { time: '2026-03-02 11:59:54', vendor: 'freeswitch', caller: '20100', callee: '00442079460100', disposition: 'answered', talkSec: 13, cost: '0.0123 USD' },
      ],
    );
    assert.equal(top[49].id, 'test:12', 'the oldest two fell out');

    // The same record again (a resend after an outage): its row is replaced, not doubled.
    feed(fnRecent, [calls[59]]);
    await waitFor(() => got.table.length === 63, '63 table updates');
    const again = got.table[62].payload;
    assert.equal(again.length, 50);
    assert.equal(again.filter((r) => r.id === 'test:59').length, 1);
    assert.deepEqual(again.map((r) => r.id), top.map((r) => r.id));
    assert.equal(got.errors.length, 0);
  });

  it('calls per minute: counted in the minute each call ended, per vendor, every minute of the last 60 given (zeros too); older calls left out', async () => {
    const got = await deploy();
    await withinOneMinute(async (now) => {
      const at = (minutesAgo, sec) => now - minutesAgo * MINUTE + sec * 1000;
      let n = 0;
      const c = (vendor, endMs, disposition = 'answered') => call({ n: n++, vendor, endMs, disposition, talk: 20 });
      const cdrs = [
        c('ucm', at(2, 1)), c('ucm', at(2, 30), 'no_answer'), c('ucm', at(2, 59)), // 3 ucm, 2 minutes ago
        c('freeswitch', at(2, 10)), // 1 freeswitch, 2 minutes ago
        c('vos3000', at(10, 0)), c('vos3000', at(10, 5), 'failed'), // 2 vos3000, 10 minutes ago
        c('ucm', at(59, 0)), // the oldest minute of the window
        c('ucm', at(60, 59)), // just before the window: left out
        c('ucm', at(0, 1)), // this minute
        c('freeswitch', now + 3 * MINUTE), // a PBX clock 3 minutes ahead: counted now
        c('freeswitch', now + 120 * MINUTE), // 2 hours ahead (a wrong time zone?): left out
      ];
      feed(fnPerMinute, cdrs);
      await waitFor(() => got.chart.length === cdrs.length, `${cdrs.length} chart updates`);
      const points = got.chart[cdrs.length - 1].payload;
      const vendors = ['freeswitch', 'ucm', 'vos3000'];
      assert.equal(points.length, 60 * vendors.length, 'every minute of the window for each vendor seen');
      const count = (vendor, minutesAgo) => {
        const p = points.filter((x) => x.vendor === vendor && x.time === now - minutesAgo * MINUTE);
        assert.equal(p.length, 1, `one point for ${vendor} ${minutesAgo} minutes ago`);
        return p[0].calls;
      };
      const expected = { ucm: { 0: 1, 2: 3, 59: 1 }, freeswitch: { 0: 1, 2: 1 }, vos3000: { 10: 2 } };
      for (const vendor of vendors) {
        for (let ago = 0; ago < 60; ago++) assert.equal(count(vendor, ago), expected[vendor][ago] || 0, `${vendor}, ${ago} minutes ago`);
      }
      assert.deepEqual([...new Set(points.map((p) => p.time))].sort((a, b) => a - b), Array.from({ length: 60 }, (_, i) => now - (59 - i) * MINUTE));
      assert.equal(points.reduce((s, p) => s + p.calls, 0), 9);
    });
  });

  it('ASR and ACD per trunk over the last 60 minutes: answered / attempts, talk seconds / answered; outbound trunk, else inbound, else "(none)"', async () => {
    const got = await deploy();
    await withinOneMinute(async (now) => {
      let n = 0;
      const c = (trunk, disposition, talk, minutesAgo = 5) => call({ n: n++, endMs: now - minutesAgo * MINUTE + 2000, trunk, disposition, talk });
      const cdrs = [
        // carrier-a (outbound): 4 attempts, 3 answered, 30 + 60 + 95 s → ASR 75 %, ACD 185 / 3 = 61.7 s
        c({ out: 'carrier-a' }, 'answered', 30),
        c({ out: 'carrier-a' }, 'answered', 60, 30),
        c({ out: 'carrier-a', in: 'carrier-z' }, 'answered', 95, 59),
        c({ out: 'carrier-a' }, 'busy', 0),
        // an hour ago: outside the window, not counted
        c({ out: 'carrier-a' }, 'answered', 1000, 61),
        // carrier-b (inbound only): 2 attempts, none answered → ASR 0 %, ACD "-"
        c({ in: 'carrier-b' }, 'no_answer', 0),
        c({ in: 'carrier-b' }, 'failed', 0, 1),
        // no trunk: 3 attempts, 1 answered, 7 s → ASR 33.3 %, ACD 7 s
        c(undefined, 'answered', 7),
        c(undefined, 'congestion', 0),
        c(undefined, 'no_answer', 0),
      ];
      feed(fnTrunks, cdrs);
      await waitFor(() => got.trunks.length === cdrs.length, `${cdrs.length} trunk table updates`);
      assert.deepEqual(got.trunks[cdrs.length - 1].payload, [
        { trunk: '(none)', attempts: 3, answered: 1, asr: 33.3, acd: 7 },
        { trunk: 'carrier-a', attempts: 4, answered: 3, asr: 75, acd: 61.7 },
        { trunk: 'carrier-b', attempts: 2, answered: 0, asr: 0, acd: '-' },
      ]);
    });
  });

  it('the "every minute" inject moves both windows on: minutes that left the window are dropped from node context and from what is shown', async () => {
    const got = await deploy();
    await withinOneMinute(async (now) => {
      const minute = now / MINUTE;
      // What the two function nodes hold after a quiet hour: counts for minutes now outside the window.
      const perMinute = helper.getNode(fnPerMinute.id).context();
      const trunks = helper.getNode(fnTrunks.id).context();
      perMinute.set('counts', { [minute - 60]: { ucm: 4 }, [minute - 75]: { vos3000: 1 }, [minute - 59]: { ucm: 2 } });
      trunks.set('byMinute', { [minute - 60]: { 'carrier-a': [4, 2, 100] }, [minute - 59]: { 'carrier-a': [1, 1, 20] } });
      helper.getNode(tick.id).receive({});
      await waitFor(() => got.chart.length === 1 && got.trunks.length === 1, 'one update of the chart and of the trunk table');
      assert.deepEqual(Object.keys(perMinute.get('counts')), [String(minute - 59)]);
      assert.deepEqual(Object.keys(trunks.get('byMinute')), [String(minute - 59)]);
      const points = got.chart[0].payload;
      assert.equal(points.length, 60);
      assert.deepEqual(points.filter((p) => p.calls > 0), [{ vendor: 'ucm', time: (minute - 59) * MINUTE, calls: 2 }]);
      assert.deepEqual(got.trunks[0].payload, [{ trunk: 'carrier-a', attempts: 1, answered: 1, asr: 100, acd: 20 }]);

      // An hour later nothing is left: the chart is cleared (an empty array), the table emptied.
      perMinute.set('counts', { [minute - 60]: { ucm: 2 } });
      trunks.set('byMinute', { [minute - 60]: { 'carrier-a': [1, 1, 20] } });
      helper.getNode(tick.id).receive({});
      await waitFor(() => got.chart.length === 2 && got.trunks.length === 2, 'a second update');
      assert.deepEqual(got.chart[1].payload, []);
      assert.deepEqual(got.trunks[1].payload, []);
      assert.deepEqual(perMinute.get('counts'), {});
    });
  });

  it('end to end: UCM calls over TCP → cdr-normalize → cdr-calc → every call in the table, the chart and the trunk table once', async () => {
    const got = await deploy();
    const port = await helper.getNode(EXAMPLE.find((n) => n.type === 'ucm-cdr-in').id).listening;
    sender = new UcmSender({ transport: 'tcp', host: '127.0.0.1', port, format: 'json' });
    const gen = new UcmGenerator({ seed: 11, live: true });
    for (let i = 0; i < 12; i++) await sender.send(gen.next('group'));
    await waitFor(() => got.made.length === 12 && got.table.length === 12 && got.chart.length === 12 && got.trunks.length === 12, '12 calls through the flow');
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
    }
    // Live calls end now (or within the last minutes when a group has several legs).
    const points = got.chart[11].payload;
    assert.equal(points.reduce((s, p) => s + p.calls, 0), 12);
    const trunkRows = got.trunks[11].payload;
    assert.equal(trunkRows.reduce((s, r) => s + r.attempts, 0), 12);
    const answered = got.made.filter((m) => m.payload.disposition === 'answered').length;
    assert.equal(trunkRows.reduce((s, r) => s + r.answered, 0), answered);
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
    for (const fn of [fnRecent, fnPerMinute, fnTrunks]) feed(fn, burst);
    await waitFor(() => got.table.length === 2 && got.chart.length === 2 && got.trunks.length === 2, 'the first update and the folded one', 5000);
    const fedIn = Date.now() - began;
    // The first at once (the first call alone), the second with all 200.
    assert.equal(got.table[0].payload.length, 1);
    assert.deepEqual(got.table[1].payload.map((r) => r.id), burst.slice(0, 50).map((c) => c.id));
    assert.equal(got.chart[1].payload.reduce((s, p) => s + p.calls, 0), 200);
    assert.deepEqual(got.trunks[1].payload.map((r) => [r.trunk, r.attempts]), [['carrier-a', 100], ['carrier-b', 100]]);
    assert.ok(fedIn >= 300, `the folded update waited for its time (${fedIn} ms)`);
    // Nothing more is sent until something changes.
    helper.getNode(tick.id).receive({});
    await waitFor(() => got.chart.length === 3, 'the next tick, once its time has come', 5000);
    assert.equal(got.table.length, 2);
  });

  it('the `npm start` demo flow feeds the same function nodes (same code) into the same widgets', () => {
    for (const fn of [fnRecent, fnPerMinute, fnTrunks]) {
      const demo = byName(DEMO, 'function', fn.name);
      assert.ok(demo, `the demo has the function node "${fn.name}"`);
      assert.equal(demo.func, fn.func, `"${fn.name}" has the example's code`);
      const target = DEMO.find((n) => n.id === demo.wires[0][0]);
      const { id, z, x, y, group, wires, ...settings } = widget(fn);
      const { id: _i, z: _z, x: _x, y: _y, group: _g, wires: _w, ...demoSettings } = target;
      assert.deepEqual(demoSettings, settings, `the demo's ${target.type} is set like the example's`);
    }
    const calc = DEMO.find((n) => n.type === 'cdr-calc');
    for (const fn of ['recent calls', 'calls per minute', 'ASR / ACD per trunk']) assert.ok(calc.wires[0].includes(byName(DEMO, 'function', fn).id), `cdr-calc → ${fn}`);
    const demoTick = byName(DEMO, 'inject', 'every minute');
    assert.deepEqual(demoTick.wires[0].map((i) => DEMO.find((n) => n.id === i).name).sort(), ['ASR / ACD per trunk', 'calls per minute']);
    assert.equal(DEMO.find((n) => n.type === 'cdr-normalize').output, 'call');
  });
});

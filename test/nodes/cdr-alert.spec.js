'use strict';
// cdr-alert in a real Node-RED (the test helper): a fraud rule on records raises once
// on output 1 with the causing ids; a KPI threshold fed by a real cdr-stats node
// raises and clears (output 2), naming the failed calls behind it; active alerts survive
// a redeploy; bad settings show.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { helper, core, load, collect, logs, settings } = require('../support/red');
const { waitFor } = require('../support/wait');
const { call } = require('../lib/stats/traffic');
const alertNode = require('../../nodes/cdr-alert.js');
const statsNode = require('../../nodes/cdr-stats.js');

const WATCH = 'prefix,description\n882,International Networks (example)\n';

function flow(props = {}, statsProps = {}) {
  return [
    { id: 'f1', type: 'tab' },
    { id: 'st', z: 'f1', type: 'cdr-stats', keys: '[{"t":"field","v":"trunk"}]', windows: 'sliding 15m', intervalSec: 0, wires: [['a']], ...statsProps },
    { id: 'a', z: 'f1', type: 'cdr-alert', thresholds: '[{"figure":"asr","op":"<","raise":0.5,"clear":0.6,"minAttempts":4,"window":"15m"}]', burstCount: 3, burstShortSec: 10, burstClearCount: 1, watchOn: true, watchList: WATCH, watchQuietMin: 60, minHoldSec: 0, timeZone: 'UTC', wires: [['up'], ['down']], ...props },
    { id: 'up', z: 'f1', type: 'helper' },
    { id: 'down', z: 'f1', type: 'helper' },
    { id: 'c', z: 'f1', type: 'catch', scope: null, uncaught: false, wires: [['err']] },
    { id: 'err', z: 'f1', type: 'helper' },
  ];
}

async function start(props, statsProps) {
  await load([statsNode, alertNode, core.catch], flow(props, statsProps));
  return { stats: helper.getNode('st'), alert: helper.getNode('a'), up: collect('up'), down: collect('down'), err: collect('err') };
}

describe('cdr-alert node', function () {
  this.timeout(20000);
  afterEach(async () => {
    await helper.unload();
  });

  it('a short-call burst raises once, with the ids of the calls that caused it; a batch counts each call', async () => {
    const { alert, up, down } = await start();
    const now = Date.now();
    alert.receive({ payload: call({ n: 1, endMs: now - 3000, talk: 2, caller: '4477' }) });
    alert.receive({ payload: [call({ n: 2, endMs: now - 2000, talk: 3, caller: '4477' }), call({ n: 3, endMs: now - 1000, talk: 4, caller: '4477' })] });
    alert.receive({ payload: call({ n: 4, endMs: now, talk: 1, caller: '4477' }) }); // still the same burst: no second alert
    await waitFor(() => up.length === 1, 'an alert');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(up.length, 1);
    assert.equal(down.length, 0);
    const a = up[0].payload;
    assert.equal(up[0].topic, 'short-call burst');
    assert.deepEqual([a.state, a.rule, a.key, a.figures.shortCalls], ['raised', 'short-call burst', 'caller:4477', 3]);
    assert.deepEqual(a.causes, ['t:1', 't:2', 't:3']);
  });

  it('a call to a watch-listed prefix raises once per caller and prefix', async () => {
    const { alert, up } = await start();
    alert.receive({ payload: call({ n: 1, endMs: Date.now(), caller: '200', callee: '+882 555 0100' }) });
    alert.receive({ payload: call({ n: 2, endMs: Date.now(), caller: '200', callee: '00882 555 0101' }) });
    alert.receive({ payload: call({ n: 3, endMs: Date.now(), caller: '201', callee: '004420' }) });
    await waitFor(() => up.length === 1, 'an alert');
    assert.deepEqual([up[0].payload.rule, up[0].payload.key, up[0].payload.figures.description], ['watch list', 'caller:200/882', 'International Networks (example)']);
  });

  it('an ASR threshold on cdr-stats reports raises on output 1 and clears on output 2', async () => {
    const { stats, up, down } = await start({ burstOn: false, watchOn: false });
    const now = Date.now();
    for (let n = 1; n <= 4; n++) stats.receive({ payload: call({ n, endMs: now - n * 100, trunk: 'carrier-a', disposition: n === 1 ? 'answered' : 'congestion' }) });
    stats.receive({ topic: 'report' });
    await waitFor(() => up.length === 1, 'an ASR alert');
    assert.deepEqual([up[0].payload.key, up[0].payload.figures.asr, up[0].payload.window.name], ['trunk:carrier-a/15m', 0.25, '15m']);
    for (let n = 5; n <= 12; n++) stats.receive({ payload: call({ n, endMs: now, trunk: 'carrier-a' }) });
    stats.receive({ topic: 'report' }); // 9 answered of 12: 0.75
    await waitFor(() => down.length === 1, 'the clear');
    assert.deepEqual([down[0].payload.state, down[0].payload.figures.asr], ['cleared', 0.75]);
    stats.receive({ topic: 'report' });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(up.length + down.length, 2, 'raised once, cleared once');
  });

  it('an ASR alert on a cdr-stats report carries the ids of the failed calls that drove it', async () => {
    const { stats: st, up: alerts } = await start({ burstOn: false, watchOn: false, maxCauses: 10 }, { sampleIds: 3 });
    const now = Date.now();
    // 2 answered of 6 on carrier-a, failed n 2, 3, 5, 6 (the last three kept); carrier-b answers all.
    for (let n = 1; n <= 6; n++) st.receive({ payload: call({ n, endMs: now - (7 - n) * 100, trunk: 'carrier-a', disposition: n === 1 || n === 4 ? 'answered' : 'congestion', q850: n === 1 || n === 4 ? undefined : 34 }) });
    for (let n = 7; n <= 10; n++) st.receive({ payload: call({ n, endMs: now, trunk: 'carrier-b' }) });
    st.receive({ topic: 'report' });
    await waitFor(() => alerts.length === 1, 'an ASR alert');
    const a = alerts[0].payload;
    assert.deepEqual([a.rule, a.key, a.figures.asr], ['asr < 0.5', 'trunk:carrier-a/15m', 0.3333]);
    assert.deepEqual(a.causes, ['t:3', 't:5', 't:6'], 'the last failed calls of the window, oldest first');
  });

  it('an active alert survives a redeploy (configured context store): no second raise', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdrflow-alert-ctx-'));
    settings({ contextStorage: { default: { module: 'localfilesystem', config: { dir, cache: false } } } });
    try {
      const { alert, up } = await start();
      await helper._context.load();
      alert.receive({ payload: call({ n: 1, endMs: Date.now(), caller: '200', callee: '+8825550100' }) });
      await waitFor(() => up.length === 1, 'an alert');
      await helper.setFlows(flow({ name: 'redeployed' }), 'full');
      const again = helper.getNode('a');
      const up2 = collect('up');
      again.receive({ payload: call({ n: 2, endMs: Date.now(), caller: '200', callee: '+8825550101' }) });
      again.receive({ payload: call({ n: 3, endMs: Date.now(), caller: '300', callee: '+8825550101' }) }); // another caller: a new alert
      await waitFor(() => up2.length === 1, 'the new caller\'s alert');
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(up2.map((m) => m.payload.key), ['caller:300/882']);
    } finally {
      await helper.unload();
      settings({ contextStorage: {} });
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('shows invalid settings in red and names them in the log', async () => {
    await start({ watchList: 'abc\n88x' });
    await waitFor(() => logs('a', 'error').length > 0, 'an error logged');
    assert.equal(logs('a', 'error')[0].msg, 'cdr-alert.errors.setting');
  });
});

'use strict';
// cdr-stats in a real Node-RED (the test helper): Cdrs in, reports out on demand,
// by key (built-in field, msg property, JSONata), a batch counted record by record,
// reset, state kept across a redeploy, and bad settings shown.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { helper, core, load, collect, logs, settings } = require('../support/red');
const { waitFor } = require('../support/wait');
const { call } = require('../lib/stats/traffic');
const statsNode = require('../../nodes/cdr-stats.js');
const { toFlatRow } = require('../../nodes/lib/cdr/rows');

const KEYS = JSON.stringify([{ t: 'field', v: 'all' }, { t: 'field', v: 'trunk' }, { t: 'msg', v: 'source.pbx' }, { t: 'jsonata', v: 'payload.vendor & "/" & payload.direction' }]);

function flow(props = {}) {
  return [
    { id: 's', type: 'cdr-stats', name: '', keys: KEYS, windows: 'sliding 15m, tumbling 1h', timeZone: 'UTC', intervalSec: 0, wires: [['out']], ...props },
    { id: 'out', type: 'helper' },
    { id: 'c', type: 'catch', scope: null, uncaught: false, wires: [['err']] },
    { id: 'err', type: 'helper' },
  ];
}

async function start(props) {
  await load([statsNode, core.catch], flow(props));
  return { node: helper.getNode('s'), out: collect('out'), err: collect('err') };
}

/** The report rows of one `report` request, by topic and window. */
async function report(node, out) {
  out.length = 0;
  node.receive({ topic: 'report' });
  await waitFor(() => out.length > 0, 'a report');
  // One request sends every row at once; wait a tick for the rest of them.
  await new Promise((r) => setImmediate(r));
  return Object.fromEntries(out.map((m) => [`${m.topic}|${m.window}`, m.payload]));
}

describe('cdr-stats node', function () {
  this.timeout(20000);
  afterEach(async () => {
    await helper.unload();
  });

  it('counts Cdrs by key and window, and reports them on demand', async () => {
    const { node, out } = await start();
    const now = Date.now();
    node.receive({ payload: call({ n: 1, endMs: now - 1000, talk: 100, trunk: 'tr-a', pdd: 2 }), source: { pbx: 'pbx1' } });
    node.receive({ payload: call({ n: 2, endMs: now - 2000, disposition: 'busy', q850: 17, trunk: 'tr-a', pdd: 4 }), source: { pbx: 'pbx1' } });
    node.receive({ payload: toFlatRow(call({ n: 3, endMs: now - 3000, talk: 20, trunk: 'tr-b' })) });
    const rows = await report(node, out);
    assert.equal(out.length, 2 * 6); // 2 windows × (all, tr-a, tr-b, pbx1, (none), ucm/outbound)
    const all = rows['all:all|15m'];
    assert.deepEqual([all.attempts, all.answered, all.asr, all.ner, all.acd, all.pddAvg], [3, 2, 0.6667, 1, 60, 3]);
    assert.equal(all.window.type, 'sliding');
    assert.equal(rows['trunk:tr-a|1h'].attempts, 2);
    assert.equal(rows['trunk:tr-a|1h'].window.type, 'tumbling');
    assert.equal(rows['trunk:tr-b|15m'].acd, 20);
    assert.equal(rows['source.pbx:pbx1|15m'].attempts, 2);
    assert.equal(rows['source.pbx:(none)|15m'].attempts, 1);
    assert.equal(rows['payload.vendor & "/" & payload.direction:ucm/outbound|15m'].attempts, 3);
  });

  it('counts each Cdr of a batch (an array in msg.payload)', async () => {
    const { node, out } = await start({ keys: '[{"t":"field","v":"all"}]', windows: 'sliding 5m' });
    const now = Date.now();
    node.receive({ payload: [1, 2, 3, 4].map((n) => call({ n, endMs: now - n * 1000, disposition: n % 2 ? 'answered' : 'no_answer' })) });
    const rows = await report(node, out);
    assert.deepEqual([rows['all:all|5m'].attempts, rows['all:all|5m'].answered], [4, 2]);
  });

  it('a record that is not a Cdr goes to the catch node; reset forgets the counts', async () => {
    const { node, out, err } = await start({ keys: '[{"t":"field","v":"all"}]', windows: 'sliding 15m' });
    node.receive({ payload: 'hello' });
    await waitFor(() => err.length === 1, 'an error');
    assert.equal(err[0].error.message, 'cdr-stats.errors.not-cdr');
    node.receive({ payload: call({ n: 1, endMs: Date.now() }) });
    assert.equal((await report(node, out))['all:all|15m'].attempts, 1);
    node.receive({ topic: 'reset' });
    await waitFor(async () => {
      out.length = 0;
      node.receive({ topic: 'report' });
      await new Promise((r) => setTimeout(r, 20));
      return out.length === 0;
    }, 'no rows after a reset');
  });

  it('keeps its counts across a redeploy in a configured context store', async () => {
    // Node-RED deletes a node's context when it stops unless contextStorage is configured.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdrflow-stats-ctx-'));
    settings({ contextStorage: { default: { module: 'localfilesystem', config: { dir, cache: false } } } });
    try {
      const props = { keys: '[{"t":"field","v":"all"}]', windows: 'sliding 15m' };
      const { node } = await start(props);
      await helper._context.load(); // the test runtime skips loading configured stores; a real runtime does it at start
      node.receive({ payload: call({ n: 1, endMs: Date.now() }) });
      node.receive({ payload: call({ n: 2, endMs: Date.now(), disposition: 'busy' }) });
      await helper.setFlows(flow({ ...props, name: 'redeployed' }), 'full');
      const again = helper.getNode('s');
      assert.notEqual(again, node);
      assert.ok(fs.readdirSync(path.join(dir, 'context')).length > 0, 'the counts were written to disk');
      const rows = await report(again, collect('out'));
      assert.deepEqual([rows['all:all|15m'].attempts, rows['all:all|15m'].answered], [2, 1]);
    } finally {
      await helper.unload();
      settings({ contextStorage: {} });
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports on its schedule', async () => {
    const { node, out } = await start({ keys: '[{"t":"field","v":"all"}]', windows: 'sliding 15m', intervalSec: 1 });
    node.receive({ payload: call({ n: 1, endMs: Date.now() }) });
    await waitFor(() => out.length >= 1, 'a scheduled report', 5000);
    assert.equal(out[0].payload.attempts, 1);
  });

  it('shows invalid settings in red and names them in the log', async () => {
    const { node } = await start({ windows: 'tumbling 7h' });
    await waitFor(() => logs('s', 'error').length > 0, 'an error logged');
    assert.equal(logs('s', 'error')[0].msg, 'cdr-stats.errors.setting');
    assert.ok(node);
  });
});

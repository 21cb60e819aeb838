'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { helper, core, load, collect, logs, settings } = require('../support/red');
const { waitFor } = require('../support/wait');
const { assertValidCdr } = require('../support/cdr-schema');
const { ucmRecords, ucmLegs } = require('../support/ucm-samples');
const { rng, shuffle, ucmStreamWithRepeats } = require('../support/random');
const { FLAT_COLUMNS } = require('../../nodes/lib/cdr/rows');
const normalizeNode = require('../../nodes/cdr-normalize.js');
const { NormalizePipeline } = require('../../nodes/lib/cdr/pipeline');

const SOURCE = { vendor: 'ucm', format: 'json', transport: 'tcp', address: '127.0.0.1', port: 5000, receivedAt: '2024-01-01T00:00:00.000Z' };

function flow(props = {}) {
  return [
    { id: 'n', type: 'cdr-normalize', name: '', vendor: 'auto', timeZone: 'Europe/London', output: 'leg', format: 'cdr', dedupe: 'drop', wires: [['out']], ...props },
    { id: 'out', type: 'helper' },
    { id: 'c', type: 'catch', scope: null, uncaught: false, wires: [['err']] },
    { id: 'err', type: 'helper' },
    { id: 's', type: 'status', scope: ['n'], wires: [['st']] },
    { id: 'st', type: 'helper' },
  ];
}

async function start(props) {
  await load([normalizeNode, core.catch, core.status], flow(props));
  return { node: helper.getNode('n'), out: collect('out'), err: collect('err'), st: collect('st') };
}

const send = (node, payload, extra = {}) => node.receive({ payload, topic: 'ucm', source: SOURCE, ...extra });

describe('cdr-normalize node', function () {
  this.timeout(30000);

  afterEach(async () => {
    await helper.unload();
  });

  it('sends one schema-valid Cdr per leg, keeping topic, source and the vendor record', async () => {
    const { node, out, err } = await start();
    for (const r of ucmRecords()) send(node, r);
    await waitFor(() => out.length === ucmLegs().length, 'every leg');
    out.forEach((m) => assertValidCdr(m.payload));
    assert.equal(err.length, 0);
    assert.equal(out[0].topic, 'ucm');
    assert.deepEqual(out[0].source, SOURCE);
    assert.deepEqual(out[0].vendorRecord, ucmRecords()[0]);
    assert.equal(out[0].payload.startTime, '2022-08-22T08:34:32.000Z', 'Europe/London wall clock → UTC');
    assert.deepEqual(out.map((m) => m.payload.extra.AcctId).sort(), ucmLegs().map((l) => l.AcctId).sort());
  });

  it('the legs of one group go out in order, one message each, none sharing an object with another', async () => {
    const { node, out, err } = await start();
    const group = ucmRecords().find((r) => r.main_cdr && Object.keys(r).filter((k) => k.startsWith('sub_cdr')).length >= 2);
    const marker = { note: 'set by the flow' };
    send(node, group, { flowData: marker });
    const expected = new NormalizePipeline({ timeZone: 'Europe/London', output: 'leg', format: 'cdr', waitMs: 0, maxOpenCalls: 1, dedupe: 'off' }, null).push('ucm', group, null, Date.now());
    await waitFor(() => out.length === expected.length, 'every leg of the group');
    assert.equal(err.length, 0);
    assert.deepEqual(out.map((m) => m.payload.id), expected.map((o) => o.cdr.id), 'in the order the pipeline gave them');
    for (const m of out) {
      assert.deepEqual(m.vendorRecord, group);
      assert.deepEqual(m.source, SOURCE);
      assert.deepEqual(m.flowData, marker);
    }
    // Each message its own objects: a node downstream that changes one message cannot change another.
    for (let i = 1; i < out.length; i++) {
      for (const k of ['vendorRecord', 'source', 'flowData', 'payload']) assert.notEqual(out[i][k], out[0][k], `${k} of leg ${i} is leg 0's object`);
      assert.notEqual(out[i].vendorRecord.main_cdr, out[0].vendorRecord.main_cdr);
    }
  });

  it('one message per call: UCM groups at once, separate legs grouped by callId after the wait, in any order', async () => {
    const { node, out } = await start({ output: 'call', waitSec: 0.2 });
    const groups = ucmRecords().filter((r) => r.main_cdr);
    for (const g of groups) send(node, g);
    await waitFor(() => out.length === groups.length, 'the groups');
    assert.ok(out.every((m) => m.payload.kind === 'call' && m.vendorRecord));
    const flat = shuffle(ucmLegs(), rng(11));
    for (const leg of flat) send(node, { ...leg, AcctId: `9${leg.AcctId}` }); // new ids: not repeats of the groups' legs
    const sessions = new Set(flat.map((l) => l.session));
    await waitFor(() => out.length === groups.length + sessions.size, 'the grouped calls');
    for (const m of out.slice(groups.length)) {
      assertValidCdr(m.payload);
      const expected = flat.filter((l) => l.session === m.payload.callId).map((l) => `9${l.AcctId}`).sort();
      assert.deepEqual(m.payload.legs.map((l) => l.extra.AcctId).sort(), expected);
      assert.equal(m.vendorRecords.length, expected.length);
      assert.deepEqual(m.source, SOURCE);
    }
  });

  it('sends the calls still waiting for legs when it is redeployed: none is lost', async () => {
    const { out, st } = await start({ output: 'call', waitSec: 3600 });
    const legs = ucmLegs().filter((l) => l.session === '1661159737924521-01632960102');
    legs.forEach((l) => send(helper.getNode('n'), l));
    await waitFor(() => st.some((m) => m.status.text === `${legs.length} in · 0 out · 1 open`), 'the legs held as one open call');
    assert.equal(out.length, 0);
    // Redeploy only the changed node (the sink stays): its close handler sends what it holds.
    await helper.setFlows(flow({ output: 'call', waitSec: 3600, name: 'changed' }), 'nodes');
    await waitFor(() => out.length === 1, 'the held call');
    assert.equal(out[0].payload.legs.length, legs.length);
    assertValidCdr(out[0].payload);
  });

  it('flat rows: the documented snake_case columns', async () => {
    const { node, out } = await start({ format: 'row' });
    send(node, ucmRecords()[1]);
    await waitFor(() => out.length === 1, 'a row');
    assert.deepEqual(Object.keys(out[0].payload), FLAT_COLUMNS.map((c) => c.name));
    assert.equal(out[0].payload.caller_number, '203');
    assert.equal(out[0].payload.call_type, 'internal');
  });

  for (const mode of ['drop', 'mark']) {
    it(`10,000 records with 30 % sent again: ${mode === 'drop' ? 'exactly the distinct ones pass' : 'all pass, exactly the repeats marked'}`, async () => {
      const { node, out, err } = await start({ dedupe: mode, timeZone: 'UTC' });
      const stream = ucmStreamWithRepeats(ucmLegs()[0], 10000, 0.3);
      for (const { record } of stream) send(node, record);
      const expected = mode === 'drop' ? 10000 : 13000;
      await waitFor(() => out.length === expected && node.status, `${expected} messages`, 20000);
      assert.equal(err.length, 0);
      if (mode === 'drop') {
        assert.equal(new Set(out.map((m) => m.payload.id)).size, 10000);
        assert.ok(out.every((m) => m.duplicate === undefined));
      } else {
        assert.deepEqual(out.map((m) => m.duplicate === true), stream.map((e) => e.repeat));
      }
    });
  }

  it('keeps the duplicate window in a persistent context store (a file) across a restart of the node', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdrflow-ctx-'));
    settings({ contextStorage: { default: { module: 'localfilesystem', config: { dir, cache: false } } } });
    try {
      const props = { dedupeContext: true };
      const { node, out } = await start(props);
      await helper._context.load(); // the test runtime skips loading configured stores; a real runtime does it at start
      const legs = ucmLegs().slice(0, 5);
      legs.forEach((l) => send(node, l));
      await waitFor(() => out.length === 5, 'first pass');
      await helper.setFlows(flow(props), 'full'); // stops and recreates the node: its memory is gone
      const again = helper.getNode('n');
      assert.notEqual(again, node);
      assert.ok(fs.readdirSync(path.join(dir, 'context')).length > 0, 'the window was written to disk');
      const out2 = collect('out');
      legs.forEach((l) => send(again, l));
      send(again, ucmLegs()[6]);
      await waitFor(() => out2.length === 1, 'only the new record');
      assert.equal(out2[0].payload.extra.AcctId, ucmLegs()[6].AcctId);
    } finally {
      await helper.unload();
      settings({ contextStorage: {} });
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('without context the window starts empty after a redeploy', async () => {
    const { node, out } = await start({ dedupeContext: false });
    send(node, ucmLegs()[0]);
    await waitFor(() => out.length === 1, 'first');
    await helper.setFlows(flow({ dedupeContext: false }), 'full');
    const out2 = collect('out');
    send(helper.getNode('n'), ucmLegs()[0]);
    await waitFor(() => out2.length === 1, 'passes again');
  });

  it('reports a record that cannot be mapped to a catch node with the record, and goes on', async () => {
    const { node, out, err, st } = await start();
    const bad = { ...ucmLegs()[0], start: 'not a time' };
    send(node, bad);
    send(node, 'a,b,c');
    node.receive({ payload: ucmLegs()[1] }); // no vendor anywhere
    node.receive({ payload: ucmLegs()[1], topic: 'cisco' });
    node.receive({ payload: ucmLegs()[2], topic: 'ucm' }); // vendor from the topic
    send(node, ucmLegs()[3]);
    await waitFor(() => err.length === 4 && out.length === 2, 'errors and good records');
    assert.deepEqual(err[0].payload, bad);
    // (the test runtime gives message keys, not the English text)
    assert.equal(err[0].error.message, 'cdr-normalize.errors.map');
    assert.equal(err[1].payload, 'a,b,c');
    assert.equal(err[2].error.message, 'cdr-normalize.errors.no-vendor');
    assert.equal(err[3].error.message, 'cdr-normalize.errors.no-vendor');
    assert.deepEqual(out.map((m) => m.payload.extra.AcctId), [ucmLegs()[2].AcctId, ucmLegs()[3].AcctId]);
    await waitFor(() => st.some((m) => m.status.text === '2 in · 2 out · 4 err' && m.status.fill === 'green' && m.status.shape === 'dot'), 'status with the counts');
  });

  it('rejects invalid settings at runtime, and reports every record it then gets', async () => {
    const { node, out, err } = await start({ timeZone: 'Mars/Base', waitSec: 'soon' });
    const errors = logs('n', 'error').map((e) => e.msg);
    assert.equal(errors.filter((m) => m === 'cdr-normalize.errors.setting').length, 2, 'one error per bad setting');
    send(node, ucmLegs()[0]);
    await waitFor(() => err.length === 1, 'the record reported');
    assert.equal(err[0].error.message, 'cdr-normalize.errors.not-configured');
    assert.deepEqual(err[0].payload, ucmLegs()[0]);
    assert.equal(out.length, 0);
  });
});

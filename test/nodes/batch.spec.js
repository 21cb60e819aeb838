'use strict';
// Batch mode through the nodes that take it: cdr-normalize's batch output and
// cdr-calc taking a batch as it takes one record.
const assert = require('node:assert/strict');
const { helper, core, load, collect } = require('../support/red');
const { waitFor } = require('../support/wait');
const { assertValidCdr } = require('../support/cdr-schema');
const { ucmLegs } = require('../support/ucm-samples');
const normalizeNode = require('../../nodes/cdr-normalize.js');
const calcNode = require('../../nodes/cdr-calc.js');

const SOURCE = { vendor: 'ucm', format: 'json', transport: 'tcp', address: '127.0.0.1', port: 5000, receivedAt: '2024-01-01T00:00:00.000Z' };
const RATES = 'prefix,description,ratePerMinute,connectFee,firstBlockSec,incrementSec\n0,all,0.10,0,60,60\n';

function flow(props = {}, calcProps = {}) {
  return [
    { id: 'n', type: 'cdr-normalize', vendor: 'auto', timeZone: 'Europe/London', output: 'leg', format: 'cdr', dedupe: 'mark', batchSize: 4, batchMs: 3600000, wires: [['k', 'raw']], ...props },
    { id: 'k', type: 'cdr-calc', rates: RATES, currency: 'GBP', decimals: '4', billable: 'answered', wires: [['out']], ...calcProps },
    { id: 'raw', type: 'helper' },
    { id: 'out', type: 'helper' },
    { id: 'c', type: 'catch', scope: null, uncaught: false, wires: [['err']] },
    { id: 'err', type: 'helper' },
  ];
}

// Legs with ids of their own: the samples repeated with new AcctIds.
const legs = (n) => Array.from({ length: n }, (_, i) => ({ ...ucmLegs()[i % ucmLegs().length], AcctId: `5${i}` }));
const send = (records) => records.forEach((r) => helper.getNode('n').receive({ payload: r, topic: 'ucm', source: SOURCE }));

describe('batch mode (cdr-normalize → cdr-calc)', function () {
  this.timeout(30000);
  afterEach(async () => {
    await helper.unload();
  });

  it('batches of batchSize in arrival order; cdr-calc keeps each a batch, every record computed', async () => {
    await load([normalizeNode, calcNode, core.catch], flow());
    const raw = collect('raw');
    const out = collect('out');
    const input = legs(10);
    send(input);
    await waitFor(() => out.length === 2, 'two full batches');
    assert.deepEqual(raw.map((m) => m.payload.length), [4, 4]);
    assert.deepEqual(raw.map((m) => m.batch), [{ count: 4 }, { count: 4 }]);
    assert.equal(raw[0].topic, 'ucm');
    assert.deepEqual(raw[0].source, SOURCE);
    const ids = out.flatMap((m) => m.payload.map((c) => c.vendorId ?? c.id));
    assert.equal(new Set(ids).size, 8);
    for (const m of out) {
      assert.equal(m.batch.count, m.payload.length);
      for (const c of m.payload) {
        assertValidCdr(c);
        assert.ok(c.metrics, 'metrics computed');
      }
    }
    // Order is kept: the batch's records are the raw batch's, one by one.
    assert.deepEqual(out.flatMap((m) => m.payload.map((c) => c.id)), raw.flatMap((m) => m.payload.map((c) => c.id)));
  });

  it('a partial batch goes after batchMs', async () => {
    await load([normalizeNode, calcNode, core.catch], flow({ batchMs: 50 }));
    const out = collect('out');
    send(legs(3));
    await waitFor(() => out.length === 1, 'the timed partial batch');
    assert.equal(out[0].payload.length, 3);
  });

  it('a redeploy with a batch in hand loses nothing: the partial batch goes on close', async () => {
    await load([normalizeNode, calcNode, core.catch], flow());
    const raw = collect('raw');
    send(legs(6));
    await waitFor(() => raw.length === 1, 'the full batch');
    await helper.setFlows(flow({ name: 'changed' }), 'nodes');
    await waitFor(() => raw.length === 2, 'the batch held at the redeploy');
    assert.deepEqual(raw.map((m) => m.payload.length), [4, 2]);
    assert.equal(new Set(raw.flatMap((m) => m.payload.map((c) => c.id))).size, 6, 'every record once');
  });

  it('repeats in a batch are marked by position; cdr-calc reports a bad element and keeps the rest in order', async () => {
    await load([normalizeNode, calcNode, core.catch], flow());
    const raw = collect('raw');
    const out = collect('out');
    const err = collect('err');
    const input = legs(3);
    send([...input, input[1]]);
    await waitFor(() => raw.length === 1, 'one batch');
    assert.deepEqual(raw[0].duplicates, [3]);
    const good = raw[0].payload.slice(0, 2);
    helper.getNode('k').receive({ payload: [good[0], { not: 'a cdr' }, good[1]], topic: 'ucm' });
    await waitFor(() => out.length === 2 && err.length === 1, 'the batch and the error');
    assert.deepEqual(out[1].payload.map((c) => c.id), good.map((c) => c.id));
    assert.equal(out[1].batch.count, 2);
  });

  it('batch off (the default): one message per record, as before', async () => {
    await load([normalizeNode, calcNode, core.catch], flow({ batchSize: undefined, batchMs: undefined }));
    const raw = collect('raw');
    send(legs(3));
    await waitFor(() => raw.length === 3, 'three messages');
    assert.ok(raw.every((m) => !Array.isArray(m.payload) && m.batch === undefined));
  });
});

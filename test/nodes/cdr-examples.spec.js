'use strict';
const assert = require('node:assert/strict');
const path = require('node:path');
const { helper, core, load, collect } = require('../support/red');
const { waitFor } = require('../support/wait');
const { assertValidCdr } = require('../support/cdr-schema');
const { FLAT_COLUMNS } = require('../../nodes/lib/cdr/rows');

const nodes = [
  require('../../nodes/cdr-normalize.js'),
  require('../../nodes/cdr-calc.js'),
  require('@node-red/nodes/core/common/20-inject.js'),
  require('@node-red/nodes/core/common/90-comment.js'),
  core.catch,
];

/**
 * An example flow as the editor imports it (onto a tab), with its debug nodes
 * swapped for helper nodes that record what reaches them.
 */
function example(name) {
  const flow = require(path.join('..', '..', 'examples', name));
  const onTab = flow.map((n) => ({ ...(n.type === 'debug' ? { id: n.id, type: 'helper', name: n.name } : n), z: 'tab' }));
  return [{ id: 'tab', type: 'tab', label: name }, ...onTab];
}

describe('examples (cdr-normalize, cdr-calc)', function () {
  this.timeout(20000);
  afterEach(async () => {
    await helper.unload();
  });

  it('cdr-normalize-calc.json: the injected UCM leg comes out normalized, with metrics and cost', async () => {
    const flow = example('cdr-normalize-calc.json');
    await load(nodes, flow);
    const [result, errors] = flow.filter((n) => n.type === 'helper').map((n) => collect(n.id));
    helper.getNode(flow.find((n) => n.type === 'inject').id).receive({});
    await waitFor(() => result.length === 1, 'the Cdr');
    const cdr = result[0].payload;
    assertValidCdr(cdr);
    assert.equal(cdr.startTime, '2022-08-22T10:37:39.000Z');
    assert.deepEqual(cdr.cost, { amount: 0.215, currency: 'GBP', prefix: '07', ratePerMinute: 0.1, billedSec: 117 }); // 0.02 + (120 − 3 free) s × 0.10 / 60 = 0.02 + 0.195
    assert.equal(errors.length, 0);
  });

  it('cdr-flat-rows.json: a UCM group becomes one row, and the same group again is dropped', async () => {
    const flow = example('cdr-flat-rows.json');
    await load(nodes, flow);
    const rows = collect(flow.find((n) => n.type === 'helper').id);
    const inject = helper.getNode(flow.find((n) => n.type === 'inject').id);
    inject.receive({});
    inject.receive({});
    await waitFor(() => rows.length === 1, 'one row');
    assert.deepEqual(Object.keys(rows[0].payload), FLAT_COLUMNS.map((c) => c.name));
    assert.equal(rows[0].payload.kind, 'call');
    // A different call still passes, after the repeat was dropped: the node is counting, not stuck.
    const group = JSON.parse(flow.find((n) => n.type === 'inject').payload);
    for (const k of Object.keys(group)) if (k.startsWith('sub_cdr')) group[k] = { ...group[k], AcctId: `x${group[k].AcctId}` };
    helper.getNode(flow.find((n) => n.type === 'cdr-normalize').id).receive({ payload: group });
    await waitFor(() => rows.length === 2, 'the second call');
    assert.notEqual(rows[1].payload.id, rows[0].payload.id);
  });
});

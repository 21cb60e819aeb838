'use strict';
const assert = require('node:assert/strict');
const { helper, core, load, collect, logs } = require('../support/red');
const { waitFor } = require('../support/wait');
const { assertValidCdr } = require('../support/cdr-schema');
const { ucmRecords, ucmLegs } = require('../support/ucm-samples');
const { mapUcm } = require('../../nodes/lib/cdr/normalize/ucm');
const calcNode = require('../../nodes/cdr-calc.js');
const normalizeNode = require('../../nodes/cdr-normalize.js');

const RATES = 'prefix,description,ratePerMinute,connectFee,firstBlockSec,incrementSec\n07,UK mobile,0.10,0.05,60,60\n01,UK geographic,0.02,0,1,1\n';

function flow(props = {}) {
  return [
    { id: 'k', type: 'cdr-calc', name: '', rates: RATES, currency: 'GBP', decimals: '4', billable: 'answered', wires: [['out']], ...props },
    { id: 'out', type: 'helper' },
    { id: 'c', type: 'catch', scope: null, uncaught: false, wires: [['err']] },
    { id: 'err', type: 'helper' },
  ];
}

async function start(props) {
  await load([calcNode, core.catch], flow(props));
  return { node: helper.getNode('k'), out: collect('out'), err: collect('err') };
}

const legOf = (acct) => mapUcm(ucmLegs().find((l) => l.AcctId === acct), { timeZone: 'UTC' }).legs[0];

describe('cdr-calc node', function () {
  this.timeout(20000);
  afterEach(async () => {
    await helper.unload();
  });

  it('adds metrics and a cost from the rate table on the node', async () => {
    const { node, out } = await start();
    node.receive({ payload: legOf('71080'), topic: 'ucm' }); // outbound to 07700900103, 120 s billed
    await waitFor(() => out.length === 1, 'one message');
    const cdr = out[0].payload;
    assertValidCdr(cdr);
    assert.equal(out[0].topic, 'ucm');
    assert.deepEqual(cdr.metrics, { ringSec: 14, talkSec: 120, totalSec: 134 });
    assert.deepEqual(cdr.cost, { amount: 0.25, currency: 'GBP', prefix: '07', ratePerMinute: 0.1, billedSec: 120 }); // 0.05 + 2 × 0.10
  });

  it('gives a flat row with cost columns, and the Cdr in msg.cdr, when the output is a row', async () => {
    const { node, out } = await start({ format: 'row' });
    node.receive({ payload: legOf('71080'), topic: 'ucm' });
    node.receive({ payload: legOf('71081') }); // internal: no rate
    await waitFor(() => out.length === 2, 'two messages');
    const [rated, unrated] = out;
    assertValidCdr(rated.cdr);
    assert.equal(rated.topic, 'ucm');
    assert.equal(rated.payload.id, rated.cdr.id);
    assert.equal(rated.payload.cost_amount, 0.25);
    assert.equal(rated.payload.cost_currency, 'GBP');
    assert.equal(rated.payload.cost_prefix, '07');
    assert.equal(rated.payload.cost_billed_sec, 120);
    assert.equal(rated.payload.talk_sec, 120);
    assert.equal(rated.payload.ring_sec, 14);
    assert.equal(rated.payload.cost_reason, null);
    assert.equal(unrated.payload.cost_amount, null);
    assert.match(unrated.payload.cost_reason, /no rate matches callee "231"/);
    for (const m of out) for (const v of Object.values(m.payload)) assert.ok(v === null || ['string', 'number'].includes(typeof v), `column value ${v}`);
  });

  it('refuses an unknown output format at start', async () => {
    await start({ format: 'csv' });
    assert.ok(logs('k', 'error').some((e) => e.msg === 'cdr-calc.errors.setting'));
  });

  it('gives cost null with a reason when no rate matches, and 0 with a reason for a non-billable disposition', async () => {
    const { node, out } = await start();
    node.receive({ payload: legOf('71081') }); // internal call to 231
    node.receive({ payload: legOf('71054') }); // no answer to 200
    const unanswered = { ...legOf('71066'), callee: { number: '01632960101' } };
    node.receive({ payload: unanswered });
    await waitFor(() => out.length === 3, 'three messages');
    assert.equal(out[0].payload.cost, null);
    assert.match(out[0].payload.costReason, /no rate matches callee "231"/);
    assert.equal(out[1].payload.cost, null);
    assert.equal(out[2].payload.cost.amount, 0);
    assert.equal(out[2].payload.costReason, 'disposition no_answer is not billable');
    out.forEach((m) => assertValidCdr(m.payload));
  });

  it('takes msg.rates (CSV or rows) over the node table, and goes on unrated with a bad one', async () => {
    const { node, out, err } = await start();
    node.receive({ payload: legOf('71080'), rates: 'prefix,rate,first,increment\n0770,1.00,1,1' });
    node.receive({ payload: legOf('71080'), rates: [{ prefix: '07700', ratePerMinute: 0.6, firstBlockSec: 30, incrementSec: 6 }] });
    node.receive({ payload: legOf('71080'), rates: 'prefix,rate\nUK,1' });
    await waitFor(() => out.length === 3 && err.length === 1, 'messages and the error');
    assert.deepEqual([out[0].payload.cost.prefix, out[0].payload.cost.amount], ['0770', 2]);
    assert.deepEqual([out[1].payload.cost.prefix, out[1].payload.cost.amount], ['07700', 1.2]);
    assert.equal(out[2].payload.cost, null);
    assert.equal(out[2].payload.costReason, 'msg.rates is not a valid rate table');
    assert.ok(out[2].payload.metrics);
    assert.equal(err[0].error.message, 'cdr-calc.errors.msg-rates');
  });

  it('only metrics without a rate table', async () => {
    const { node, out } = await start({ rates: '' });
    node.receive({ payload: legOf('71080') });
    await waitFor(() => out.length === 1, 'one message');
    assert.ok(out[0].payload.metrics);
    assert.equal('cost' in out[0].payload, false);
  });

  it('reports a payload that is not a Cdr to a catch node and goes on', async () => {
    const { node, out, err } = await start();
    node.receive({ payload: ucmLegs()[0] }); // a vendor record, not normalized
    node.receive({ payload: 'text' });
    node.receive({ payload: { ...legOf('71080'), billSec: -3 } });
    node.receive({ payload: legOf('71080') });
    await waitFor(() => err.length === 3 && out.length === 1, 'errors and the good record');
    assert.deepEqual(err[0].payload, ucmLegs()[0]);
    assert.ok(err.every((m) => m.error.message === 'cdr-calc.errors.not-cdr'));
  });

  it('rejects a bad rate table at start, and reports each record instead of losing it', async () => {
    const { node, out, err } = await start({ rates: 'prefix,rate\n44,0.1\n44,0.2\n', currency: '' , decimals: '12' });
    const errors = logs('k', 'error').map((e) => e.msg);
    assert.equal(errors.filter((m) => m === 'cdr-calc.errors.setting').length, 2, 'the duplicate prefix and the decimals');
    node.receive({ payload: legOf('71080') });
    await waitFor(() => err.length === 1, 'reported');
    assert.equal(out.length, 0);
  });

  it('works behind cdr-normalize on every UCM sample record, in call mode', async () => {
    await load([normalizeNode, calcNode], [
      { id: 'n', type: 'cdr-normalize', vendor: 'ucm', timeZone: 'Asia/Shanghai', output: 'call', waitSec: 0.05, dedupe: 'drop', wires: [['k']] },
      { id: 'k', type: 'cdr-calc', rates: RATES, currency: 'CNY', wires: [['out']] },
      { id: 'out', type: 'helper' },
    ]);
    const out = collect('out');
    for (const r of ucmRecords()) helper.getNode('n').receive({ payload: r });
    await waitFor(() => out.length === 10, 'six group calls and four single-leg calls');
    for (const m of out) {
      assertValidCdr(m.payload);
      assert.ok(m.payload.metrics && m.payload.legs.every((l) => l.metrics));
      assert.ok(m.payload.cost === null || m.payload.cost.currency === 'CNY');
    }
  });
});

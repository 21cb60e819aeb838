'use strict';
// Every call of the real samples through a deployed cdr-normalize (one message
// per call) → cdr-calc flow: the call-level figures of
// test/support/sample-calls.js, and the cost a carrier would invoice.
const assert = require('node:assert/strict');
const { helper, load, collect } = require('../support/red');
const { waitFor } = require('../support/wait');
const { assertValidCdr } = require('../support/cdr-schema');
const { RECORDS, EXPECTED, keyOf, figures, expectedFigures } = require('../support/sample-calls');
const normalizeNode = require('../../nodes/cdr-normalize.js');
const calcNode = require('../../nodes/cdr-calc.js');

// Per second (1/1), so a second billed too much shows in the amount.
const RATES = 'prefix,description,ratePerMinute,connectFee,firstBlockSec,incrementSec\n7,park and voicemail,0.60,0,1,1\n2,extensions,0.60,0,1,1\n01,UK geographic,0.60,0,1,1\n';

async function deploy(vendor) {
  await load([normalizeNode, calcNode], [
    { id: 'n', type: 'cdr-normalize', vendor, timeZone: 'UTC', output: 'call', format: 'cdr', dedupe: 'off', waitSec: 0.2, wires: [['k']] },
    { id: 'k', type: 'cdr-calc', rates: RATES, currency: 'EUR', decimals: '4', billable: 'answered', wires: [['out']] },
    { id: 'out', type: 'helper' },
  ]);
  return { node: helper.getNode('n'), out: collect('out') };
}

async function callsThroughFlow(vendor) {
  const { node, out } = await deploy(vendor);
  for (const record of RECORDS[vendor]()) node.receive({ payload: record });
  const n = Object.keys(EXPECTED[vendor]).length;
  await waitFor(() => out.length >= n, `${n} ${vendor} calls`, 20000);
  return out.map((m) => m.payload);
}

describe('calls of the real samples (cdr-normalize → cdr-calc flow)', function () {
  this.timeout(60000);
  afterEach(async () => {
    await helper.unload();
  });

  for (const vendor of Object.keys(EXPECTED)) {
    it(`${vendor}: one message per call, with the figures the PBX's own fields give`, async () => {
      const calls = await callsThroughFlow(vendor);
      assert.deepEqual(calls.map((c) => keyOf(vendor, c)).sort(), Object.keys(EXPECTED[vendor]).sort(), 'every call, once');
      for (const call of calls) {
        assertValidCdr(call);
        assert.equal(call.kind, 'call');
        const key = keyOf(vendor, call);
        assert.deepEqual(figures(call), expectedFigures(EXPECTED[vendor][key]), `${vendor} call ${key}`);
        assert.ok(call.legs.every((l) => l.metrics && l.cost === undefined), 'legs get metrics, only the call is rated');
      }
    });
  }

  it('rates a Local-channel busy or unanswered Asterisk call at 0 though its legs log ANSWERED and billable seconds; an answered one on its billsec', async () => {
    // The scenarios dial extension names (busy, noanswer, failover): give them
    // numbers a rate table knows, as a real dialplan would have.
    const numbers = { busy: '01614960001', noanswer: '01614960002', failover: '01614960003' };
    const { node, out } = await deploy('asterisk');
    const records = RECORDS.asterisk().filter((r) => ['1795348600.8', '1795348600.4', '1795348603.35'].includes(r.LinkedID));
    for (const r of records) node.receive({ payload: { ...r, Destination: numbers[r.Destination] ?? r.Destination } });
    await waitFor(() => out.length >= 3, 'three calls', 20000);
    const byId = (id) => out.map((m) => m.payload).find((c) => c.callId === id);
    for (const id of ['1795348600.8', '1795348600.4']) {
      const call = byId(id);
      assert.ok(call.legs.some((l) => l.disposition === 'answered'), 'a Local half logged ANSWERED');
      assert.equal(call.cost.prefix, '01');
      assert.deepEqual({ amount: call.cost.amount, billedSec: call.cost.billedSec }, { amount: 0, billedSec: 0 });
      assert.match(call.costReason, /not billable/);
    }
    // The no-answer dial leg carries BillableSeconds 4 and an AnswerTime: still no talk.
    const dial = byId('1795348600.4').legs.find((l) => l.extra.Disposition === 'NO ANSWER');
    assert.equal(dial.billSec, 4);
    assert.deepEqual({ talk: dial.metrics.talkSec, ring: dial.metrics.ringSec }, { talk: 0, ring: 4 });
    // Failover: busy, then answered 2 s (3 s on the wall clock): 2 s × 0.60 / 60 = 0.02.
    assert.deepEqual(byId('1795348603.35').cost, { amount: 0.02, currency: 'EUR', prefix: '01', ratePerMinute: 0.6, billedSec: 2 });
  });

  it('rates the UCM groups on what the UCM billed (main_cdr), not on the truncated timestamps', async () => {
    const calls = await callsThroughFlow('ucm');
    // Parked then picked up: main_cdr billsec 65 → 65 s × 0.01 = 0.65 (the timestamps, 09:34:32 → 09:35:38, would give 0.66).
    const parked = calls.find((c) => c.callId === '1661157236570719-07700900100');
    assert.equal(parked.callee.number, '71');
    assert.deepEqual(parked.cost, { amount: 0.65, currency: 'EUR', prefix: '7', ratePerMinute: 0.6, billedSec: 65 });
    // The ring group answered by 203 after 95 s of ringing: 445 s billed → 4.45.
    const ring = calls.find((c) => c.callId === '1661159737924521-01632960102');
    assert.equal(ring.cost.billedSec, 445);
    assert.equal(ring.cost.amount, 4.45);
  });
});

'use strict';
// Property test through a deployed flow (issue 14): mutated records of every
// vendor into cdr-normalize → cdr-calc. Every record either comes out as
// schema-valid Cdrs or reaches a catch node with the vendor record in
// msg.payload; no throw escapes, no record is lost without a word.
const assert = require('node:assert/strict');
const { helper, core, load, collect, logs } = require('../support/red');
const { waitFor } = require('../support/wait');
const { assertValidCdr } = require('../support/cdr-schema');
const { vendorRecords } = require('../support/vendor-records');
const { mutate } = require('../support/mutate');
const { rng } = require('../support/random');
const { normalize, registerMapper } = require('../../nodes/lib/cdr/normalize');
const normalizeNode = require('../../nodes/cdr-normalize.js');
const calcNode = require('../../nodes/cdr-calc.js');

const PER_VENDOR = 40;
const RATES = `prefix,rate\n${[...'0123456789'].map((d) => `${d},0.01`).join('\n')}\n`;

function flow(output) {
  return [
    { id: 'n', type: 'cdr-normalize', vendor: 'auto', timeZone: 'Europe/London', output, waitSec: '0.2', format: 'cdr', dedupe: 'off', wires: [['k']] },
    { id: 'k', type: 'cdr-calc', rates: RATES, currency: 'USD', decimals: '4', billable: 'answered', wires: [['out']] },
    { id: 'out', type: 'helper' },
    { id: 'c', type: 'catch', scope: null, uncaught: false, wires: [['err']] },
    { id: 'err', type: 'helper' },
  ];
}

function cases() {
  const random = rng(1414);
  const out = [];
  for (const [vendor, make] of Object.entries(vendorRecords)) {
    const base = make();
    for (let i = 0; i < PER_VENDOR; i++) out.push({ vendor, caseId: out.length, ...mutate(base[i % base.length], random) });
  }
  return out;
}

describe('cdr-normalize → cdr-calc on mutated records of every vendor (property, deployed flow)', function () {
  this.timeout(60000);
  afterEach(async () => {
    await helper.unload();
  });

  for (const output of ['leg', 'call']) {
    it(`${output} mode: every record gives schema-valid Cdrs or a caught error with the vendor record; nothing escapes`, async () => {
      await load([normalizeNode, calcNode, core.catch], flow(output));
      const out = collect('out');
      const err = collect('err');
      const all = cases();
      const n = helper.getNode('n');
      for (const c of all) {
        n.receive({ payload: c.record, caseId: c.caseId, topic: c.vendor, source: { vendor: c.vendor, format: 'json', transport: 'test', receivedAt: new Date().toISOString() } });
      }
      // What the library makes of each record tells what must come out: its legs, or an error.
      const expected = all.map((c) => {
        try {
          return normalize(c.vendor, c.record, { timeZone: 'Europe/London' }).legs.map((l) => l.id);
        } catch {
          return null;
        }
      });
      const missing = () => {
        const legIds = new Set();
        for (const m of out) for (const l of [m.payload, ...(m.payload.legs ?? [])]) legIds.add(l.id);
        const caught = new Set(err.map((m) => m.caseId));
        // A record refused is caught under its own caseId; a record mapped has every leg out
        // (a call carries its first leg's message; legs with the same id are one leg).
        return all.filter((c, i) => (expected[i] === null ? !caught.has(c.caseId) : !expected[i].every((id) => legIds.has(id)) && !caught.has(c.caseId)));
      };
      await waitFor(() => missing().length === 0, `every one of ${all.length} records out or caught`, 30000, 20);
      for (const m of out) {
        assertValidCdr(m.payload, `case ${m.caseId} (${all[m.caseId].mutations.join('; ')})`);
        assert.ok(m.payload.metrics, 'through cdr-calc');
        if (m.payload.cost) assert.ok(Number.isFinite(m.payload.cost.amount));
      }
      for (const m of err) {
        assert.match(m.error.message, /^cdr-(normalize|calc)\.errors\.(map|invalid|invalid-call)$/, `case ${m.caseId}: ${m.error.message}`);
        assert.notEqual(m.payload, undefined);
        if (m.error.source.id === 'n' && m.error.message === 'cdr-normalize.errors.map') assert.deepEqual(m.payload, all[m.caseId].record, 'the vendor record as sent');
      }
      assert.ok(out.length > 0 && err.length > 0, `${out.length} out, ${err.length} caught`);
      const internal = [...logs('n', 'error'), ...logs('k', 'error')].filter((e) => /internal/.test(e.msg));
      assert.deepEqual(internal, [], 'no internal error');
    });
  }

  it('a Cdr refused by the gate reaches the catch node with field, value and rule, and the vendor record in msg.payload', async () => {
    await load([normalizeNode, calcNode, core.catch], flow('leg'));
    const out = collect('out');
    const err = collect('err');
    const record = vendorRecords.gateway()[0];
    const good = normalize('gateway', record, { timeZone: 'Europe/London' }).legs[0];
    // cdr-calc: a Cdr (as a flow might build one) whose q850 is out of range.
    helper.getNode('k').receive({ payload: { ...good, hangup: { q850: 19000 } }, vendorRecord: record, caseId: 'calc' });
    // cdr-normalize: a mapper that gets it wrong (registered here), refused by the gate, not sent.
    const real = registerMapper('gateway', () => ({ legs: [{ ...good, durationSec: -60 }] }));
    try {
      helper.getNode('n').receive({ payload: record, topic: 'gateway', caseId: 'normalize' });
      await waitFor(() => err.length === 2, 'both refusals caught');
    } finally {
      registerMapper('gateway', real);
    }
    const byCase = Object.fromEntries(err.map((m) => [m.caseId, m]));
    assert.equal(byCase.calc.error.message, 'cdr-calc.errors.invalid');
    assert.deepEqual(byCase.calc.cdrProblem, { field: 'hangup.q850', value: 19000, rule: 'must be ≤ 127' });
    assert.deepEqual(byCase.calc.payload, record);
    assert.equal(byCase.calc.cdr.hangup.q850, 19000);
    assert.equal(byCase.normalize.error.message, 'cdr-normalize.errors.map');
    assert.deepEqual(byCase.normalize.cdrProblem, { field: 'durationSec', value: -60, rule: 'must be ≥ 0' });
    assert.deepEqual(byCase.normalize.payload, record);
    assert.equal(out.length, 0, 'nothing that fails the schema went on');
  });
});

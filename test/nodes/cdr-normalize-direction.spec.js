'use strict';
// Direction rules as a cdr-normalize setting, through a deployed node.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { helper, load, collect, logs } = require('../support/red');
const { waitFor } = require('../support/wait');
const { assertValidCdr } = require('../support/cdr-schema');
const { parseJsonCdr } = require('../../nodes/lib/formats/freeswitch');
const { samplePath } = require('../support/samples');
const { RECORDS } = require('../support/sample-calls');
const normalizeNode = require('../../nodes/cdr-normalize.js');

const fsJson = () => parseJsonCdr(fs.readFileSync(samplePath('freeswitch', 'answered-bridged-with-hold.cdr.json'), 'utf8'));

async function start(props) {
  await load([normalizeNode], [
    { id: 'n', type: 'cdr-normalize', vendor: 'auto', timeZone: 'UTC', output: 'leg', format: 'cdr', dedupe: 'off', wires: [['out']], ...props },
    { id: 'out', type: 'helper' },
  ]);
  return { node: helper.getNode('n'), out: collect('out') };
}

describe('cdr-normalize direction rules', function () {
  this.timeout(20000);
  afterEach(async () => {
    await helper.unload();
  });

  it('gives each vendor\'s legs the direction of the first matching rule, else the defaults (FreeTDM → outbound)', async () => {
    const rules = [
      { vendor: 'asterisk', when: { context: '^cdrtest$' }, direction: 'inbound' },
      { when: { trunkIn: '^CarrierA$' }, direction: 'inbound' },
    ];
    const { node, out } = await start({ directionRules: JSON.stringify(rules) });
    const tdm = fsJson();
    tdm.variables.bridge_channel = 'freetdm/1/a/01614960000';
    node.receive({ payload: tdm, source: { vendor: 'freeswitch' } });
    node.receive({ payload: RECORDS.asterisk().find((r) => r.CallTag === 'ivr'), source: { vendor: 'asterisk' } });
    node.receive({ payload: RECORDS.ucm().find((r) => r.AcctId === '71078'), source: { vendor: 'ucm' } });
    await waitFor(() => out.length === 3, 'three legs');
    out.forEach((m) => assertValidCdr(m.payload));
    assert.deepEqual(out.map((m) => [m.payload.vendor, m.payload.direction]), [['freeswitch', 'outbound'], ['asterisk', 'inbound'], ['ucm', 'inbound']]);
  });

  it('refuses rules that are not rules, saying which', async () => {
    await start({ directionRules: '[{"when":{"context":"("},"direction":"inbound"}]' });
    const errors = logs('n', 'error').map((e) => e.msg);
    assert.equal(errors.filter((m) => m === 'cdr-normalize.errors.setting').length, 1);
  });
});

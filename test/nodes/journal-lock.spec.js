'use strict';
// Two source nodes set to one journal directory would interleave their segment
// files and acknowledge each other's records: the second is refused, visibly,
// and a redeploy (the old node closes, the new one opens) gets the directory.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { helper, load, collect, logs } = require('../support/red');
const { withMessages } = require('../support/locale');
const { waitFor } = require('../support/wait');
const sim = require('../../nodes/lib/sim/vos');

const vosNode = withMessages(require('../../nodes/vos-cdr-in.js'), 'vos-cdr-in');
const START = Date.UTC(2024, 4, 1, 10, 0, 0);

describe('journal directory: one source node each', function () {
  this.timeout(30000);
  let dir;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdrflow-lock-'));
  });
  afterEach(async () => {
    await helper.unload();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const vos = (id, extra = {}) => ({ id, type: 'vos-cdr-in', tcp: true, tcpPort: 0, host: '127.0.0.1', journalDir: dir, wires: [[`${id}-out`], []], ...extra });

  it('refuses the second node on a shared Journal dir with a red status and an error naming the setting; the first works', async () => {
    await load([vosNode], [vos('v1'), vos('v2'), { id: 'v1-out', type: 'helper' }, { id: 'v2-out', type: 'helper' }]);
    const out1 = collect('v1-out');
    const [a, b] = [helper.getNode('v1'), helper.getNode('v2')];
    const ports = [(await a.listening).tcp, (await b.listening).tcp];
    // The node created first holds the directory.
    await waitFor(() => logs('v2', 'error').length > 0, 'the refusal of v2');
    const err = logs('v2', 'error')[0].msg;
    assert.match(err, /the Journal dir .*cdrflow-lock-.* is already used by vos-cdr-in node v1; give each source node a Journal dir of its own/);
    assert.equal(logs('v1', 'error').length, 0);
    await waitFor(() => {
      const s = b.status.lastCall?.args[0];
      return s && s.fill === 'red' && /journal dir in use/.test(s.text);
    }, () => 'v2 red: journal dir in use, got ' + JSON.stringify(b.status.args.map((x) => x[0])));
    const lines = sim.generateCalls(3, { startMs: START, cps: 1, seed: 3 }).map((c) => sim.formatLine(c));
    await sim.sendTcp(lines, { host: '127.0.0.1', port: ports[0] });
    await waitFor(() => out1.length === 3, 'v1 records');
    // The refused node takes nothing (a record it took would not be durable) and says so.
    await sim.sendTcp(lines.slice(0, 1), { host: '127.0.0.1', port: ports[1] });
    await waitFor(() => logs('v2', 'error').length > 1, 'v2 refuses the record');
    assert.match(logs('v2', 'error')[1].msg, /journal/);
    const lock = JSON.parse(fs.readFileSync(path.join(dir, 'journal.lock'), 'utf8'));
    assert.deepEqual([lock.pid, lock.owner], [process.pid, 'vos-cdr-in node v1'], 'the lock is still the first node\'s');
  });

  it('a redeploy of the node gets the directory: the old node released it on close', async () => {
    const flow = (topic) => [vos('v1', { topic }), { id: 'v1-out', type: 'helper' }];
    await load([vosNode], flow('before'));
    await helper.getNode('v1').listening;
    // A changed node is closed and created anew (a "modified nodes" deploy).
    await helper.setFlows(flow('after'), 'nodes');
    const v1 = helper.getNode('v1');
    const out = collect('v1-out');
    const { tcp } = await v1.listening;
    await sim.sendTcp([sim.formatLine(sim.generateCalls(1, { startMs: START, cps: 1, seed: 4 })[0])], { host: '127.0.0.1', port: tcp });
    await waitFor(() => out.length === 1, 'the record after the redeploy');
    assert.equal(out[0].topic, 'after');
    assert.deepEqual(
      logs('v1', 'error').map((e) => e.msg),
      [],
    );
    assert.doesNotMatch(v1.status.lastCall.args[0].text, /journal/);
  });
});

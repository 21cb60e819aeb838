'use strict';
// Which sources wait for cdr-ack, through a real Node-RED: only a source with a
// cdr-ack after it (directly, through link nodes, or through a catch of its
// flow). A source with no cdr-ack after it counts a record delivered once sent,
// even when another flow of the same deploy has one: otherwise its records
// would be re-sent every ack timeout for ever and its journal would fill.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { helper, core, load, collect, userDir } = require('../support/red');
const { waitFor } = require('../support/wait');
const { request } = require('../support/http');
const { freePort } = require('../support/net');
const { samplePath } = require('../support/samples');
const { unacknowledged } = require('../support/journal-files');
const { withMessages } = require('../support/locale');
const sim = require('../../nodes/lib/sim/freeswitch');

const TYPES = ['fs-cdr-in', 'cdr-calc'];
const fsNode = withMessages(require('../../nodes/fs-cdr-in.js'), ...TYPES);
const calcNode = withMessages(require('../../nodes/cdr-calc.js'), ...TYPES);
const ackNode = require('../../nodes/cdr-ack.js');
const functionNode = require('@node-red/nodes/core/function/10-function.js');
const linkNode = require('@node-red/nodes/core/common/60-link.js');

const xml = fs.readFileSync(samplePath('freeswitch', 'a_80183ec8-d424-11e3-8fb2-65b6c3cdac7d.cdr.xml'), 'utf8');

function post(port) {
  const { body, contentType } = sim.postBody(xml, 'xml', 'base64');
  return request({ port, path: '/cdr', body, headers: { 'Content-Type': contentType } });
}

/** The status texts one node showed (the helper's status spy is shared by every node). */
function statusTexts(id) {
  const node = helper.getNode(id);
  return node.status
    .getCalls()
    .filter((c) => c.thisValue && c.thisValue.id === id)
    .map((c) => c.args[0]?.text ?? '');
}
const lastStatus = (id) => statusTexts(id).at(-1) ?? '';

/** A function node that loses the first message it gets (a sink failing once), then passes each on. */
const losesFirst = (id, z, wires) => ({ id, z, type: 'function', func: "const n = context.get('n') || 0;\ncontext.set('n', n + 1);\nreturn n === 0 ? null : msg;", outputs: 1, noerr: 0, initialize: '', finalize: '', libs: [], wires });

/**
 * A source waiting for a cdr-ack behind a sink that loses the first message:
 * the record is seen, held unacknowledged, seen again after the ack timeout,
 * then acknowledged. `says` names each step for the waits (a text, or a function giving one).
 */
async function resentThenAcknowledged(seen, status, dir, says) {
  await waitFor(() => seen.length === 1, says.seen);
  await waitFor(() => /via cdr-ack · 1 unacked/.test(status()), says.waits);
  await waitFor(() => seen.length === 2, says.resent, 10000);
  await waitFor(() => unacknowledged(dir).length === 0 && /via cdr-ack · 0 unacked/.test(status()), says.acknowledged);
}

describe('acknowledgement per source: a source waits for cdr-ack only when one is reachable from it', function () {
  this.timeout(30000);
  let dirs;
  beforeEach(() => {
    dirs = { a: fs.mkdtempSync(path.join(userDir, 'journal-reach-a-')), b: fs.mkdtempSync(path.join(userDir, 'journal-reach-b-')) };
  });
  afterEach(() => helper.unload());

  const source = async (id, z, journalDir, wires) => ({ id, z, type: 'fs-cdr-in', mode: 'http', host: '127.0.0.1', port: await freePort(), path: '/cdr', journalDir, ackTimeoutSec: 1, wires });

  it('two sources in one deploy, a cdr-ack after only one: the other acknowledges on send and its journal empties, never re-sent', async () => {
    await load([fsNode, ackNode, functionNode], [
      { id: 't1', type: 'tab', label: 'stored' },
      { id: 't2', type: 'tab', label: 'watched' },
      // a → a sink that fails the first time → cdr-ack: re-sent once after the ack timeout, then acknowledged.
      await source('a', 't1', dirs.a, [['aseen', 'asink']]),
      { id: 'aseen', z: 't1', type: 'helper' },
      losesFirst('asink', 't1', [['ack']]),
      { id: 'ack', z: 't1', type: 'cdr-ack', wires: [[]] },
      // b → a helper (a debug, say): no cdr-ack after it.
      await source('b', 't2', dirs.b, [['bseen']]),
      { id: 'bseen', z: 't2', type: 'helper' },
    ]);
    const aSeen = collect('aseen');
    const bSeen = collect('bseen');
    const a = helper.getNode('a');
    const b = helper.getNode('b');
    const [aPort, bPort] = [await a.listening, await b.listening];
    // b's record first: its ack timeout would end before a's re-send.
    assert.equal((await post(bPort)).status, 200);
    await waitFor(() => bSeen.length === 1, "b's record");
    assert.equal((await post(aPort)).status, 200);
    await waitFor(() => aSeen.length === 1, "a's record");

    await waitFor(() => /ack on send/.test(lastStatus('b')), () => `b in "ack on send" mode (its statuses: ${JSON.stringify(statusTexts('b'))})`);
    await waitFor(() => unacknowledged(dirs.b).length === 0, "b's journal empty: nothing owed");
    assert.match(lastStatus('a'), /via cdr-ack/);
    assert.equal(unacknowledged(dirs.a).length, 1, 'a: owed until its cdr-ack');

    // a's re-send comes after one ack timeout, which began after b's record was sent: b's timeout is over as well.
    await waitFor(() => aSeen.length === 2, "a's record re-sent after the ack timeout", 10000);
    assert.equal(aSeen[1].redelivered, true);
    await waitFor(() => unacknowledged(dirs.a).length === 0 && /via cdr-ack · 0 unacked/.test(lastStatus('a')), 'a acknowledged by its cdr-ack');
    assert.equal(bSeen.length, 1, 'b never re-sent');
    assert.deepEqual(unacknowledged(dirs.b), []);
  });

  it('reaches a cdr-ack through link out → link in on another tab', async () => {
    await load([fsNode, ackNode, functionNode, linkNode], [
      { id: 't1', type: 'tab', label: 'in' },
      { id: 't2', type: 'tab', label: 'store' },
      await source('a', 't1', dirs.a, [['aseen', 'lo']]),
      { id: 'aseen', z: 't1', type: 'helper' },
      { id: 'lo', z: 't1', type: 'link out', mode: 'link', links: ['li'], wires: [] },
      { id: 'li', z: 't2', type: 'link in', links: ['lo'], wires: [['asink']] },
      losesFirst('asink', 't2', [['ack']]),
      { id: 'ack', z: 't2', type: 'cdr-ack', wires: [[]] },
      // b on the first tab too, and a cdr-ack on its tab that nothing of b leads to.
      await source('b', 't1', dirs.b, [['bseen']]),
      { id: 'bseen', z: 't1', type: 'helper' },
      { id: 'lone', z: 't1', type: 'cdr-ack', wires: [[]] },
    ]);
    const aSeen = collect('aseen');
    const a = helper.getNode('a');
    assert.equal((await post(await a.listening)).status, 200);
    await resentThenAcknowledged(aSeen, () => lastStatus('a'), dirs.a, { seen: 'the record', waits: 'a waits for cdr-ack', resent: 're-sent: the sink lost it', acknowledged: 'acknowledged through the links' });
    const bSeen = collect('bseen');
    assert.equal((await post(await helper.getNode('b').listening)).status, 200);
    await waitFor(() => bSeen.length === 1, "b's record");
    await waitFor(() => /ack on send/.test(lastStatus('b')) && unacknowledged(dirs.b).length === 0, () => `b: no cdr-ack after it (its statuses: ${JSON.stringify(statusTexts('b'))})`);
  });

  it('a source inside a subflow, a cdr-ack after the instance: found by its id in the definition, it waits for cdr-ack', async () => {
    const [port, port2] = [await freePort(), await freePort()];
    await load([fsNode, ackNode, functionNode], [
      { id: 't1', type: 'tab', label: 'main' },
      { id: 'sf', type: 'subflow', name: 'FreeSWITCH in', info: '', in: [], out: [{ x: 300, y: 40, wires: [{ id: 'inner', port: 0 }] }] },
      { id: 'inner', z: 'sf', type: 'fs-cdr-in', mode: 'http', host: '127.0.0.1', port, path: '/cdr', journalDir: dirs.a, ackTimeoutSec: 1, x: 100, y: 40, wires: [[]] },
      { id: 'inst', z: 't1', type: 'subflow:sf', x: 100, y: 40, wires: [['aseen', 'asink']] },
      { id: 'aseen', z: 't1', type: 'helper', x: 300, y: 40, wires: [] },
      losesFirst('asink', 't1', [['ack']]),
      { id: 'ack', z: 't1', type: 'cdr-ack', x: 500, y: 40, wires: [[]] },
      // Another subflow's source, with nothing after its instance but a helper.
      { id: 'sf2', type: 'subflow', name: 'FreeSWITCH in too', info: '', in: [], out: [{ x: 300, y: 40, wires: [{ id: 'inner2', port: 0 }] }] },
      { id: 'inner2', z: 'sf2', type: 'fs-cdr-in', mode: 'http', host: '127.0.0.1', port: port2, path: '/cdr', journalDir: dirs.b, ackTimeoutSec: 1, x: 100, y: 40, wires: [[]] },
      { id: 'inst2', z: 't1', type: 'subflow:sf2', x: 100, y: 120, wires: [['bseen']] },
      { id: 'bseen', z: 't1', type: 'helper', x: 300, y: 120, wires: [] },
    ]);
    // The runtime gives the instance's copy of the source another id, and the definition's id as _alias.
    const textsOf = (alias) =>
      helper
        .getNode('aseen')
        .status.getCalls()
        .filter((c) => c.thisValue && c.thisValue._alias === alias)
        .map((c) => c.args[0]?.text ?? '');
    const texts = () => textsOf('inner');
    const bSeen = collect('bseen');
    await waitFor(() => post(port2).then((r) => r.status === 200, () => false), 'the other source listening (refused until it is)');
    await waitFor(() => bSeen.length === 1 && /ack on send/.test(textsOf('inner2').at(-1) ?? '') && unacknowledged(dirs.b).length === 0, () => `the other acknowledges on send (its statuses: ${JSON.stringify(textsOf('inner2'))})`);
    const aSeen = collect('aseen');
    await waitFor(() => post(port).then((r) => r.status === 200, () => false), 'the source in the subflow listening (refused until it is)');
    await resentThenAcknowledged(aSeen, () => texts().at(-1) ?? '', dirs.a, {
      seen: 'the record out of the instance',
      waits: () => `the source waits for cdr-ack (its statuses: ${JSON.stringify(texts())})`,
      resent: 're-sent: the sink lost it',
      acknowledged: 'acknowledged after the instance',
    });
  });

  it('a deploy of modified nodes that adds or removes the cdr-ack after a running source changes its mode without restarting it', async () => {
    // With x and y, as the editor deploys them: the runtime then rewires the nodes a partial deploy changed.
    const flow = (withAck) => [
      { id: 't1', type: 'tab', label: 'stored' },
      { ...aConfig, x: 100, y: 40, wires: [['aseen']] },
      { id: 'aseen', z: 't1', type: 'helper', x: 300, y: 40, wires: withAck ? [['ack']] : [[]] },
      ...(withAck ? [{ id: 'ack', z: 't1', type: 'cdr-ack', x: 500, y: 40, wires: [[]] }] : []),
    ];
    const aConfig = await source('a', 't1', dirs.a, []);
    await load([fsNode, ackNode], flow(false));
    const aSeen = collect('aseen');
    const a = helper.getNode('a');
    const port = await a.listening;
    assert.equal((await post(port)).status, 200);
    await waitFor(() => aSeen.length === 1 && /ack on send/.test(lastStatus('a')) && unacknowledged(dirs.a).length === 0, 'ack on send, nothing owed');

    await helper.setFlows(flow(true), 'nodes');
    assert.equal(helper.getNode('a'), a, 'the source kept running');
    await waitFor(() => /via cdr-ack/.test(lastStatus('a')), () => `a now waits for cdr-ack (its statuses: ${JSON.stringify(statusTexts('a'))})`);
    const seen = collect('aseen');
    assert.equal((await post(port)).status, 200);
    await waitFor(() => seen.length === 1, 'the next record');
    await waitFor(() => unacknowledged(dirs.a).length === 1, 'owed until cdr-ack');
    helper.getNode('ack').receive(seen[0]);
    await waitFor(() => unacknowledged(dirs.a).length === 0 && /via cdr-ack · 0 unacked/.test(lastStatus('a')), 'acknowledged by the new cdr-ack');

    await helper.setFlows(flow(false), 'nodes');
    assert.equal(helper.getNode('a'), a, 'the source kept running');
    await waitFor(() => /ack on send/.test(lastStatus('a')), 'back to ack on send');
    const after = collect('aseen');
    assert.equal((await post(port)).status, 200);
    await waitFor(() => after.length === 1 && unacknowledged(dirs.a).length === 0, 'the next record counted delivered once sent');
  });

  it('reaches a cdr-ack through a catch of its flow: the Refused=catch dead-letter path', async () => {
    await load([fsNode, calcNode, ackNode, functionNode, core.catch], [
      { id: 't1', type: 'tab', label: 'rated' },
      // cdr-calc fed a vendor record refuses it, onto the error path.
      await source('a', 't1', dirs.a, [['calc']]),
      { id: 'calc', z: 't1', type: 'cdr-calc', refused: 'catch', wires: [['rated']] },
      { id: 'rated', z: 't1', type: 'helper' },
      { id: 'c', z: 't1', type: 'catch', scope: null, uncaught: false, wires: [['errors', 'dead']] },
      { id: 'errors', z: 't1', type: 'helper' },
      losesFirst('dead', 't1', [['ack']]),
      { id: 'ack', z: 't1', type: 'cdr-ack', wires: [[]] },
    ]);
    const errors = collect('errors');
    const a = helper.getNode('a');
    assert.equal((await post(await a.listening)).status, 200);
    await resentThenAcknowledged(errors, () => lastStatus('a'), dirs.a, { seen: 'the refusal on the error path', waits: 'a waits for the cdr-ack of the dead-letter path', resent: 're-sent: the dead-letter sink lost it', acknowledged: 'acknowledged by the dead-letter cdr-ack' });
  });
});

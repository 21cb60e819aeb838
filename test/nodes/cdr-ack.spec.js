'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { helper, load, userDir } = require('../support/red');
const { waitFor } = require('../support/wait');
const { request } = require('../support/http');
const { samplePath } = require('../support/samples');
const fsNode = require('../../nodes/fs-cdr-in.js');
const ackNode = require('../../nodes/cdr-ack.js');
const normalizeNode = require('../../nodes/cdr-normalize.js');
const sim = require('../../nodes/lib/sim/freeswitch');
const { registerAckOwner } = require('../../nodes/lib/source/ack-registry');

const xml = fs.readFileSync(samplePath('freeswitch', 'a_80183ec8-d424-11e3-8fb2-65b6c3cdac7d.cdr.xml'), 'utf8');

function post(port) {
  const { body, contentType } = sim.postBody(xml, 'xml', 'base64');
  return request({ port, path: '/cdr', body, headers: { 'Content-Type': contentType } });
}

describe('cdr-ack', function () {
  this.timeout(30000);
  let journalDir;
  beforeEach(() => {
    journalDir = fs.mkdtempSync(path.join(userDir, 'journal-'));
  });
  afterEach(async () => {
    await helper.unload();
  });

  const flow = (extra = {}) => [
    { id: 'fs', type: 'fs-cdr-in', mode: 'http', host: '127.0.0.1', port: 0, path: '/cdr', journalDir, ackTimeoutSec: 1, wires: [['out']], ...extra },
    // The sink: a helper never passes a message on, so the test acknowledges by hand; its wire puts the cdr-ack after the source.
    { id: 'out', type: 'helper', wires: [['ack']] },
    { id: 'ack', type: 'cdr-ack', wires: [['acked']] },
    { id: 'acked', type: 'helper' },
  ];

  async function start(extra) {
    await load([fsNode, ackNode], flow(extra));
    const got = [];
    helper.getNode('out').on('input', (m) => got.push(m));
    const node = helper.getNode('fs');
    const port = await node.listening;
    return { got, port, node };
  }

  it('with a cdr-ack deployed, re-sends a record until it is acknowledged, repeats carrying the same handle and redelivered', async () => {
    const { got, port, node } = await start();
    assert.equal((await post(port)).status, 200);
    await waitFor(() => got.length === 1, 'the record');
    assert.ok(Array.isArray(got[0].cdrAck) && got[0].cdrAck.length === 1);
    assert.equal(got[0].redelivered, undefined);
    await waitFor(() => /via cdr-ack · 1 unacked/.test(node.status.lastCall?.args[0]?.text ?? ''), 'the mode and the unacknowledged count in the status');
    // No acknowledgement: it comes again after the timeout, same record, same handle.
    await waitFor(() => got.length === 2, 'the re-sent record', 10000);
    assert.equal(got[1].redelivered, true);
    assert.deepEqual(got[1].cdrAck, got[0].cdrAck);
    assert.deepEqual(got[1].payload, got[0].payload);
    const acked = [];
    helper.getNode('acked').on('input', (m) => acked.push(m));
    helper.getNode('ack').receive(got[1]);
    await waitFor(() => acked.length === 1, 'the message through cdr-ack');
    assert.deepEqual(acked[0].payload, got[1].payload);
    await waitFor(() => /0 unacked/.test(node.status.lastCall?.args[0]?.text ?? ''), 'nothing unacknowledged');
    const before = got.length;
    await new Promise((r) => setTimeout(r, 1600)); // longer than the timeout: nothing more may come
    assert.equal(got.length, before);
  });

  it('takes a batch: every element of msg.payload carrying handles is acknowledged', async () => {
    const { got, port, node } = await start();
    for (let i = 0; i < 3; i++) assert.equal((await post(port)).status, 200);
    await waitFor(() => got.length >= 3, 'three records');
    helper.getNode('ack').receive({ payload: got.slice(0, 3) });
    await waitFor(() => /0 unacked/.test(node.status.lastCall?.args[0]?.text ?? ''), 'all three acknowledged');
  });

  it('replays a record never acknowledged after a redeploy, from the journal', async () => {
    const first = await start();
    assert.equal((await post(first.port)).status, 200);
    await waitFor(() => first.got.length === 1, 'the record');
    await helper.unload();
    const again = await start({ ackTimeoutSec: 60 });
    await waitFor(() => again.got.length === 1, 'the replayed record');
    assert.equal(again.got[0].redelivered, true);
    assert.deepEqual(again.got[0].payload, first.got[0].payload);
    helper.getNode('ack').receive(again.got[0]);
    await waitFor(() => /0 unacked/.test(again.node.status.lastCall?.args[0]?.text ?? ''), 'acknowledged');
    await helper.unload();
    const third = await start({ ackTimeoutSec: 60 });
    await third.node.listening;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(third.got.length, 0);
  });

  it('without a cdr-ack in the flows, a record counts as delivered once sent, and the status says so', async () => {
    await load(fsNode, [
      { id: 'fs', type: 'fs-cdr-in', mode: 'http', host: '127.0.0.1', port: 0, path: '/cdr', journalDir, ackTimeoutSec: 1, wires: [['out']] },
      { id: 'out', type: 'helper' },
    ]);
    const got = [];
    helper.getNode('out').on('input', (m) => got.push(m));
    const node = helper.getNode('fs');
    const port = await node.listening;
    assert.equal((await post(port)).status, 200);
    await waitFor(() => /ack on send/.test(node.status.lastCall?.args[0]?.text ?? ''), 'the mode in the status');
    await helper.unload();
    await load(fsNode, [
      { id: 'fs', type: 'fs-cdr-in', mode: 'http', host: '127.0.0.1', port: 0, path: '/cdr', journalDir, wires: [['out']] },
      { id: 'out', type: 'helper' },
    ]);
    const again = [];
    helper.getNode('out').on('input', (m) => again.push(m));
    await helper.getNode('fs').listening;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(got.length, 1);
    assert.equal(again.length, 0);
  });

  it('examples/cdr-ack.json: a record posted is written by the file node, then acknowledged by cdr-ack', async () => {
    const example = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'cdr-ack.json'), 'utf8'));
    const out = path.join(journalDir, 'cdrs.jsonl');
    const flowOf = example.map((n) => {
      if (n.type === 'fs-cdr-in') return { ...n, port: 0, journalDir };
      if (n.type === 'file') return { ...n, filename: out };
      return n;
    });
    const jsonNode = require('@node-red/nodes/core/parsers/70-JSON.js');
    const fileNode = require('@node-red/nodes/core/storage/10-file.js');
    await load([fsNode, normalizeNode, ackNode, jsonNode, fileNode], flowOf);
    const source = helper.getNode('ack-fs');
    const port = await source.listening;
    assert.equal((await post(port)).status, 200);
    await waitFor(() => fs.existsSync(out) && fs.readFileSync(out, 'utf8').includes('80183ec8-d424-11e3-8fb2-65b6c3cdac7d'), 'the Cdr in the file');
    await waitFor(() => /via cdr-ack · 0 unacked/.test(source.status.lastCall?.args[0]?.text ?? ''), 'acknowledged by cdr-ack');
  });

  it('answers 503 and keeps the old records when the journal is full', async () => {
    const { got, port, node } = await start({ journalMaxMb: 1, ackTimeoutSec: 3600 });
    let status = 200;
    let n = 0;
    while (status === 200 && n < 2000) {
      status = (await post(port)).status;
      n++;
    }
    assert.equal(status, 503);
    await waitFor(() => node.status.lastCall?.args[0]?.fill === 'red' && /journal full/.test(node.status.lastCall.args[0].text), 'a red status saying the journal is full');
    await waitFor(() => got.length === n - 1, 'every record answered 200');
    // Acknowledged, they make room again.
    helper.getNode('ack').receive({ payload: got });
    await waitFor(async () => (await post(port)).status === 200, 'room again', 10000);
  });
});

describe('cdr-normalize carries acknowledgements', function () {
  this.timeout(20000);
  afterEach(() => helper.unload());

  it('a call built from legs carries the handles of every leg; a repeat it drops is acknowledged at once', async () => {
    const acked = [];
    const owner = registerAckOwner((seqs) => acked.push(...seqs));
    try {
      await load(normalizeNode, [
        { id: 'n', type: 'cdr-normalize', vendor: 'freeswitch', output: 'call', waitSec: 0.2, dedupe: 'drop', wires: [['out']] },
        { id: 'out', type: 'helper' },
      ]);
      const got = [];
      helper.getNode('out').on('input', (m) => got.push(m));
      const a = fs.readFileSync(samplePath('freeswitch', 'a_80183ec8-d424-11e3-8fb2-65b6c3cdac7d.cdr.xml'), 'utf8');
      const { parseXmlCdr } = require('../../nodes/lib/formats/freeswitch/xml');
      const record = parseXmlCdr(a);
      const n = helper.getNode('n');
      n.receive({ payload: record, topic: 'freeswitch', cdrAck: [owner.token(1)] });
      n.receive({ payload: record, topic: 'freeswitch', cdrAck: [owner.token(2)] }); // a repeat: dropped and acknowledged
      n.receive({ payload: record, topic: 'freeswitch', cdrAck: [owner.token(3)], redelivered: true }); // sent again: never dropped
      await waitFor(() => got.length >= 1, 'the call');
      assert.deepEqual(acked, [2]);
      const handles = got.flatMap((m) => m.cdrAck);
      assert.ok(handles.includes(owner.token(1)) && handles.includes(owner.token(3)), JSON.stringify(handles));
    } finally {
      owner.release();
    }
  });
});

describe('cdr-normalize and the error path', function () {
  this.timeout(20000);
  afterEach(() => helper.unload());

  it('acknowledges a record it cannot map: it reached the error path, and sending it again would fail forever', async () => {
    const acked = [];
    const owner = registerAckOwner((seqs) => acked.push(...seqs));
    try {
      await load(normalizeNode, [{ id: 'n', type: 'cdr-normalize', vendor: 'freeswitch', wires: [[]] }]);
      helper.getNode('n').receive({ payload: 'not a record', topic: 'freeswitch', cdrAck: [owner.token(7)] });
      await waitFor(() => acked.length === 1, 'the acknowledgement');
      assert.deepEqual(acked, [7]);
    } finally {
      owner.release();
    }
  });
});

describe('cdr-normalize leg mode: a record acknowledged only when all its legs are', function () {
  this.timeout(30000);
  let journalDir;
  beforeEach(() => {
    journalDir = fs.mkdtempSync(path.join(userDir, 'journal-legs-'));
  });
  afterEach(() => helper.unload());

  it('a UCM group sent over TCP gives one message per leg, each with its own share; the journal lets it go after the last leg', async () => {
    const ucmNode = require('../../nodes/ucm-cdr-in.js');
    const { ucmToJson } = require('../../nodes/lib/sim/ucm');
    const { ucmRecords } = require('../support/ucm-samples');
    const { connect, write } = require('../support/net');
    const group = ucmRecords().find((r) => r.main_cdr && Object.keys(r).filter((k) => k.startsWith('sub_cdr')).length === 2);
    await load([ucmNode, normalizeNode, ackNode], [
      { id: 'u', type: 'ucm-cdr-in', transport: 'tcp', host: '127.0.0.1', port: 0, format: 'json', journalDir, ackTimeoutSec: 1, wires: [['n']] },
      { id: 'n', type: 'cdr-normalize', vendor: 'ucm', timeZone: 'UTC', output: 'leg', dedupe: 'drop', wires: [['legs']] },
      { id: 'legs', type: 'helper', wires: [['ack']] },
      { id: 'ack', type: 'cdr-ack', wires: [[]] },
    ]);
    const legs = [];
    helper.getNode('legs').on('input', (m) => legs.push(m));
    const source = helper.getNode('u');
    const socket = await connect(await source.listening);
    await write(socket, ucmToJson(group));
    await waitFor(() => legs.length === 2, 'two legs');
    socket.destroy();
    const [a, b] = legs;
    assert.notDeepEqual(a.cdrAck, b.cdrAck, 'each leg carries its own share');
    assert.match(a.cdrAck[0], /:\d+#0\/2$/);
    assert.match(b.cdrAck[0], /:\d+#1\/2$/);
    const statusText = () => source.status.lastCall?.args[0]?.text ?? '';
    // The sink took the first leg only: the record is still owed.
    helper.getNode('ack').receive(a);
    await waitFor(() => /1 unacked/.test(statusText()), 'still unacknowledged after one leg');
    await waitFor(() => legs.length === 4, 'the record re-sent: both legs again', 10000);
    assert.ok(legs[2].redelivered && legs[3].redelivered);
    // Its second leg acknowledged (from the first delivery): the record goes.
    helper.getNode('ack').receive(b);
    await waitFor(() => /0 unacked/.test(statusText()), 'acknowledged once both legs were');
    const before = legs.length;
    await new Promise((r) => setTimeout(r, 1600)); // longer than the timeout: nothing more may come
    assert.equal(legs.length, before);
  });
});

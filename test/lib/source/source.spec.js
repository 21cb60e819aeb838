'use strict';
// The source layer without Node-RED: a library user drives a whole UCM source
// with a plain object for its "node", and the delivery on its own.
const assert = require('node:assert/strict');
const { EventEmitter } = require('node:events');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const lib = require('../../../nodes/lib/index');
const { UcmGenerator, ucmToJson } = require('../../../nodes/lib/sim/ucm');
const { waitFor } = require('../../support/wait');

/** A plain object shaped like a Node-RED node. */
function plainNode(id) {
  const n = new EventEmitter();
  Object.assign(n, {
    id,
    sent: [],
    errors: [],
    statuses: [],
    send: (m) => n.sent.push(m),
    error: (text) => n.errors.push(text),
    warn: () => undefined,
    log: () => undefined,
    debug: () => undefined,
    status: (s) => n.statuses.push(s),
  });
  return n;
}

const close = (n) => new Promise((resolve) => n.emit('close', false, resolve));

describe('source layer without Node-RED', function () {
  this.timeout(20000);
  let dir;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdrflow-source-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const env = (withAck) => ({
    t: (key, params) => `${key}${params ? ' ' + JSON.stringify(params) : ''}`,
    userDir: dir,
    getNode: () => null,
    eachNode: (cb) => (withAck ? cb({ type: 'cdr-ack' }) : undefined),
  });

  it('runs a UCM TCP source: records journaled, handed on with handles, replayed after a restart until acknowledged', async () => {
    const gen = new UcmGenerator({ seed: 3 });
    const records = [gen.next('leg'), gen.next('leg'), gen.next('leg')];
    const node = plainNode('u1');
    lib.runUcmSource(node, { transport: 'tcp', host: '127.0.0.1', port: 0, format: 'json' }, env(true));
    const port = await node.listening;
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.end(records.map(ucmToJson).join('\n'));
    await waitFor(() => node.sent.length === 3, 'three records');
    assert.deepEqual(
      node.sent.map((m) => m.payload.AcctId),
      records.map((r) => r.AcctId),
    );
    assert.ok(node.sent.every((m) => Array.isArray(m.cdrAck) && m.cdrAck.length === 1));
    assert.equal(lib.acknowledge(node.sent[1].cdrAck), 1);
    await close(node);

    // The same node id again: the two never acknowledged come back, marked redelivered.
    const again = plainNode('u1');
    lib.runUcmSource(again, { transport: 'tcp', host: '127.0.0.1', port: 0, format: 'json' }, env(true));
    await again.listening;
    await waitFor(() => again.sent.length === 2, 'the two unacknowledged records');
    assert.deepEqual(
      again.sent.map((m) => m.payload.AcctId),
      [records[0].AcctId, records[2].AcctId],
    );
    assert.ok(again.sent.every((m) => m.redelivered === true));
    lib.acknowledge(again.sent.flatMap((m) => m.cdrAck));
    await close(again);

    const third = plainNode('u1');
    lib.runUcmSource(third, { transport: 'tcp', host: '127.0.0.1', port: 0, format: 'json' }, env(true));
    await third.listening;
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(third.sent.length, 0);
    await close(third);
  });

  it('journals a frame of one JSON record as received, and replays the very payload handed on; other frames as before', async () => {
    const gen = new UcmGenerator({ seed: 5 });
    const [a, b, c] = [gen.next('leg'), gen.next('leg'), gen.next('leg')];
    // Pretty-printed, with a -0 and a number JSON.stringify would write otherwise: kept as sent.
    const one = `{ ${JSON.stringify(a).slice(1, -1)}, "_neg": -0, "_big": 1.5e300, "_note": "\\u00e9 ü" }`;
    const wrapped = JSON.stringify({ cdr_root: [b, c] });
    const node = plainNode('u3');
    lib.runUcmSource(node, { transport: 'tcp', host: '127.0.0.1', port: 0, format: 'json' }, env(true));
    const socket = net.connect(await node.listening, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.end(`${one}\n${wrapped}\n`);
    await waitFor(() => node.sent.length === 3, 'three records');
    const journalDir = path.join(dir, 'cdrflow-journal', 'ucm-cdr-in-u3');
    const onDisk = fs.readdirSync(journalDir).filter((f) => f.endsWith('.log')).map((f) => fs.readFileSync(path.join(journalDir, f), 'utf8')).join('');
    assert.ok(onDisk.includes(`{"payload":${one},"source":`), 'the frame text itself is in the journal');
    const live = node.sent.map((m) => m.payload);
    assert.ok(Object.is(live[0]._neg, -0));
    await close(node);

    const again = plainNode('u3');
    lib.runUcmSource(again, { transport: 'tcp', host: '127.0.0.1', port: 0, format: 'json' }, env(true));
    await again.listening;
    await waitFor(() => again.sent.length === 3, 'the three unacknowledged records');
    assert.deepEqual(
      again.sent.map((m) => m.payload),
      live,
    );
    assert.ok(Object.is(again.sent[0].payload._neg, -0), 'replay parses the text received, not a re-serialization');
    assert.deepEqual(again.sent[0].source, node.sent[0].source);
    lib.acknowledge(again.sent.flatMap((m) => m.cdrAck));
    await close(again);
  });

  it('reports a journal setting out of range and does not start', async () => {
    const node = plainNode('u2');
    lib.runUcmSource(node, { transport: 'tcp', host: '127.0.0.1', port: 0, journalMaxMb: 0 }, env(false));
    assert.match(node.errors.join('\n'), /journal disk cap/);
    assert.equal(node.statuses.at(-1).fill, 'red');
    await close(node);
  });

  it('Delivery alone: without the journal a record is handed on at once, without handles', async () => {
    const got = [];
    const d = await lib.Delivery.open({ journal: null, ackMode: 'sent', emit: (r, handles, again) => got.push({ r, handles, again }) });
    await d.accept([{ payload: { a: 1 }, source: { vendor: 'ucm', format: 'json', transport: 'tcp', receivedAt: new Date().toISOString() } }]);
    assert.equal(got.length, 1);
    assert.deepEqual(got[0].handles, []);
    assert.equal(got[0].again, false);
    await d.close();
  });

  it('Delivery with a journal: without a cdr-ack a record is handed on at once and only its acknowledgement waits for the fsync; with one, it is handed on once durable', async () => {
    const src = { vendor: 'ucm', format: 'json', transport: 'tcp', receivedAt: '2024-01-01T00:00:00.000Z' };
    for (const ackMode of ['sent', 'downstream']) {
      const jdir = path.join(dir, ackMode);
      const got = [];
      const d = await lib.Delivery.open({ journal: { dir: jdir }, ackMode, emit: (r) => got.push(r.payload) });
      let durable = false;
      const taken = d.accept([{ payload: 1, source: src }]).then(() => (durable = true));
      // Before, a record waited for its group's fsync in both modes: a slow fsync's group then
      // entered the flow together (p99 socket → sink at 10,000 records/s 16–34 ms in a probe of the e2e flow).
      if (ackMode === 'sent') assert.deepEqual(got, [1], 'handed on before accept() returned');
      else assert.deepEqual(got, [], 'not handed on before it is durable');
      assert.equal(durable, false, 'the acknowledgement to the sender waits for the fsync');
      await taken;
      assert.deepEqual(got, [1]);
      await d.close();
      // Either way the journal says what became of it: let go when sent, kept until a cdr-ack says so.
      const again = [];
      const reopened = await lib.Delivery.open({ journal: { dir: jdir }, ackMode, emit: (r) => again.push(r.payload) });
      assert.deepEqual(again, ackMode === 'sent' ? [] : [1]);
      await reopened.close();
    }
  });

  it('Delivery: a journal write that fails tells the sender, and says whether the records were handed on before it', async () => {
    const src = { vendor: 'ucm', format: 'json', transport: 'tcp', receivedAt: '2024-01-01T00:00:00.000Z' };
    const real = fs.fdatasync;
    try {
      for (const ackMode of ['sent', 'downstream']) {
        const got = [];
        const d = await lib.Delivery.open({ journal: { dir: path.join(dir, `fail-${ackMode}`) }, ackMode, emit: (r) => got.push(r.payload) });
        fs.fdatasync = (fd, cb) => setImmediate(() => cb(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' })));
        const frames = [1, 2, 3].map((i) => d.accept([{ payload: i, source: src }]));
        const errors = await Promise.all(frames.map((p) => p.then(() => null, (err) => err.message)));
        fs.fdatasync = real;
        if (ackMode === 'sent') {
          assert.deepEqual(got, [1, 2, 3], 'in the flow already');
          for (const e of errors) assert.match(e, /EIO.*handed on before it; a restart does not replay them/);
        } else {
          assert.deepEqual(got, [], 'nothing handed on that is not durable');
          for (const e of errors) assert.match(e, /EIO/);
          for (const e of errors) assert.doesNotMatch(e, /handed on/);
        }
        // The frames of one batch share one promise (one handler for them all in a TCP source).
        assert.equal(frames[0], frames[1]);
        assert.equal(d.backlog, 0);
        await d.close();
      }
    } finally {
      fs.fdatasync = real;
    }
  });

  it('Delivery: a journal batch of thousands is handed on a slice per turn, in order, all of it, before accept() resolves and before close() ends', async () => {
    const src = { vendor: 'ucm', format: 'json', transport: 'tcp', receivedAt: '2024-01-01T00:00:00.000Z' };
    const jdir = path.join(dir, 'slices');
    const got = [];
    let atNextTurn = -1;
    const d = await lib.Delivery.open({
      journal: { dir: jdir },
      ackMode: 'sent',
      emit: (r) => {
        if (got.push(r.payload) === 1) setImmediate(() => (atNextTurn = got.length));
      },
    });
    // Three accepts in one tick share one journal batch: 3,000 records in one group.
    const calls = [0, 1, 2].map((k) => d.accept(Array.from({ length: 1000 }, (_, i) => ({ payload: k * 1000 + i, source: src }))));
    await Promise.all(calls);
    assert.equal(got.length, 3000, 'every record handed on before accept() resolved');
    assert.deepEqual(got, Array.from({ length: 3000 }, (_, i) => i), 'in the order taken');
    assert.ok(atNextTurn > 0 && atNextTurn < 3000, `the event loop turned while they were handed on (${atNextTurn} by the next turn)`);
    // Again, closing at once: close() waits for the whole batch, and nothing is left to replay.
    const more = d.accept(Array.from({ length: 2000 }, (_, i) => ({ payload: 3000 + i, source: src })));
    await d.close();
    assert.equal(got.length, 5000);
    await more;
    const replayed = [];
    const d2 = await lib.Delivery.open({ journal: { dir: jdir }, ackMode: 'sent', emit: (r) => replayed.push(r.payload) });
    assert.deepEqual(replayed, [], 'all of them acknowledged (sent) before the journal closed');
    await d2.close();
  });

  describe('held records (a reorder window, the events of open calls)', () => {
    let dir;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdrflow-held-'));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
    const src = { vendor: 'vos3000', format: 'vos-pipe', transport: 'tcp', receivedAt: '2024-01-01T00:00:00.000Z' };
    const open = (got, restored, ackMode = 'downstream') =>
      lib.Delivery.open({ journal: { dir }, ackMode, ackTimeoutMs: 3600000, emit: (r, handles, again) => got.push({ r, handles, again }), restore: (held) => restored.push(...held) });

    it('a held record is given back to the source after a restart, never replayed as well: released or not, once', async () => {
      const got = [];
      const d = await open(got, []);
      const seqs = d.hold([{ payload: 'a', source: src }, { payload: 'b', source: src }, { payload: 'c', source: src }]);
      assert.equal(got.length, 0, 'holding hands nothing on');
      d.release(seqs[1], { payload: 'b', source: src });
      assert.deepEqual(got.map((g) => g.r.payload), ['b']);
      await d.flush();
      await d.close();
      const again = [];
      const restored = [];
      const d2 = await open(again, restored);
      assert.deepEqual(again, [], 'nothing held is handed on by the replay');
      assert.deepEqual(restored.map((h) => h.record.payload), ['a', 'b', 'c']);
      assert.deepEqual(restored.map((h) => h.seq), seqs);
      d2.release(restored[0].seq, restored[0].record, true);
      assert.deepEqual(again.map((g) => [g.r.payload, g.again]), [['a', true]]);
      await d2.close();
    });

    it('a held record released while a large batch is still being handed on comes after the records taken before it', async () => {
      const got = [];
      const d = await open(got, [], 'sent');
      const [held] = d.hold([{ payload: 'held', source: src }]);
      await d.flush();
      const taken = d.accept(Array.from({ length: 500 }, (_, i) => ({ payload: i, source: src })));
      // Released once the batch is durable and its hand-on has begun, not finished.
      await new Promise((resolve) => {
        const poll = () => (got.length > 0 ? resolve() : setImmediate(poll));
        poll();
      });
      assert.ok(got.length < 500, 'the batch is still being handed on');
      d.release(held, { payload: 'held', source: src });
      await taken;
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(got.map((g) => g.r.payload), [...Array.from({ length: 500 }, (_, i) => i), 'held']);
      await d.close();
    });

    it('a record naming the held records it consumes lets them go with it, even when their acknowledgement never reached the disk', async () => {
      const got = [];
      const d = await open(got, [], 'sent');
      const events = d.hold([{ payload: 'HOOK_OFF', source: src }, { payload: 'DIAL', source: src }]);
      await d.flush();
      await d.accept([{ payload: { call: 1 }, source: src, consumes: events }]);
      await d.close();
      // The crash tore the acknowledgement entries off: only the record says its events are consumed.
      const seg = fs.readdirSync(dir).filter((n) => n.startsWith('seg-')).sort();
      const acks = [];
      for (const name of seg) {
        const buf = fs.readFileSync(path.join(dir, name));
        const kept = [];
        for (let at = 0; at < buf.length; ) {
          const len = buf.readUInt32BE(at);
          const entry = buf.subarray(at, at + 8 + len);
          if (entry[8] === 0x41) acks.push(entry);
          else kept.push(entry);
          at += 8 + len;
        }
        fs.writeFileSync(path.join(dir, name), Buffer.concat(kept));
      }
      assert.ok(acks.length > 0);
      const again = [];
      const restored = [];
      const d2 = await open(again, restored, 'sent');
      assert.deepEqual(restored, [], 'the events went with their record');
      assert.deepEqual(again.map((g) => g.r.payload), [{ call: 1 }], 'the record is replayed (its own acknowledgement was torn off too)');
      await d2.close();
    });
  });
});

'use strict';
// A TCP source holds its sockets back while records wait for the journal.
// Before, a socket was read as fast as the kernel gave bytes while durable
// groups entered the flow 128 records a turn: a burst of 20,000 records piled
// up whole in the heap (the e2e benchmark's heap reached 600 MB), and a sender
// faster than the flow grew it without bound.
const assert = require('node:assert/strict');
const { EventEmitter } = require('node:events');
const fs = require('node:fs');
const path = require('node:path');
const lib = require('../../../nodes/lib/index');
const { Delivery, INTAKE_HIGH, INTAKE_LOW, UNSYNCED_HIGH, UNSYNCED_LOW } = require('../../../nodes/lib/source/delivery');
const { TcpServer } = require('../../../nodes/lib/transport/tcp-server');
const { UcmGenerator } = require('../../../nodes/lib/sim/ucm');
const { waitFor } = require('../../support/wait');
const { tempDir, removeDir } = require('../transport/helpers');
const { connect, write } = require('../../support/net');

const src = { vendor: 'ucm', format: 'json', transport: 'tcp', receivedAt: '2024-01-01T00:00:00.000Z' };

describe('intake throttle: records waiting for the journal hold the sender back', function () {
  this.timeout(30000);
  let dir;
  beforeEach(() => {
    dir = tempDir('throttle');
  });
  afterEach(() => removeDir(dir));

  // 'downstream': records are handed on once durable, so every record taken waits (INTAKE_HIGH);
  // 'sent': handed on at once, they wait only for their journal batch to be written (UNSYNCED_HIGH).
  for (const [ackMode, high, low] of [['downstream', INTAKE_HIGH, INTAKE_LOW], ['sent', UNSYNCED_HIGH, UNSYNCED_LOW]]) {
    it(`Delivery (${ackMode}): pauses once the backlog reaches its high mark, resumes at its low mark, and hands on everything in order`, async () => {
      const events = [];
      const got = [];
      const d = await Delivery.open({ journal: { dir }, ackMode, emit: (r) => got.push(r.payload) });
      d.setThrottle({ pause: () => events.push(['pause', d.backlog]), resume: () => events.push(['resume', d.backlog]) });
      const n = 3 * high;
      // One record per accept, as a TCP source takes its frames: all in one tick, one journal batch.
      const taken = Array.from({ length: n }, (_, i) => d.accept([{ payload: i, source: src }]));
      assert.deepEqual(events, [['pause', high]], 'paused exactly when the backlog reached the high mark');
      await Promise.all(taken);
      assert.deepEqual(got, Array.from({ length: n }, (_, i) => i), 'every record handed on, in order');
      assert.equal(events.length, 2);
      assert.equal(events[1][0], 'resume');
      // 'sent': they leave together once their batch is written;
      // 'downstream': handed on once durable, a slice of 128 per turn, each slice leaving as it goes.
      const least = ackMode === 'sent' ? 0 : INTAKE_LOW - 127;
      assert.ok(events[1][1] <= low && events[1][1] >= least, `resumed at the low mark (backlog ${events[1][1]})`);
      assert.equal(d.backlog, 0);
      await d.close();
    });
  }

  it('Delivery: while an fsync takes long, a sent-mode source goes on handing records on (up to UNSYNCED_HIGH of them); a downstream one stops at INTAKE_HIGH', async () => {
    // A disk whose fsync stalls, as this machine's did for 100 ms and more: the
    // write is real, its fdatasync answers only when the test lets it.
    const real = fs.fdatasync;
    const stalled = [];
    const release = () => {
      fs.fdatasync = real;
      for (const go of stalled.splice(0)) go();
    };
    try {
      for (const ackMode of ['sent', 'downstream']) {
        const sub = path.join(dir, ackMode);
        const events = [];
        const got = [];
        const d = await Delivery.open({ journal: { dir: sub }, ackMode, emit: (r) => got.push(r.payload) });
        d.setThrottle({ pause: () => events.push(['pause', d.backlog]), resume: () => events.push(['resume', d.backlog]) });
        // Stalled from here on (the journal opened on a disk that answers).
        fs.fdatasync = (fd, cb) => stalled.push(() => real(fd, cb));
        // 5,000 records over 50 turns of the event loop, as a steady sender's reads come.
        const taken = [];
        for (let turn = 0; turn < 50; turn++) {
          for (let i = 0; i < 100; i++) taken.push(d.accept([{ payload: turn * 100 + i, source: src }]));
          await new Promise((resolve) => setImmediate(resolve));
        }
        await waitFor(() => stalled.length > 0, 'an fsync begun');
        if (ackMode === 'sent') {
          assert.equal(got.length, 5000, 'every record in the flow while its fsync waits');
          assert.deepEqual(events, [], 'the sender was not held back for records already in the flow');
          assert.equal(d.backlog, 5000, 'they count until written');
        } else {
          assert.equal(got.length, 0, 'nothing handed on before it is durable');
          assert.deepEqual(events, [['pause', INTAKE_HIGH]], 'held back once INTAKE_HIGH records waited');
        }
        release();
        await Promise.all(taken);
        assert.deepEqual(got, Array.from({ length: 5000 }, (_, i) => i), 'every record handed on, in order');
        assert.equal(d.backlog, 0);
        if (ackMode === 'downstream') assert.equal(events.at(-1)[0], 'resume');
        await d.close();
      }
    } finally {
      release();
    }
  });

  it('TcpServer: a paused server frames nothing, a partial record is not timed out meanwhile, and everything comes on resume', async () => {
    const frames = [];
    const disconnects = [];
    const server = new TcpServer(
      { host: '127.0.0.1', port: 0, framing: 'json', maxFrameBytes: 65536, maxConnections: 4, idleTimeoutMs: 0, frameTimeoutMs: 200 },
      { onFrame: (text) => frames.push(text), onFrameError: () => undefined, onDisconnect: (_p, reason) => disconnects.push(reason) },
    );
    const { port } = await server.listen();
    const s = await connect(port);
    try {
      await write(s, '{"a":1}\n{"b":');
      await waitFor(() => frames.length === 1, 'the first record');
      server.pauseReading();
      await write(s, '2}\n{"c":3}\n');
      // Three frame timeouts pass with a record half read: the sweeper must not count the pause.
      const until = Date.now() + 600;
      await waitFor(() => Date.now() >= until, 'three frame timeouts', 5000, 50);
      assert.deepEqual(frames, ['{"a":1}'], 'nothing framed while paused');
      assert.deepEqual(disconnects, [], 'the sender was not dropped as slow');
      server.resumeReading();
      await waitFor(() => frames.length === 3, 'the records held back');
      assert.deepEqual(frames, ['{"a":1}', '{"b":2}', '{"c":3}']);
    } finally {
      s.destroy();
      await server.close();
    }
  });

  it('ucm-cdr-in over TCP: a burst of 20,000 records never has more than the high mark and one read waiting, and all arrive once, in order', async () => {
    // No cdr-ack after it: 'sent' mode, whose records wait only for their write (UNSYNCED_HIGH).
    const gen = new UcmGenerator({ seed: 8 });
    const legs = Array.from({ length: 20000 }, (_, i) => ({ ...gen.next('leg'), AcctId: `t-${i}` }));
    let peak = 0;
    const accept = Delivery.prototype.accept;
    Delivery.prototype.accept = function (records) {
      const p = accept.call(this, records);
      peak = Math.max(peak, this.backlog);
      return p;
    };
    const node = new EventEmitter();
    const sent = [];
    // Each message costs the flow 30 µs, as nodes after the source would: reading is faster than handing on.
    const send = (m) => {
      const until = process.hrtime.bigint() + 30_000n;
      while (process.hrtime.bigint() < until);
      sent.push(m.payload.AcctId);
    };
    Object.assign(node, { id: 'throttle1', send, error: () => undefined, warn: () => undefined, log: () => undefined, debug: () => undefined, status: () => undefined });
    try {
      lib.runUcmSource(node, { transport: 'tcp', host: '127.0.0.1', port: 0, format: 'json', maxFrameKb: 64 }, { t: (k) => k, userDir: dir, getNode: () => null, eachNode: () => undefined });
      const port = await node.listening;
      const s = await connect(port);
      s.end(legs.map((l) => JSON.stringify(l)).join('\n') + '\n');
      await waitFor(() => sent.length === legs.length, () => `every record: ${sent.length}`, 25000);
      assert.deepEqual(sent, legs.map((l) => l.AcctId));
      // One turn reads at most 32 chunks of 64 KB (libuv): about 2,200 of these ~950-byte records.
      assert.ok(peak >= INTAKE_HIGH, `the burst reached the high mark (${peak})`);
      assert.ok(peak < UNSYNCED_HIGH + 2500, `at most the high mark and one read waited (${peak}); before, the whole burst did`);
    } finally {
      Delivery.prototype.accept = accept;
      await new Promise((resolve) => node.emit('close', false, resolve));
    }
  });
});

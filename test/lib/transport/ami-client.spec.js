'use strict';
const assert = require('node:assert/strict');
const net = require('node:net');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { AmiClient, backoffDelay } = require('../../../nodes/lib/transport/ami-client');
const { AmiSimServer } = require('../../../nodes/lib/sim/ami');
const ami = require('../../../nodes/lib/formats/ami');
const { sample } = require('../../support/asterisk-samples');
const { waitFor } = require('../../support/wait');
const { nextEvent } = require('../../support/events');

function options(port, extra = {}) {
  return {
    host: '127.0.0.1', port, username: 'cdruser', secret: 'cdrpass', events: 'cdr',
    pingIntervalMs: 0, pingTimeoutMs: 1000, connectTimeoutMs: 2000,
    backoff: { initialMs: 20, maxMs: 200, jitter: 0 }, ...extra,
  };
}

/** A client that records its statuses and events. */
function client(opts) {
  const c = new AmiClient(opts);
  c.statuses = [];
  c.received = [];
  c.on('status', (s) => c.statuses.push(s));
  c.on('event', (m) => c.received.push(m));
  return c;
}

describe('transport/ami-client', () => {
  let sim;
  let c;
  beforeEach(async () => {
    sim = new AmiSimServer();
    await sim.listen(0);
  });
  afterEach(async () => {
    if (c) await c.close();
    c = null;
    await sim.stop();
  });

  it('logs in asking only for cdr events, and receives Cdr events', async () => {
    c = client(options(sim.port));
    c.start();
    await nextEvent(c, 'status', (s) => s.state === 'connected');
    assert.deepEqual(c.statuses.map((s) => s.state), ['connecting', 'connected']);
    // The session asked for `Events: cdr`: CEL (class call) and FullyBooted (system) are not sent to it.
    assert.equal(sim.sendCel(sim.celFor(sim.nextCdr(), 'CHAN_START')), 0);
    sim.burst(3);
    await waitFor(() => c.received.length === 3, '3 events');
    assert.deepEqual(c.received.map((m) => ami.eventName(m)), ['Cdr', 'Cdr', 'Cdr']);
  });

  it('with events "cdr,call" also receives CEL', async () => {
    c = client(options(sim.port, { events: 'cdr,call' }));
    c.start();
    await nextEvent(c, 'status', (s) => s.state === 'connected');
    sim.burst(2, { cel: true });
    await waitFor(() => c.received.length === 6, '6 events');
    assert.deepEqual(c.received.map((m) => ami.eventName(m)), ['CEL', 'Cdr', 'CEL', 'CEL', 'Cdr', 'CEL']);
  });

  for (const name of ['ami-cdr-only-session-part1.txt', 'ami-full-session-part1.txt']) {
    it(`reads the real capture ${name} sent byte for byte by the server: 50 Cdr events, values intact`, async () => {
      const capture = sample(name);
      sim.tape = capture;
      c = client(options(sim.port, { events: 'cdr,call' }));
      c.start();
      await waitFor(() => c.received.filter((m) => ami.eventName(m) === 'Cdr').length === 50, '50 Cdr events');
      const expected = new ami.AmiFramer().push(capture)
        .filter((f) => f.kind === 'message' && ami.eventName(f.message) !== undefined)
        .map((f) => ami.messageText(f.message));
      assert.deepEqual(c.received.map(ami.messageText), expected);
      assert.equal(c.status.state, 'connected');
    });
  }

  it('reads a capture that arrives in many small pieces', async () => {
    const capture = sample('ami-cdr-only-session-part1.txt');
    const server = net.createServer(async (s) => {
      s.setNoDelay(true);
      s.on('data', (d) => { if (String(d).includes('Logoff')) s.end(); });
      for (let i = 0; i < capture.length; i += 13) {
        if (!s.write(capture.subarray(i, i + 13))) await new Promise((r) => s.once('drain', r));
        if (i % 1300 === 0) await new Promise((r) => setImmediate(r));
      }
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    try {
      c = client(options(server.address().port));
      c.start();
      await waitFor(() => c.received.length === 50, '50 events');
      assert.equal(ami.header(c.received[49], 'Sequence'), new ami.AmiFramer().push(capture).filter((f) => f.kind === 'message').map((f) => ami.header(f.message, 'Sequence')).pop());
    } finally {
      await c.close();
      c = null;
      server.close();
    }
  });

  it('reconnects and logs in again after the server restarts mid-stream, and gets the events after it', async () => {
    c = client(options(sim.port));
    c.start();
    await nextEvent(c, 'status', (s) => s.state === 'connected');
    sim.burst(2);
    await waitFor(() => c.received.length === 2, 'first events');
    const reconnected = nextEvent(c, 'status', (s) => s.state === 'connected');
    await sim.restart();
    await reconnected;
    assert.ok(c.statuses.some((s) => s.state === 'disconnected' && s.reason === 'connection closed by the server'));
    assert.equal(sim.logins, 2);
    sim.burst(3);
    await waitFor(() => c.received.length === 5, 'events after restart');
    // The restarted PBX counts UniqueIDs from 0 again.
    assert.match(ami.header(c.received[2], 'UniqueID'), /\.0$/);
  });

  it('detects a half-open peer (no Pong) and reconnects', async () => {
    c = client(options(sim.port, { pingIntervalMs: 30, pingTimeoutMs: 100 }));
    c.start();
    await nextEvent(c, 'status', (s) => s.state === 'connected');
    await waitFor(() => c.stats.pings >= 2, 'pings answered');
    const lost = nextEvent(c, 'status', (s) => s.state === 'disconnected');
    sim.answering = false; // the peer stays connected but says nothing
    const s = await lost;
    assert.match(s.reason, /no answer to Ping within 100 ms/);
    sim.answering = true;
    await nextEvent(c, 'status', (x) => x.state === 'connected');
    // The dead socket was destroyed by us: only the new session is left at the server.
    await waitFor(() => sim.openSockets === 1, 'old socket gone');
    sim.burst(1);
    await waitFor(() => c.received.length === 1, 'event on the new connection');
  });

  it('reports a wrong secret with the server\'s message, and backs off exponentially instead of hammering', async () => {
    c = client(options(sim.port, { secret: 'wrong', backoff: { initialMs: 20, maxMs: 80, jitter: 0 } }));
    c.start();
    await waitFor(() => c.statuses.filter((s) => s.state === 'login-failed').length >= 4, 'four failures');
    const failed = c.statuses.filter((s) => s.state === 'login-failed');
    assert.equal(failed[0].reason, 'login refused: Authentication failed');
    assert.deepEqual(failed.slice(0, 4).map((s) => s.retryInMs), [20, 40, 80, 80]);
    assert.deepEqual(failed.slice(0, 4).map((s) => s.attempt), [1, 2, 3, 4]);
    assert.ok(!c.statuses.some((s) => s.state === 'connected'));
  });

  it('keeps a failed login red until a good one, then counts from the start again', async () => {
    const users = { cdruser: { secret: 'other', read: 'cdr' } };
    await sim.stop();
    sim = new AmiSimServer({ users });
    await sim.listen(0);
    c = client(options(sim.port));
    c.start();
    await nextEvent(c, 'status', (s) => s.state === 'login-failed');
    users.cdruser.secret = 'cdrpass'; // the admin fixes manager.conf
    const up = await nextEvent(c, 'status', (s) => s.state === 'connected');
    assert.equal(up.attempt, 0);
  });

  it('reports an unreachable port and keeps retrying until it listens', async () => {
    const probe = net.createServer();
    await new Promise((r) => probe.listen(0, '127.0.0.1', r));
    const port = probe.address().port;
    await new Promise((r) => probe.close(r));
    c = client(options(port));
    c.start();
    const s = await nextEvent(c, 'status', (x) => x.state === 'disconnected');
    assert.match(s.reason, /connection refused by 127\.0\.0\.1:\d+/);
    await waitFor(() => c.statuses.filter((x) => x.state === 'disconnected').length >= 2, 'a retry');
  });

  it('reports a host name that does not resolve', async () => {
    c = client(options(5038, { host: 'no-such-pbx.invalid' }));
    c.start();
    const s = await nextEvent(c, 'status', (x) => x.state === 'disconnected');
    assert.match(s.reason, /cannot resolve host name "no-such-pbx\.invalid"/);
  });

  it('gives up on a server that accepts but never sends a banner, within the connect timeout', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise((r) => silent.listen(0, '127.0.0.1', r));
    try {
      c = client(options(silent.address().port, { connectTimeoutMs: 100 }));
      c.start();
      const s = await nextEvent(c, 'status', (x) => x.state === 'disconnected');
      assert.match(s.reason, /no answer from 127\.0\.0\.1:\d+ within 100 ms/);
    } finally {
      await c.close();
      c = null;
      silent.close();
    }
  });

  it('close() logs off, waits for the socket to close and does not reconnect', async () => {
    c = client(options(sim.port));
    c.start();
    await nextEvent(c, 'status', (s) => s.state === 'connected');
    await c.close();
    assert.equal(c.status.state, 'closed');
    await waitFor(() => sim.openSockets === 0, 'server side closed');
    // No timer is left that could reconnect or ping.
    for (const t of ['retryTimer', 'pingTimer', 'pongTimer', 'connectTimer']) assert.equal(c[t], null, t);
    c.start();
    assert.equal(c.status.state, 'closed');
    c = null;
  });

  it('close() on a half-open peer and during a backoff still resolves', async () => {
    c = client(options(sim.port));
    c.start();
    await nextEvent(c, 'status', (s) => s.state === 'connected');
    sim.answering = false;
    await c.close();
    assert.equal(c.status.state, 'closed');
    c = client(options(1, { host: 'no-such-pbx.invalid', backoff: { initialMs: 60000, maxMs: 60000, jitter: 0 } }));
    c.start();
    await nextEvent(c, 'status', (x) => x.state === 'disconnected');
    await c.close();
    assert.equal(c.status.state, 'closed');
  });

  it('connects over TLS', async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ami-tls-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
        '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
    } catch {
      this.skip(); // no openssl on this machine
    }
    const cert = fs.readFileSync(path.join(dir, 'cert.pem'));
    const tlsSim = new AmiSimServer({ tls: { key: fs.readFileSync(path.join(dir, 'key.pem')), cert } });
    await tlsSim.listen(0);
    try {
      c = client(options(tlsSim.port, { host: 'localhost', tls: { ca: [cert] } }));
      c.start();
      await nextEvent(c, 'status', (s) => s.state === 'connected');
      tlsSim.burst(1);
      await waitFor(() => c.received.length === 1, 'event over TLS');
      await c.close();
      c = null;
    } finally {
      await tlsSim.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a listener that throws does not stop the client: it is reported and the next event is read', async () => {
    c = client(options(sim.port));
    const reported = [];
    c.on('frame-error', (err, raw) => reported.push([err.message, raw]));
    let calls = 0;
    c.on('event', () => { calls++; if (calls === 1) throw new Error('boom'); });
    c.start();
    await nextEvent(c, 'status', (s) => s.state === 'connected');
    sim.burst(2);
    await waitFor(() => calls === 2, 'second event after the throw');
    assert.equal(reported.length, 1);
    assert.match(reported[0][0], /event handler failed: boom/);
    assert.match(reported[0][1], /^Event: Cdr\r\n/);
    assert.equal(c.status.state, 'connected');
  });

  it('survives binary garbage and an oversized message on the connection, and reads the events after them', async () => {
    c = client(options(sim.port, { maxMessageBytes: 4096 }));
    const reported = [];
    c.on('frame-error', (err) => reported.push(err.message));
    c.start();
    await nextEvent(c, 'status', (s) => s.state === 'connected');
    const garbage = Buffer.alloc(3000);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 151 + 7) % 256;
    sim.sendRaw(Buffer.concat([garbage, Buffer.from('\r\n\r\n')]));
    sim.sendRaw(`Event: Cdr\r\nX: ${'y'.repeat(10000)}\r\n\r\n`);
    sim.burst(2);
    await waitFor(() => c.received.filter((m) => ami.eventName(m) === 'Cdr').length === 2, 'events after the junk');
    assert.ok(reported.some((m) => /larger than 4096/.test(m)));
    assert.equal(c.status.state, 'connected');
  });

  it('backoffDelay grows exponentially, is capped, and jitters within bounds', () => {
    const o = { initialMs: 1000, maxMs: 60000, jitter: 0.5 };
    assert.equal(backoffDelay(0, o, () => 1), 1000);
    assert.equal(backoffDelay(3, o, () => 1), 8000);
    assert.equal(backoffDelay(20, o, () => 1), 60000);
    assert.equal(backoffDelay(0, o, () => 0), 500);
    assert.equal(backoffDelay(100, o, () => 0), 30000);
    for (let i = 0; i < 50; i++) {
      const d = backoffDelay(4, o);
      assert.ok(d >= 8000 && d <= 16000, String(d));
    }
  });
});

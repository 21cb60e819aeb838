'use strict';
// Issue 14, "Hostile or broken senders": a listener's connection slots cannot be held.
// On every TCP, TLS, HTTP and HTTPS listener of every source node, with the node's
// default limits, the whole limit is taken by idle connections and by connections that
// trickle 1 byte/s; a new sender must still get a record through within 5 s.
const assert = require('node:assert/strict');
const dgram = require('node:dgram');
const net = require('node:net');
const tls = require('node:tls');
const helper = require('node-red-node-test-helper');
const { request } = require('../support/http');
const { waitFor } = require('../support/wait');
const { LISTENERS, loadListener } = require('../support/listeners'); // starts the test helper on this process's userDir

/** Holders come from several loopback addresses (the sender's among them), so no per-address share stops them. */
const HOLDER_ADDRESSES = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6', '127.0.0.7', '127.0.0.8'];

function track(s, all) {
  all.push(s);
  s.on('error', () => undefined);
  s.gone = new Promise((r) => s.once('close', r));
  return s;
}

function tcpFrom(port, localAddress, all) {
  return new Promise((resolve, reject) => {
    const s = track(net.connect({ port, host: '127.0.0.1', localAddress }), all);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

function tlsFrom(port, localAddress, ca, all) {
  return new Promise((resolve, reject) => {
    const s = track(tls.connect({ port, host: '127.0.0.1', localAddress, ca, servername: 'localhost' }), all);
    s.once('secureConnect', () => resolve(s));
    s.once('error', reject);
  });
}

/** The start of a record that never ends, then 1 byte a second. */
function trickle(s, kind, framing, timers) {
  const start = kind === 'http' || kind === 'https' ? 'POST /cdr HTTP/1.1\r\nHost: pbx\r\nX-Slow: ' : framing === 'json' ? '{"slow":"' : 'slow';
  s.write(start);
  timers.push(setInterval(() => s.writable && s.write('x'), 1000));
}

describe('hostile senders: a held connection limit never locks a sender out', function () {
  this.timeout(60000);
  let sockets = [];
  let timers = [];
  afterEach(async () => {
    for (const t of timers) clearInterval(t);
    for (const s of sockets) s.destroy();
    sockets = [];
    timers = [];
    await helper.unload();
  });

  for (const l of LISTENERS.filter((x) => x.kind !== 'udp')) {
    it(`${l.name}: the default limit (${l.max}) held by idle and 1 B/s connections, a new sender gets through within 5 s`, async () => {
      const { port, got } = await loadListener(l);
      const ca = got.cert.cert;
      const secure = l.kind === 'tls' || l.kind === 'https';
      // Half idle (a bare TCP connection: no handshake, no byte), half trickling 1 B/s (over TLS where the listener is).
      const opening = [];
      for (let i = 0; i < l.max; i++) {
        const from = HOLDER_ADDRESSES[i % HOLDER_ADDRESSES.length];
        if (i % 2 === 0) opening.push(tcpFrom(port, from, sockets));
        else opening.push((secure ? tlsFrom(port, from, ca, sockets) : tcpFrom(port, from, sockets)).then((s) => trickle(s, l.kind, l.framing, timers)));
      }
      await Promise.all(opening);
      const held = sockets.length;
      assert.equal(held, l.max);
      // Let the trickles run: they now send bytes, and have for over a second.
      await new Promise((r) => setTimeout(r, 1500));

      const t0 = Date.now();
      const good = l.good();
      if (l.kind === 'http' || l.kind === 'https') {
        const res = await request({ port, path: '/cdr', body: good.body, headers: { 'Content-Type': good.contentType }, secure: l.kind === 'https', ca });
        assert.equal(res.status, 200, res.body);
      } else {
        const s = l.kind === 'tls' ? await tlsFrom(port, '127.0.0.1', ca, sockets) : await tcpFrom(port, '127.0.0.1', sockets);
        s.write(good);
      }
      await waitFor(() => got.records.length === l.records, 'the new sender\'s record', 5000);
      const ms = Date.now() - t0;
      assert.ok(ms < 5000, `took ${ms} ms`);
      // Room was made by holders, not by refusing the sender.
      await waitFor(() => sockets.slice(0, held).some((s) => s.destroyed), 'a holder yielded', 5000);
      assert.deepEqual(got.errors.filter((m) => /MISSING/.test(m.error?.message)), []);
    });
  }

  // UDP has no connection to hold: what a hostile sender can do there is flood. Every good
  // datagram among 2,000 datagrams of bad lines arrives, and the errors come folded.
  for (const l of LISTENERS.filter((x) => x.kind === 'udp')) {
    it(`${l.name}: good datagrams among a flood of bad lines all arrive; errors folded`, async () => {
      const { port, got } = await loadListener(l);
      const sock = dgram.createSocket('udp4');
      const bad = Buffer.from(Array.from({ length: 30 }, (_, i) => `bad ${i} | line \u0001\n`).join(''));
      const GOOD = 100;
      for (let i = 0; i < GOOD; i++) {
        for (let k = 0; k < 20; k++) await new Promise((r) => sock.send(bad, port, '127.0.0.1', r));
        await new Promise((r) => sock.send(Buffer.from(l.good()), port, '127.0.0.1', r));
        if (i % 5 === 4) await new Promise((r) => setTimeout(r, 10));
      }
      sock.close();
      await waitFor(() => got.records.length === GOOD * l.records, () => `every good record (${got.records.length} of ${GOOD * l.records})`, 30000);
      // 2,000 datagrams × 30 bad lines = 60,000 bad lines.
      assert.ok(got.errors.length < 60000 / 100, `${got.errors.length} error messages`);
      assert.ok(got.errors.length > 0);
    });
  }

  it('fs-cdr-in: a 4 MB POST costs nothing to parse: 413 naming the limit and the setting (default 1 MB), declared or chunked; a record under it is taken', async () => {
    const l = LISTENERS.find((x) => x.name === 'fs-cdr-in HTTP');
    const { port, got } = await loadListener(l);
    const good = l.good();
    // A real record padded to 4 MB inside a variable, as a huge callflow would be.
    const huge = good.body.replace('<variables>', `<variables><pad>${'x'.repeat(4 * 1024 * 1024)}</pad>`);
    const declared = await request({ port, path: '/cdr', body: huge, headers: { 'Content-Type': good.contentType } }).catch((err) => ({ status: 0, body: String(err) }));
    assert.equal(declared.status, 413, declared.body);
    assert.match(declared.body, /over the 1048576-byte limit \(Largest record/);
    const chunked = await request({ port, path: '/cdr', body: huge, headers: { 'Content-Type': good.contentType, 'Content-Length': undefined } }).catch((err) => ({ status: 0, body: String(err) }));
    assert.ok(chunked.status === 413 || chunked.status === 0, `chunked: ${chunked.status}`);
    assert.equal(got.records.length, 0);
    const warnings = helper.log().args.map((a) => a[0]).filter((e) => e.id === 'src' && e.level === 30).map((e) => String(e.msg));
    assert.ok(warnings.some((w) => /413/.test(w) && /Largest record/.test(w)), warnings.join('\n'));
    const ok = await request({ port, path: '/cdr', body: good.body, headers: { 'Content-Type': good.contentType } });
    assert.equal(ok.status, 200);
    await waitFor(() => got.records.length === 1, 'the normal record');
  });

  it('vos-cdr-in TCP: a slow sender is closed after the record timeout, whatever the limit', async () => {
    const l = LISTENERS.find((x) => x.name === 'vos-cdr-in TCP');
    const { port, n } = await loadListener(l);
    const s = await tcpFrom(port, '127.0.0.1', sockets);
    trickle(s, 'tcp', 'line', timers);
    await s.gone; // 30 s by default (TCP_DEFAULTS.frameTimeoutMs)
    assert.ok(n);
  }).timeout(60000);
});

'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { helper, core, load, collect, logs, userDir } = require('../support/red');
const { waitFor } = require('../support/wait');
const { connect, write } = require('../support/net');
const { request } = require('../support/http');
const { testCertificate } = require('../support/tls');
const { ucmSampleRecords } = require('../support/samples');
const ucmNode = require('../../nodes/ucm-cdr-in.js');
const ackNode = require('../../nodes/cdr-ack.js');
const { ucmToXml, ucmToJson, UcmGenerator, UcmSender } = require('../../nodes/lib/sim/ucm');

function flow(props = {}) {
  return [
    { id: 'u', type: 'ucm-cdr-in', name: '', transport: 'tcp', host: '127.0.0.1', port: 0, format: 'auto', wires: [['out']], ...props },
    { id: 'out', type: 'helper' },
    { id: 'c', type: 'catch', scope: null, uncaught: false, wires: [['err']] },
    { id: 'err', type: 'helper' },
  ];
}

async function start(props, credentials, extra = []) {
  await load([ucmNode, core.catch, core.tls], [...flow(props), ...extra], credentials);
  const out = collect('out');
  const err = collect('err');
  const port = await helper.getNode('u').listening;
  return { out, err, port };
}

describe('ucm-cdr-in node', function () {
  this.timeout(30000);
  const samples = ucmSampleRecords();

  afterEach(async () => {
    await helper.unload();
  });

  it('registers and sends every sample record pushed as JSON over TCP, with the message contract', async () => {
    const { out, port } = await start();
    const s = await connect(port);
    await write(s, samples.map(ucmToJson).join('\n'));
    await waitFor(() => out.length === samples.length, 'all records');
    assert.deepEqual(out.map((m) => m.payload), samples);
    const m = out[0];
    assert.equal(m.topic, 'ucm');
    assert.equal(m.source.vendor, 'ucm');
    assert.equal(m.source.format, 'json');
    assert.equal(m.source.transport, 'tcp');
    assert.equal(m.source.address, '127.0.0.1');
    assert.equal(m.source.port, s.localPort);
    assert.ok(Date.now() - Date.parse(m.source.receivedAt) < 60000);
    s.destroy();
  });

  it('sends every sample record pushed as XML, each record written in two pieces at many boundaries', async () => {
    const { out, port } = await start({ format: 'xml', topic: 'pbx-7' });
    const s = await connect(port);
    let expected = 0;
    for (const record of samples) {
      const bytes = Buffer.from(ucmToXml(record));
      for (const cut of [1, 7, Math.floor(bytes.length / 3), Math.floor(bytes.length / 2), bytes.length - 1]) {
        await write(s, bytes.subarray(0, cut));
        await new Promise((r) => setImmediate(r));
        await write(s, bytes.subarray(cut));
        expected++;
      }
    }
    await waitFor(() => out.length === expected, 'all pieces reassembled');
    assert.deepEqual(out.map((m) => m.payload), samples.flatMap((r) => [r, r, r, r, r]));
    assert.ok(out.every((m) => m.topic === 'pbx-7' && m.source.format === 'xml'));
    s.destroy();
  });

  it('receives a 10,000-record burst on one connection with none lost', async () => {
    const { out, err, port } = await start();
    const gen = new UcmGenerator({ seed: 7 });
    const records = Array.from({ length: 10000 }, () => gen.next('leg'));
    const s = await connect(port);
    await write(s, records.map(ucmToJson).join(''));
    await waitFor(() => out.length === 10000, '10,000 records', 20000);
    assert.equal(new Set(out.map((m) => m.payload.AcctId)).size, 10000);
    assert.deepEqual(out[9999].payload, records[9999]);
    assert.equal(err.length, 0);
    s.destroy();
  });

  it('delivers a UCM outage backlog in a burst when the receiver comes back', async () => {
    // Find a free port, leave it closed while the "UCM" buffers, then start the node on it.
    const probe = net.createServer();
    await new Promise((r) => probe.listen(0, '127.0.0.1', r));
    const port = probe.address().port;
    await new Promise((r) => probe.close(r));
    const sender = new UcmSender({ transport: 'tcp', host: '127.0.0.1', port, format: 'json' });
    const gen = new UcmGenerator({ seed: 3 });
    for (let i = 0; i < 300; i++) await sender.send(gen.next(i % 2 ? 'group' : 'leg'));
    assert.equal(sender.stats.buffered, 300);
    const { out } = await start({ port });
    await sender.flush();
    await waitFor(() => out.length === 300, 'backlog delivered');
    assert.equal(sender.stats.buffered, 0);
    await sender.close();
  });

  it('reports oversize and garbage frames to a catch node with the raw text, and reads the next record', async () => {
    const { out, err, port } = await start({ maxFrameKb: 1 });
    const s = await connect(port);
    const good = samples[1];
    await write(s, JSON.stringify({ src: 'x'.repeat(3000), dst: '1', start: '1' }));
    await write(s, Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x01]));
    await write(s, '{"not":"a cdr"}');
    await write(s, JSON.stringify(good));
    await waitFor(() => out.length === 1 && err.some((m) => m.payload === '{"not":"a cdr"}'), 'the errors and the good record');
    assert.deepEqual(out[0].payload, good);
    assert.ok(err.every((m) => /bad-record/.test(m.error.message)));
    assert.ok(err[0].payload.startsWith('{"src":"xxx'), 'oversize frame reported with its head');
    // The garbage is reported (a NUL inside it splits it into two reports).
    assert.ok(err.slice(1, -1).length >= 1 && err.slice(1, -1).every((m) => m.payload.includes('\ufffd') || /[\x00-\x08]/.test(m.payload)));
    assert.equal(err.at(-1).source.vendor, 'ucm');
    s.destroy();
  });

  it('reports a record cut short when the UCM drops the connection, and keeps listening', async () => {
    const { out, err, port } = await start();
    const s = await connect(port);
    await write(s, JSON.stringify(samples[1]) + '{"src":"1","dst":');
    s.destroy();
    await waitFor(() => out.length === 1 && err.length === 1, 'record and truncation');
    const s2 = await connect(port);
    await write(s2, JSON.stringify(samples[2]));
    await waitFor(() => out.length === 2, 'next connection read');
    s2.destroy();
  });

  it('closes idle connections, makes room over the limit (the longest-idle yields), and enforces the allow-list', async () => {
    let ctx = await start({ idleTimeoutSec: 1, maxConnections: 1 });
    const a = await connect(ctx.port);
    const b = await connect(ctx.port);
    await a.gone; // yields its slot to b: a full listener never turns a new sender away
    await b.gone; // idle after 1 s
    await helper.unload();
    ctx = await start({ allow: '192.0.2.0/24' });
    const c = await connect(ctx.port);
    await c.gone;
    assert.equal(ctx.out.length, 0);
  });

  it('HTTP: a POST is answered 200 after the record was sent; bad bodies 400; GET 405; oversize 413', async () => {
    const { out, err, port } = await start({ transport: 'http', maxFrameKb: 64 });
    const leg = samples[1];
    const ok = await request({ port, path: '/anything', body: JSON.stringify({ cdr_root: [leg, samples[0]] }), headers: { 'Content-Type': 'application/json' } });
    assert.equal(ok.status, 200);
    assert.equal(out.length, 2, 'sent before the answer');
    assert.equal(out[0].source.transport, 'http');
    const xml = await request({ port, body: ucmToXml(leg), headers: { 'Content-Type': 'text/xml' } });
    assert.equal(xml.status, 200);
    assert.deepEqual(out[2].payload, leg);
    assert.equal((await request({ port, body: 'hello', headers: { 'Content-Type': 'text/plain' } })).status, 400);
    await waitFor(() => err.length === 1, 'error reported');
    assert.equal(err[0].payload, 'hello');
    assert.equal((await request({ port, method: 'GET' })).status, 405);
    assert.equal((await request({ port, body: 'x'.repeat(70 * 1024) })).status, 413);
    assert.equal(out.length, 3);
  });

  it('HTTP: Basic auth right, wrong and missing', async () => {
    const { out, port } = await start({ transport: 'http', path: '/cdr' }, { u: { username: 'ucm', password: 'pa55' } });
    const body = JSON.stringify(samples[1]);
    assert.equal((await request({ port, path: '/cdr', body })).status, 401);
    assert.equal((await request({ port, path: '/cdr', body, auth: 'ucm:nope' })).status, 401);
    assert.equal(out.length, 0);
    assert.equal((await request({ port, path: '/cdr', body, auth: 'ucm:pa55' })).status, 200);
    assert.equal((await request({ port, path: '/other', body, auth: 'ucm:pa55' })).status, 404);
    assert.equal(out.length, 1);
  });

  it('HTTPS and TCP over TLS with a tls-config node', async () => {
    const cert = testCertificate();
    const tlsConfig = { id: 't', type: 'tls-config', cert: cert.certFile, key: cert.keyFile, ca: '', verifyservercert: false };
    let ctx = await start({ transport: 'https', tls: 't' }, {}, [tlsConfig]);
    const res = await request({ port: ctx.port, body: JSON.stringify(samples[1]), secure: true, ca: cert.cert });
    assert.equal(res.status, 200);
    assert.equal(ctx.out[0].source.transport, 'https');
    await helper.unload();
    ctx = await start({ transport: 'tcp', useTls: true, tls: 't' }, {}, [tlsConfig]);
    const tls = require('node:tls');
    const s = tls.connect({ host: '127.0.0.1', port: ctx.port, ca: cert.cert, servername: 'localhost' });
    await new Promise((r) => s.once('secureConnect', r));
    s.write(ucmToJson(samples[2]));
    await waitFor(() => ctx.out.length === 1, 'TLS record');
    assert.equal(ctx.out[0].source.transport, 'tls');
    s.destroy();
  });

  it('a redeploy on the same port rebinds at once', async () => {
    const probe = net.createServer();
    await new Promise((r) => probe.listen(0, '127.0.0.1', r));
    const port = probe.address().port;
    await new Promise((r) => probe.close(r));
    const { out } = await start({ port });
    const s = await connect(port);
    await write(s, ucmToJson(samples[1]));
    await waitFor(() => out.length === 1, 'first record');
    await helper.setFlows([...flow({ port, topic: 'after' })], 'full');
    const again = await helper.getNode('u').listening;
    assert.equal(again, port);
    await s.gone; // the old node closed its connections
    const out2 = collect('out');
    const s2 = await connect(port);
    await write(s2, ucmToJson(samples[2]));
    await waitFor(() => out2.length === 1, 'record after redeploy');
    assert.equal(out2[0].topic, 'after');
    assert.equal(logs('u', 'error').length, 0);
    s2.destroy();
  });

  it('invalid settings give a clear error and a red status, and nothing crashes', async () => {
    await load([ucmNode], [{ id: 'u', type: 'ucm-cdr-in', transport: 'tcp', port: 'abc', allow: 'not-an-ip', wires: [] }]);
    // One error per wrong setting (the port and the allow-list).
    assert.equal(logs('u', 'error').length, 2);
    await helper.unload();
    await load([ucmNode], [{ id: 'u', type: 'ucm-cdr-in', transport: 'https', port: 0, wires: [] }]);
    assert.equal(logs('u', 'error').length, 1);
  });

  it('reports a port in use in its status and keeps running', async () => {
    const blocker = net.createServer();
    await new Promise((r) => blocker.listen(0, '127.0.0.1', r));
    const port = blocker.address().port;
    await load([ucmNode], [{ id: 'u', type: 'ucm-cdr-in', transport: 'tcp', host: '127.0.0.1', port, wires: [] }]);
    await waitFor(() => logs('u', 'error').length === 1, 'listen error');
    await new Promise((r) => blocker.close(r));
  });

  it('over TCP, reports the records a full journal refuses, each with its record, and hands on the ones it took', async () => {
    // The helper never passes a message on: with the cdr-ack after it nothing is acknowledged, and 1 MB fills.
    const extra = [{ id: 'ack', type: 'cdr-ack', wires: [] }];
    await load([ucmNode, ackNode, core.catch], [...flow({ journalMaxMb: 1, ackTimeoutSec: 3600, journalDir: fs.mkdtempSync(path.join(userDir, 'journal-')) }).map((n) => (n.id === 'out' ? { ...n, wires: [['ack']] } : n)), ...extra]);
    const out = collect('out');
    const err = collect('err');
    const port = await helper.getNode('u').listening;
    const gen = new UcmGenerator({ seed: 5 });
    const legs = Array.from({ length: 1500 }, (_, i) => ({ ...gen.next('leg'), AcctId: `full-${i}` }));
    const s = await connect(port);
    await write(s, legs.map((l) => `${JSON.stringify(l)}\n`).join(''));
    await waitFor(() => err.length > 0 && out.length > 0 && out.length + countedErrors() === legs.length, 'every record handed on or refused');
    // The first refusal is reported with the refused record (later ones are folded into a count).
    assert.match(helper.getNode('u').status.lastCall.args[0].text, /journal full/);
    const refused = JSON.parse(err[0].payload);
    assert.equal(refused.AcctId, `full-${out.length}`);
    assert.deepEqual(out.map((m) => m.payload.AcctId), legs.slice(0, out.length).map((l) => l.AcctId));
    s.destroy();

    function countedErrors() {
      return Number(/(\d+) err/.exec(helper.getNode('u').status.lastCall?.args[0]?.text ?? '')?.[1] ?? 0);
    }
  });
});

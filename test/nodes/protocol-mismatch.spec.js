'use strict';
// Issue 12 §3: a sender set up for another protocol (HTTP on a TCP listener, TLS on a
// plain one, plain on TLS, XML where the Format is JSON and the reverse) gets ONE error
// that names the mistake and the setting that fixes it, on every listener of every
// source node; the listener then reads on and takes the next good record.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const tls = require('node:tls');
const helper = require('node-red-node-test-helper');
const { request } = require('../support/http');
const { waitFor } = require('../support/wait');
const { LISTENERS, loadListener, ucmRecord } = require('../support/listeners'); // starts the test helper on this process's userDir

const LOCALES = path.resolve(__dirname, '..', '..', 'nodes', 'locales', 'en-US');
const sentence = (type, kind) => JSON.parse(fs.readFileSync(path.join(LOCALES, `${type}.json`), 'utf8'))[type].mismatch[kind];

function errorsOf(id) {
  return helper
    .log()
    .args.map((a) => a[0])
    .filter((e) => e.id === id && e.level === 20)
    .map((e) => String(e.msg));
}

function rawTcp(port) {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.on('error', () => undefined);
    s.gone = new Promise((r) => s.once('close', r));
    s.answer = '';
    s.on('data', (d) => (s.answer += d));
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** What a UCM set to HTTP sends: a whole POST with a JSON record. */
function httpRequestBytes() {
  const body = ucmRecord();
  return `POST /cdr HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

const MISTAKES = {
  /** A sender set to HTTPS on a TCP listener with TLS: the handshake passes, then it speaks HTTP. */
  async 'https-on-tls'(port) {
    const s = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false });
    s.on('error', () => undefined);
    s.answer = '';
    s.on('data', (d) => (s.answer += d));
    await new Promise((r) => s.once('secureConnect', r));
    s.write(httpRequestBytes());
    await new Promise((r) => s.once('close', r));
    return s.answer;
  },
  /** An HTTP request on a TCP (or TLS) listener. */
  async 'http-on-tcp'(port) {
    const s = await rawTcp(port);
    s.write(httpRequestBytes());
    await s.gone;
    return s.answer;
  },
  /** A TLS client on a plain listener. */
  async 'tls-on-plain'(port) {
    const s = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false });
    s.on('error', () => undefined);
    await new Promise((r) => s.once('close', r));
  },
  /** Plain bytes on a TLS listener (a record, as a sender without TLS sends it). */
  async 'plain-on-tls'(port, l) {
    const s = await rawTcp(port);
    s.write(l.kind === 'https' ? ucmRecord() : l.good());
    await s.gone;
  },
  /** A plain HTTP POST on an HTTPS listener: the client is told why. */
  async 'http-on-https'(port, l) {
    const good = l.good();
    const res = await request({ port, path: '/cdr', body: good.body, headers: { 'Content-Type': good.contentType } });
    assert.equal(res.status, 400);
    return res.body;
  },
  /** Raw record bytes on an HTTP listener (a UCM set to TCP). */
  async 'data-on-http'(port) {
    const s = await rawTcp(port);
    s.write(ucmRecord());
    await s.gone;
  },
};

const CASES = {
  tcp: ['http-on-tcp', 'tls-on-plain'],
  tls: ['http-on-tcp', 'https-on-tls', 'plain-on-tls'],
  http: ['tls-on-plain', 'data-on-http'],
  https: ['http-on-https', 'plain-on-tls'],
};

/** The good record a correctly set-up sender sends, after the mistake. */
async function sendGood(l, port, ca) {
  const good = l.good();
  if (l.kind === 'http' || l.kind === 'https') {
    const res = await request({ port, path: '/cdr', body: good.body, headers: { 'Content-Type': good.contentType }, secure: l.kind === 'https', ca });
    assert.equal(res.status, 200, res.body);
    return null;
  }
  const s = l.kind === 'tls' ? tls.connect({ port, host: '127.0.0.1', ca, servername: 'localhost' }) : net.connect({ port, host: '127.0.0.1' });
  s.on('error', () => undefined);
  await new Promise((r) => s.once(l.kind === 'tls' ? 'secureConnect' : 'connect', r));
  s.write(good);
  return s;
}

describe('protocol mismatch: one error that names the mistake and the fix, on every listener', function () {
  this.timeout(30000);
  const open = [];
  afterEach(async () => {
    for (const s of open.splice(0)) s?.destroy();
    await helper.unload();
  });

  for (const l of LISTENERS.filter((x) => x.kind !== 'udp')) {
    for (const kind of CASES[l.kind]) {
      const text = sentence(l.type, kind === 'https-on-tls' ? 'http-on-tcp' : kind);
      if (!text) continue; // the mistake cannot happen on this node (fs-cdr-in has no raw TCP listener)
      it(`${l.name}: ${kind} → one error "${text.slice(0, 50)}…", then the next good record arrives`, async () => {
        const { port, got } = await loadListener(l);
        const answer = await MISTAKES[kind](port, l);
        await waitFor(() => errorsOf('src').length >= 1, 'the mismatch error');
        open.push(await sendGood(l, port, got.cert.cert));
        await waitFor(() => got.records.length === l.records, 'the good record after the mistake');
        const errors = errorsOf('src');
        assert.equal(errors.length, 1, errors.join('\n'));
        assert.ok(errors[0].includes(text), errors[0]);
        assert.match(errors[0], /^127\.0\.0\.1 is set up for another protocol: /);
        // An HTTP client is told too.
        if (kind === 'http-on-tcp' || kind === 'https-on-tls' || kind === 'http-on-https') assert.ok(answer.includes(text), answer);
      });
    }
  }

  // Format mismatches: the node reads on the same connection (or the next request).
  const ucmTcp = LISTENERS.find((x) => x.name === 'ucm-cdr-in TCP');
  const ucmHttp = LISTENERS.find((x) => x.name === 'ucm-cdr-in HTTP');
  for (const [format, wrong, kind] of [
    ['json', 'xml', 'xml-on-json'],
    ['xml', 'json', 'json-on-xml'],
  ]) {
    it(`ucm-cdr-in TCP, Format ${format}: ${wrong} records give one error "${sentence('ucm-cdr-in', kind)}", then a ${format} record on the same connection arrives`, async () => {
      const { port, got } = await loadListener(ucmTcp, { format });
      const s = net.connect({ port, host: '127.0.0.1' });
      open.push(s);
      await new Promise((r) => s.once('connect', r));
      for (let i = 0; i < 10; i++) s.write(ucmRecord(wrong));
      await waitFor(() => errorsOf('src').length >= 1, 'the mismatch error');
      s.write(ucmRecord(format));
      await waitFor(() => got.records.length === 1, 'the right record, read on');
      const errors = errorsOf('src');
      assert.equal(errors.length, 1, errors.join('\n'));
      assert.ok(errors[0].includes(sentence('ucm-cdr-in', kind)), errors[0]);
    });

    it(`ucm-cdr-in HTTP, Format ${format}: a ${wrong} body gets 415 and one error "${sentence('ucm-cdr-in', kind)}", then a ${format} body 200`, async () => {
      const { port, got } = await loadListener(ucmHttp, { format });
      for (let i = 0; i < 5; i++) {
        const res = await request({ port, body: ucmRecord(wrong), headers: { 'Content-Type': wrong === 'xml' ? 'text/xml' : 'application/json' } });
        assert.equal(res.status, 415);
        assert.ok(res.body.includes(sentence('ucm-cdr-in', kind)), res.body);
      }
      const ok = await request({ port, body: ucmRecord(format), headers: { 'Content-Type': format === 'xml' ? 'text/xml' : 'application/json' } });
      assert.equal(ok.status, 200, ok.body);
      await waitFor(() => got.records.length === 1, 'the right record');
      await waitFor(() => errorsOf('src').length >= 1, 'the mismatch error');
      const errors = errorsOf('src');
      assert.equal(errors.length, 1, errors.join('\n'));
      assert.ok(errors[0].includes(sentence('ucm-cdr-in', kind)), errors[0]);
    });
  }
});

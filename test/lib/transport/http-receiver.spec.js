'use strict';
const assert = require('node:assert/strict');
const { HttpReceiver, HttpError } = require('../../../nodes/lib/transport/http-receiver');
const { parseAllowList } = require('../../../nodes/lib/transport/allow-list');
const { request } = require('../../support/http');
const { testCertificate } = require('../../support/tls');
const { connect } = require('../../support/net');

async function start(options = {}, onRequest) {
  const seen = { requests: [], rejected: [], refused: [], errors: [] };
  const r = new HttpReceiver(
    { host: '127.0.0.1', port: 0, maxBodyBytes: 1000, maxConnections: 10, requestTimeoutMs: 5000, ...options },
    {
      onRequest: onRequest ?? ((req) => void seen.requests.push(req)),
      onRejected: (status, reason) => seen.rejected.push([status, reason]),
      onRefused: (a) => seen.refused.push(a),
      onError: (e) => seen.errors.push(e),
    },
  );
  const { port } = await r.listen();
  return { r, port, seen };
}

describe('transport/http-receiver', () => {
  let ctx;
  afterEach(async () => ctx && (await ctx.r.close()));

  it('hands a POST body, its type and query to the handler, then answers 200', async () => {
    ctx = await start();
    const res = await request({ port: ctx.port, path: '/cdr?uuid=abc', body: '{"a":1}', headers: { 'Content-Type': 'application/json; charset=utf-8' } });
    assert.equal(res.status, 200);
    assert.equal(ctx.seen.requests.length, 1);
    const req = ctx.seen.requests[0];
    assert.equal(req.body.toString(), '{"a":1}');
    assert.equal(req.contentType, 'application/json');
    assert.equal(req.query.get('uuid'), 'abc');
    assert.equal(req.path, '/cdr');
    assert.equal(req.peer.address, '127.0.0.1');
  });

  it('answers only after the handler resolved', async () => {
    let release;
    const gate = new Promise((r) => (release = r));
    let answered = false;
    ctx = await start({}, async () => {
      await gate;
    });
    const pending = request({ port: ctx.port, body: 'x' }).then((res) => {
      answered = true;
      return res;
    });
    await new Promise((r) => setImmediate(r));
    assert.equal(answered, false);
    release();
    assert.equal((await pending).status, 200);
  });

  it('answers the HttpError status of a handler that rejects, and 500 for other failures', async () => {
    ctx = await start({}, (req) => {
      if (req.body.toString() === 'bad') throw new HttpError(400, 'not a CDR');
      throw new Error('boom');
    });
    const bad = await request({ port: ctx.port, body: 'bad' });
    assert.equal(bad.status, 400);
    assert.match(bad.body, /not a CDR/);
    assert.equal((await request({ port: ctx.port, body: 'other' })).status, 500);
    assert.equal(ctx.seen.errors.length, 1);
  });

  it('401 without or with wrong Basic credentials, 200 with the right ones', async () => {
    ctx = await start({ auth: { username: 'ucm', password: 's3cret:x' } });
    const none = await request({ port: ctx.port, body: '{}' });
    assert.equal(none.status, 401);
    assert.match(none.headers['www-authenticate'], /^Basic/);
    assert.equal((await request({ port: ctx.port, body: '{}', auth: 'ucm:wrong' })).status, 401);
    assert.equal((await request({ port: ctx.port, body: '{}', auth: 'other:s3cret:x' })).status, 401);
    assert.equal(ctx.seen.requests.length, 0);
    assert.equal((await request({ port: ctx.port, body: '{}', auth: 'ucm:s3cret:x' })).status, 200);
    assert.equal(ctx.seen.requests.length, 1);
  });

  it('405 for other methods, 404 off the configured path', async () => {
    ctx = await start({ path: '/cdr' });
    const get = await request({ port: ctx.port, method: 'GET', path: '/cdr' });
    assert.equal(get.status, 405);
    assert.equal(get.headers.allow, 'POST');
    assert.equal((await request({ port: ctx.port, path: '/other', body: '{}' })).status, 404);
    assert.equal((await request({ port: ctx.port, path: '/cdr', body: '{}' })).status, 200);
  });

  it('413 for a body over the limit, declared or streamed', async () => {
    ctx = await start({ maxBodyBytes: 100 });
    assert.equal((await request({ port: ctx.port, body: 'x'.repeat(500) })).status, 413);
    const chunked = await request({ port: ctx.port, body: 'y'.repeat(5000), headers: { 'Transfer-Encoding': 'chunked', 'Content-Length': undefined } }).catch((e) => ({ status: 'reset', e }));
    assert.ok(chunked.status === 413 || chunked.status === 'reset');
    assert.equal(ctx.seen.requests.length, 0);
    assert.equal((await request({ port: ctx.port, body: 'ok' })).status, 200);
  });

  it('closes a sender whose headers trickle past the header deadline, and one whose body trickles past the request deadline', async () => {
    ctx = await start({ headersTimeoutMs: 400, requestTimeoutMs: 1200 });
    const slowHeaders = await connect(ctx.port);
    slowHeaders.write('POST /cdr HTTP/1.1\r\nHost: pbx\r\nX-Slow: ');
    const t1 = setInterval(() => slowHeaders.writable && slowHeaders.write('x'), 100);
    const slowBody = await connect(ctx.port);
    slowBody.write('POST /cdr HTTP/1.1\r\nHost: pbx\r\nContent-Length: 500\r\n\r\n');
    const t2 = setInterval(() => slowBody.writable && slowBody.write('x'), 100);
    const silent = await connect(ctx.port);
    const started = Date.now();
    await slowHeaders.gone;
    clearInterval(t1);
    await silent.gone; // sent nothing within the header deadline
    await slowBody.gone;
    clearInterval(t2);
    assert.ok(Date.now() - started < 5000);
    assert.equal(ctx.seen.requests.length, 0);
  });

  it('over the limit, the longest-idle connection yields: a new sender is answered while the slots are held', async () => {
    ctx = await start({ maxConnections: 3, maxPerAddress: 3, headersTimeoutMs: 60_000, requestTimeoutMs: 60_000 });
    const held = [await connect(ctx.port), await connect(ctx.port), await connect(ctx.port)];
    for (const s of held) s.write('P'); // a method's first byte, then nothing
    const res = await request({ port: ctx.port, body: '{"a":1}', headers: { 'Content-Type': 'application/json' } });
    assert.equal(res.status, 200);
    await held[0].gone; // the oldest yielded
    for (const s of held) s.destroy();
  });

  it('tells a TLS handshake on HTTP, plain HTTP on HTTPS and raw data on HTTP apart, once per kind', async () => {
    const kinds = [];
    const cert = testCertificate();
    for (const secure of [false, true]) {
      const r = new HttpReceiver(
        { host: '127.0.0.1', port: 0, maxBodyBytes: 1000, maxConnections: 10, requestTimeoutMs: 5000, ...(secure ? { tls: { key: cert.key, cert: cert.cert } } : {}) },
        { onRequest: () => undefined, onMismatch: (kind, text, peer, count) => kinds.push([kind, count]) },
      );
      const { port } = await r.listen();
      if (secure) {
        const res = await request({ port, body: '{}' });
        assert.equal(res.status, 400);
        assert.match(res.body, /plain HTTP request on an HTTPS listener/);
        await request({ port, body: '{}' });
      } else {
        for (let i = 0; i < 2; i++) {
          const s = await connect(port);
          s.write('{"raw":"json"}');
          await s.gone;
        }
        await request({ port, body: '{}', secure: true, ca: cert.cert }).catch(() => undefined);
      }
      await r.close(); // folded repeats are reported at close
    }
    assert.deepEqual(kinds, [['data-on-http', 1], ['tls-on-plain', 1], ['data-on-http', 1], ['http-on-https', 1], ['http-on-https', 1]]);
  });

  it('drops connections from outside the allow-list', async () => {
    ctx = await start({ allow: parseAllowList('192.0.2.1') });
    await assert.rejects(request({ port: ctx.port, body: '{}' }));
    assert.deepEqual(ctx.seen.refused, ['127.0.0.1']);
  });

  it('serves HTTPS with a certificate', async () => {
    const cert = testCertificate();
    ctx = await start({ tls: { key: cert.key, cert: cert.cert } });
    const res = await request({ port: ctx.port, body: '{"s":1}', secure: true, ca: cert.cert });
    assert.equal(res.status, 200);
    assert.equal(ctx.seen.requests[0].body.toString(), '{"s":1}');
  });
});

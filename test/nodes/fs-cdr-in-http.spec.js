'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const helper = require('node-red-node-test-helper');
const fsNode = require('../../nodes/fs-cdr-in.js');
const sim = require('../../nodes/lib/sim/freeswitch');
const { samplePath } = require('../support/samples');
const { waitFor } = require('../support/wait');

helper.init(require.resolve('node-red'));

const xml = fs.readFileSync(samplePath('freeswitch', 'a_80183ec8-d424-11e3-8fb2-65b6c3cdac7d.cdr.xml'), 'utf8');
const json = fs.readFileSync(samplePath('freeswitch', 'answered-bridged-with-hold.cdr.json'), 'utf8');

function post(port, { body, contentType, query = '', auth, path: p = '/cdr' }) {
  return new Promise((resolve, reject) => {
    const headers = { 'Content-Type': contentType, 'User-Agent': 'freeswitch-xml/1.0' };
    if (auth) headers.Authorization = 'Basic ' + Buffer.from(auth).toString('base64');
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: p + query, headers }, (res) => {
      const parts = [];
      res.on('data', (c) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(parts).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function start(extra = {}, credentials) {
  const flow = [
    { id: 'fs', type: 'fs-cdr-in', mode: 'http', host: '127.0.0.1', port: 0, wires: [['out']], ...extra },
    { id: 'out', type: 'helper' },
  ];
  await helper.load(fsNode, flow, credentials ? { fs: credentials } : {});
  const node = helper.getNode('fs');
  const out = helper.getNode('out');
  const got = [];
  out.on('input', (msg) => got.push(msg));
  const port = await node.listening;
  return { node, got, port };
}

describe('fs-cdr-in (HTTP mode)', function () {
  afterEach(async () => {
    await helper.unload();
  });

  const cases = [];
  for (const encoding of ['urlencoded', 'base64', 'plain', 'raw']) cases.push(['xml', encoding]);
  for (const encoding of ['urlencoded', 'base64', 'raw']) cases.push(['json', encoding]);

  for (const [format, encoding] of cases) {
    it(`receives ${format} POSTed with encoding ${encoding}, answering 200 after sending it on`, async () => {
      const { got, port, node } = await start();
      const sent = [];
      const send = node.send.bind(node);
      node.send = (m) => {
        sent.push(m);
        send(m);
      };
      const doc = format === 'xml' ? xml : json;
      const { body, contentType } = sim.postBody(doc, format, encoding);
      const uuid = format === 'xml' ? '80183ec8-d424-11e3-8fb2-65b6c3cdac7d' : '3da8bf84-c133-4959-9e24-e72875cb33a1';
      const res = await post(port, { body, contentType, query: `?uuid=${format === 'xml' ? 'a_' : ''}${uuid}` });
      assert.equal(res.status, 200);
      // The 200 came only after the record was handed on.
      assert.equal(sent.length, 1);
      await waitFor(() => got.length === 1, 'the record');
      const msg = got[0];
      assert.equal(msg.topic, 'freeswitch');
      assert.equal(msg.payload.variables.uuid, uuid);
      assert.equal(msg.source.vendor, 'freeswitch');
      assert.equal(msg.source.format, format);
      assert.equal(msg.source.transport, 'http');
      assert.equal(msg.source.address, '127.0.0.1');
      assert.ok(!Number.isNaN(Date.parse(msg.source.receivedAt)));
      if (format === 'xml') assert.equal(msg.payload.variables.RFC2822_DATE, 'Mon, 05 May 2014 07:11:38 +0000');
      else assert.equal(msg.payload.callflow[0].times.answered_time, '1515666347954373');
    });
  }

  it('answers 401 to wrong or missing credentials and sends nothing on', async () => {
    const { got, port, node } = await start({}, { username: 'fs', password: 's3cret' });
    const warnings = [];
    node.warn = (m) => warnings.push(m);
    const { body, contentType } = sim.postBody(xml, 'xml', 'base64');
    assert.equal((await post(port, { body, contentType, auth: 'fs:wrong' })).status, 401);
    assert.equal((await post(port, { body, contentType })).status, 401);
    assert.equal((await post(port, { body, contentType, auth: 'fs:s3cret' })).status, 200);
    await waitFor(() => got.length === 1, 'the authorised record');
    assert.equal(got.length, 1);
    assert.equal(warnings.length, 2);
  });

  it('answers 400 to a body that is not a CDR, reports it with the raw text, and goes on', async () => {
    const { got, port, node } = await start();
    const errors = [];
    node.error = (e, msg) => errors.push([e, msg]);
    for (const [body, contentType] of [
      ['hello world', 'text/plain'],
      ['cdr=' + encodeURIComponent('<event><x/></event>'), 'application/x-www-form-urlencoded'],
      ['<cdr><variables><uuid>1</uuid>', 'text/xml'],
      [Buffer.from([0xff, 0xfe, 0, 1, 2]), 'application/octet-stream'],
      ['{"not":"a cdr"}', 'application/json'],
    ]) {
      const res = await post(port, { body, contentType });
      assert.equal(res.status, 400, String(body));
    }
    assert.equal(errors.length, 5);
    assert.equal(errors[0][1].payload, 'hello world');
    assert.equal(errors[0][1].source.vendor, 'freeswitch');
    const { body, contentType } = sim.postBody(json, 'json', 'urlencoded');
    assert.equal((await post(port, { body, contentType })).status, 200);
    await waitFor(() => got.length === 1, 'the good record after the bad ones');
  });

  it('accepts POSTs only on the configured path', async () => {
    const { got, port } = await start({ path: 'cdr' });
    const { body, contentType } = sim.postBody(xml, 'xml', 'raw');
    assert.equal((await post(port, { body, contentType, path: '/other' })).status, 404);
    assert.equal((await post(port, { body, contentType, path: '/cdr' })).status, 200);
    await waitFor(() => got.length === 1, 'the record on /cdr');
  });

  it('reports an invalid port as a setting error and does not listen', async () => {
    await helper.load(fsNode, [{ id: 'fs', type: 'fs-cdr-in', mode: 'http', port: 'abc', wires: [] }]);
    const errors = helper.log().args.filter((a) => a[0].level === helper.log().ERROR && a[0].type === 'fs-cdr-in');
    assert.equal(errors.length, 1);
    // The test helper does not load locale files: the message key is what shows.
    assert.equal(errors[0][0].msg, 'fs-cdr-in.errors.setting');
  });

  it('releases the port when stopped', async () => {
    const { port } = await start();
    await helper.unload();
    await assert.rejects(post(port, { body: xml, contentType: 'text/xml' }), /ECONNREFUSED/);
  });
});

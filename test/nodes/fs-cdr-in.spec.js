'use strict';
// fs-cdr-in through Node-RED: HTTP mode (test helper), spool and Master.csv modes
// (test helper), and the spool killed and restarted (a real runtime in a child process).
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const helper = require('node-red-node-test-helper');
const fsNode = require('../../nodes/fs-cdr-in.js');
const sim = require('../../nodes/lib/sim/freeswitch');
const { samplePath } = require('../support/samples');
const { waitFor } = require('../support/wait');
const { fork } = require('node:child_process');
const { writeSpoolFile, spoolFileName, MasterCsvWriter } = require('../../nodes/lib/sim/freeswitch-send');
const { mapFreeswitch } = require('../../nodes/lib/cdr/normalize/freeswitch');
const { completeLines } = require('../support/file-lines');

helper.init(require.resolve('node-red'), { userDir: require('../support/user-dir').userDir });

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

  it('answers 413 to a body over the limit and survives a sender that vanishes mid-body', async () => {
    const { got, port } = await start({ maxFrameKb: 12 });
    const big = sim.postBody(json, 'json', 'base64'); // ~17 KB; the XML one below is ~10 KB
    assert.equal((await post(port, { body: big.body, contentType: big.contentType })).status, 413);
    // A POST that announces 5000 bytes, sends 100 and hangs up.
    await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.write('POST /cdr HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: 5000\r\n\r\n' + xml.slice(0, 100));
        s.destroy();
        resolve();
      });
    });
    // The node goes on: the next record arrives.
    const { body, contentType } = sim.postBody(xml, 'xml', 'base64');
    assert.equal((await post(port, { body, contentType })).status, 200);
    await waitFor(() => got.length === 1, 'the record after the bad senders');
    assert.equal(got.length, 1);
  });

  it('serves HTTPS with a tls-config node', async () => {
    const { core, load, collect } = require('../support/red');
    const { request } = require('../support/http');
    const { testCertificate } = require('../support/tls');
    const cert = testCertificate();
    await load([fsNode, core.tls], [
      { id: 't', type: 'tls-config', cert: cert.certFile, key: cert.keyFile, ca: '', verifyservercert: false },
      { id: 'fs', type: 'fs-cdr-in', mode: 'http', host: '127.0.0.1', port: 0, useTls: true, tls: 't', wires: [['out']] },
      { id: 'out', type: 'helper' },
    ]);
    const out = collect('out');
    const port = await helper.getNode('fs').listening;
    const { body, contentType } = sim.postBody(json, 'json', 'base64');
    const res = await request({ port, path: '/cdr?uuid=x', body, headers: { 'Content-Type': contentType }, secure: true, ca: cert.cert });
    assert.equal(res.status, 200);
    await waitFor(() => out.length === 1, 'the HTTPS record');
    assert.equal(out[0].source.transport, 'https');
  });

  it('hands a bad body to a catch node with the raw text in msg.payload', async () => {
    const { core, load, collect } = require('../support/red');
    await load([fsNode, core.catch], [
      { id: 'fs', type: 'fs-cdr-in', mode: 'http', host: '127.0.0.1', port: 0, wires: [['out']] },
      { id: 'out', type: 'helper' },
      { id: 'c', type: 'catch', scope: null, uncaught: false, wires: [['err']] },
      { id: 'err', type: 'helper' },
    ]);
    const err = collect('err');
    const port = await helper.getNode('fs').listening;
    assert.equal((await post(port, { body: 'cdr=%3Cnot-closed', contentType: 'application/x-www-form-urlencoded' })).status, 400);
    await waitFor(() => err.length === 1, 'the caught error');
    assert.equal(err[0].payload, 'cdr=%3Cnot-closed');
    assert.equal(err[0].topic, 'freeswitch');
    assert.match(err[0].error.message, /fs-cdr-in.errors.bad-record|not well-formed/);
  });

  it('releases the port when stopped', async () => {
    const { port } = await start();
    await helper.unload();
    await assert.rejects(post(port, { body: xml, contentType: 'text/xml' }), /ECONNREFUSED/);
  });
});

describe('fs-cdr-in (spool directory mode)', function () {
  let tmp;
  beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-spool-'))));
  afterEach(async () => {
    await helper.unload();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function start(extra = {}) {
    await helper.load(fsNode, [
      { id: 'fs', type: 'fs-cdr-in', mode: 'spool', dir: tmp, settleSec: 0.05, pollSec: 0.02, wires: [['out']], ...extra },
      { id: 'out', type: 'helper' },
    ]);
    const node = helper.getNode('fs');
    const got = [];
    helper.getNode('out').on('input', (msg) => got.push(msg));
    const errors = [];
    node.error = (e, msg) => errors.push([e, msg]);
    await node.listening;
    return { node, got, errors };
  }

  it('reads files already there and new ones, XML and JSON, then moves them to done', async () => {
    fs.copyFileSync(samplePath('freeswitch', 'a_80183ec8-d424-11e3-8fb2-65b6c3cdac7d.cdr.xml'), path.join(tmp, 'a_80183ec8-d424-11e3-8fb2-65b6c3cdac7d.cdr.xml'));
    fs.writeFileSync(path.join(tmp, 'notes.txt'), 'not a CDR file name: left alone');
    const { got } = await start();
    await waitFor(() => got.length === 1, 'the file present at start');
    fs.copyFileSync(samplePath('freeswitch', 'answered-bridged-with-hold.cdr.json'), path.join(tmp, '3da8bf84-c133-4959-9e24-e72875cb33a1.cdr.json'));
    await waitFor(() => got.length === 2, 'the new file');
    assert.equal(got[0].payload.variables.uuid, '80183ec8-d424-11e3-8fb2-65b6c3cdac7d');
    assert.equal(got[0].source.format, 'xml');
    assert.equal(got[0].source.transport, 'spool');
    assert.equal(got[0].source.file, path.join(tmp, 'a_80183ec8-d424-11e3-8fb2-65b6c3cdac7d.cdr.xml'));
    assert.equal(got[1].payload.variables.billsec, '68');
    await waitFor(() => fs.readdirSync(path.join(tmp, 'done')).length === 2, 'both moved to done');
    assert.deepEqual(fs.readdirSync(tmp).sort(), ['done', 'error', 'notes.txt']);
  });

  it('does not read a file still being written', async () => {
    const { got, errors } = await start({ settleSec: 0.2 });
    const call = new sim.FsCallGenerator({ seed: 4 }).call();
    // Written in 10 pieces over ~0.5 s, each pause longer than the settle time would allow if size were ignored.
    await writeSpoolFile(tmp, spoolFileName(call.a.variables.uuid, 'xml'), sim.toXml(call.a), { chunks: 10, chunkDelayMs: 50 });
    await waitFor(() => got.length === 1, 'the finished file');
    assert.deepEqual(got[0].payload.variables, call.a.variables);
    assert.equal(errors.length, 0);
  });

  it('moves an unparseable file to the error folder, reports it with its text, and goes on', async () => {
    const { got, errors } = await start();
    fs.writeFileSync(path.join(tmp, 'bad.cdr.json'), '{"event":"not a cdr"}');
    fs.writeFileSync(path.join(tmp, 'bad2.cdr.xml'), '<other>complete but wrong</other>\n</cdr>');
    const call = new sim.FsCallGenerator({ seed: 5 }).call();
    fs.writeFileSync(path.join(tmp, spoolFileName(call.a.variables.uuid, 'json')), sim.toJson(call.a));
    await waitFor(() => got.length === 1 && errors.length === 2, 'one record and two errors');
    await waitFor(() => fs.readdirSync(path.join(tmp, 'error')).length === 2, 'bad files in error/');
    const texts = errors.map(([, msg]) => msg.payload).sort();
    assert.deepEqual(texts, ['<other>complete but wrong</other>\n</cdr>', '{"event":"not a cdr"}']);
    assert.equal(errors[0][1].source.vendor, 'freeswitch');
  });

  it('deletes handled files when set to', async () => {
    const { got } = await start({ after: 'delete' });
    const gen = new sim.FsCallGenerator({ seed: 6 });
    for (let i = 0; i < 20; i++) {
      const { a } = gen.call();
      fs.writeFileSync(path.join(tmp, spoolFileName(a.variables.uuid, 'xml', true)), sim.toXml(a));
    }
    await waitFor(() => got.length === 20, '20 records');
    await waitFor(() => fs.readdirSync(tmp).filter((f) => f.endsWith('.xml')).length === 0, 'files deleted');
    assert.equal(fs.existsSync(path.join(tmp, 'done')) ? fs.readdirSync(path.join(tmp, 'done')).length : 0, 0);
  });

  it('rejects a missing directory setting', async () => {
    await helper.load(fsNode, [{ id: 'fs', type: 'fs-cdr-in', mode: 'spool', dir: '', wires: [] }]);
    const errors = helper.log().args.filter((a) => a[0].level === helper.log().ERROR && a[0].type === 'fs-cdr-in');
    assert.equal(errors.length, 1);
    // The test helper has no locale files: the key shows (its detail is errors.no-dir).
    assert.equal(errors[0][0].msg, 'fs-cdr-in.errors.setting');
  });
});

const CHILD = path.join(__dirname, '..', 'support', 'fs-spool-child.js');
const FILES = 5000;

// A SIGKILL can cut the last line short: only complete lines count as sent.
const logLines = completeLines;

function startChild(spool, log) {
  const child = fork(CHILD, [spool, log], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  child.exited = new Promise((r) => child.once('exit', r));
  return child;
}

describe('fs-cdr-in (spool directory mode): killed and restarted', function () {
  this.timeout(120000);
  let tmp;
  const children = [];
  beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-kill-'))));
  afterEach(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it(`sends every one of ${FILES} files at least once across a SIGKILL, repeats sharing their id`, async () => {
    const spool = path.join(tmp, 'xml_cdr');
    fs.mkdirSync(spool);
    const log = path.join(tmp, 'sent.log');
    const gen = new sim.FsCallGenerator({ seed: 21 });
    const expected = new Set();
    const write = (n) => {
      for (let i = 0; i < n; ) {
        const call = gen.call();
        for (const [rec, isA] of [[call.a, true], [call.b, false]]) {
          if (!rec || i >= n) continue;
          const uuid = rec.variables.uuid;
          const format = expected.size % 2 ? 'json' : 'xml';
          fs.writeFileSync(path.join(spool, spoolFileName(uuid, format, isA)), format === 'xml' ? sim.toXml(rec) : sim.toJson(rec));
          expected.add(uuid);
          i++;
        }
      }
    };
    // Half the files are there before the first start, half arrive while it runs.
    write(FILES / 2);
    const first = startChild(spool, log);
    children.push(first);
    await waitFor(() => logLines(log).length >= FILES / 4, 'a quarter sent', 60000, 10);
    // The second half is written in small steps while the node reads, as
    // FreeSWITCH writes them; the kill lands while files are still arriving
    // (written in one go, a fast reader had them all sent before the kill).
    const writing = (async () => {
      for (let k = 0; k < FILES / 2; k += 50) {
        write(50);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await waitFor(() => logLines(log).length >= FILES / 2, 'half sent', 60000, 2);
    first.kill('SIGKILL');
    await first.exited;
    await writing;
    const beforeRestart = logLines(log).length;
    assert.ok(beforeRestart < FILES, 'killed before the end');

    const second = startChild(spool, log);
    children.push(second);
    const pending = () => fs.readdirSync(spool).filter((f) => f.includes('.cdr.')).length;
    await waitFor(() => pending() === 0, 'the spool emptied', 90000, 20);
    second.kill('SIGTERM');
    await second.exited;

    const records = logLines(log).map((l) => JSON.parse(l));
    const ids = records.map((r) => mapFreeswitch(r, { timeZone: 'UTC' }).legs[0].id);
    const distinct = new Set(ids);
    // None lost: every file written was sent, under its own uuid as id.
    assert.equal(distinct.size, FILES);
    assert.deepEqual([...distinct].sort(), [...expected].sort());
    // Repeats (files sent but not yet moved when killed) are the same record: same id, same content,
    // so cdr-normalize's de-duplication drops them.
    const firstById = new Map();
    for (let i = 0; i < records.length; i++) {
      if (firstById.has(ids[i])) assert.deepEqual(records[i], firstById.get(ids[i]));
      else firstById.set(ids[i], records[i]);
    }
    assert.ok(records.length - FILES <= 8, `at most the in-flight files repeat (got ${records.length - FILES})`);
    assert.equal(fs.readdirSync(path.join(spool, 'done')).length, FILES);
    assert.equal(fs.readdirSync(path.join(spool, 'error')).length, 0);
  });
});

describe('fs-cdr-in (Master.csv mode)', function () {
  let tmp;
  let file;
  let ckpt;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-csv-'));
    file = path.join(tmp, 'Master.csv');
    ckpt = path.join(tmp, 'checkpoints');
  });
  afterEach(async () => {
    await helper.unload();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function start(extra = {}) {
    await helper.load(fsNode, [
      { id: 'fs', type: 'fs-cdr-in', mode: 'csv', file, template: 'example', startAt: 'beginning', checkpoint: ckpt, pollSec: 0.02, wires: [['out']], ...extra },
      { id: 'out', type: 'helper' },
    ]);
    const node = helper.getNode('fs');
    const got = [];
    helper.getNode('out').on('input', (msg) => got.push(msg));
    const errors = [];
    node.error = (e, msg) => errors.push([e, msg]);
    await node.listening;
    return { node, got, errors };
  }

  const lines = (n, seed = 1) => {
    const gen = new sim.FsCallGenerator({ seed });
    return Array.from({ length: n }, () => sim.toCsvLine(gen.call().a, 'example'));
  };
  const uuidOf = (line) => line.split('","')[10];

  it('reads the documentation Master.csv and follows what is appended', async () => {
    fs.copyFileSync(samplePath('freeswitch', 'Master.csv'), file);
    const { got } = await start();
    await waitFor(() => got.length === 5, 'the five sample lines');
    assert.equal(got[1].payload.destination_number, '+34688886392');
    assert.equal(got[1].payload.answer_stamp, '');
    assert.deepEqual(got[1].source.vendor, 'freeswitch');
    assert.equal(got[1].source.format, 'csv');
    assert.equal(got[1].source.file, file);
    fs.appendFileSync(file, lines(3).join(''));
    await waitFor(() => got.length === 8, 'three appended lines');
  });

  it('reads each line once, in order, when Master.csv is renamed away while being written, finishing the old file first', async () => {
    const all = lines(90, 2);
    const w = new MasterCsvWriter({ dir: tmp });
    await w.append(all[0]);
    const { got } = await start();
    // Three rounds: a burst of lines, a rotation (rename + new file, as mod_cdr_csv on SIGHUP)
    // right after it, while the node is still reading the burst, then more lines in the new file.
    for (let round = 0; round < 3; round++) {
      const from = 1 + round * 30;
      for (const l of all.slice(from, from + 20)) await w.append(l);
      await w.rotate();
      for (const l of all.slice(from + 20, Math.min(from + 30, all.length))) await w.append(l);
      await waitFor(() => got.length === Math.min(from + 30, all.length), `round ${round}`, 10000);
    }
    assert.deepEqual(got.map((m) => m.payload.uuid), all.map(uuidOf));
    assert.equal(w.rotated.length, 3);
  });

  it('starts over when Master.csv is truncated (rotate-on-hup false, external logrotate)', async () => {
    const all = lines(10, 3);
    fs.writeFileSync(file, all.slice(0, 5).join(''));
    const { got } = await start();
    await waitFor(() => got.length === 5, 'first five');
    fs.truncateSync(file, 0);
    // Truncation is seen as "shorter than the read position": the first lines
    // after it must not yet reach the old size (file-tail compares sizes).
    fs.appendFileSync(file, all[5]);
    await waitFor(() => got.length === 6, 'the first line after truncation');
    fs.appendFileSync(file, all.slice(6).join(''));
    await waitFor(() => got.length === 10, 'the rest after truncation');
    assert.deepEqual(got.map((m) => m.payload.uuid), all.map(uuidOf));
  });

  it('resumes at the checkpoint after a restart: no loss, no repeat', async () => {
    const all = lines(30, 4);
    fs.writeFileSync(file, all.slice(0, 10).join(''));
    let run = await start();
    await waitFor(() => run.got.length === 10, 'first ten');
    const seen = run.got.map((m) => m.payload.uuid);
    await helper.unload();
    // Written while the node was stopped, including a rotation.
    fs.appendFileSync(file, all.slice(10, 20).join(''));
    fs.renameSync(file, `${file}.2024-01-01-00-00-00`);
    fs.writeFileSync(file, all.slice(20, 25).join(''));
    run = await start();
    fs.appendFileSync(file, all.slice(25).join(''));
    await waitFor(() => run.got.length === 20, 'the other twenty');
    seen.push(...run.got.map((m) => m.payload.uuid));
    assert.deepEqual(seen, all.map(uuidOf));
  });

  it('reports a line that does not fit the template with its text, and reads the next', async () => {
    const all = lines(2, 5);
    fs.writeFileSync(file, all[0] + '"only","three","fields"\n' + all[1]);
    const { got, errors } = await start();
    await waitFor(() => got.length === 2 && errors.length === 1, 'two records and one error');
    assert.equal(errors[0][1].payload, '"only","three","fields"');
    assert.equal(errors[0][1].source.format, 'csv');
  });

  it('reads with a custom template', async () => {
    fs.writeFileSync(file, 'u1|1001|+3460|NORMAL_CLEARING\n');
    const { got } = await start({ template: 'custom', customTemplate: '${uuid}|${caller_id_number}|${destination_number}|${hangup_cause}' });
    await waitFor(() => got.length === 1, 'one record');
    assert.deepEqual(got[0].payload, { uuid: 'u1', caller_id_number: '1001', destination_number: '+3460', hangup_cause: 'NORMAL_CLEARING' });
  });

  it('rejects a custom template it cannot read back', async () => {
    await helper.load(fsNode, [{ id: 'fs', type: 'fs-cdr-in', mode: 'csv', file, template: 'custom', customTemplate: '${a}${b}', wires: [] }]);
    const errors = helper.log().args.filter((a) => a[0].level === helper.log().ERROR && a[0].type === 'fs-cdr-in');
    assert.equal(errors.length, 1);
  });
});

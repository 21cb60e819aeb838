'use strict';
// examples/cdr-webhook.json as a user deploys it: a real Node-RED (child
// process, the flow deployed through the Admin API), UCM records over a real
// TCP socket → cdr-normalize → cdr-calc → core http request POSTing to a real
// local HTTP server → cdr-ack on a 2xx; a record refused as it is goes
// through the core file node into a real dead-letter file. Only the tab's
// settings (URL, timeout, file), the listening port, the source's journal
// directory (one per test) and its ack timeout (short, so a record not
// acknowledged comes again within the test) are changed; the debug nodes'
// inputs, cdr-calc's output and a catch of the test's own go to JSON-lines
// files.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { startRed } = require('../support/red-process');
const { freePort } = require('../support/net');
const { waitFor } = require('../support/wait');
const { UcmGenerator, UcmSender } = require('../../nodes/lib/sim/ucm');
const { jsonLines } = require('../support/file-lines');

const EXAMPLE = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'cdr-webhook.json'), 'utf8'));
const byName = (name) => EXAMPLE.find((n) => n.name === name);
const ofType = (type) => EXAMPLE.find((n) => n.type === type);
const TAB = ofType('tab');
// Seconds the source waits for cdr-ack before it sends a record again (60 as shipped).
const ACK_SEC = 2;

/**
 * A webhook receiver on 127.0.0.1 (on `port`, or one the kernel picks):
 * `answer(key, tryNo)` decides the status of each request (or null to never
 * answer); every request is recorded.
 */
async function startWebhook(answer, port = 0) {
  const requests = [];
  const tries = new Map();
  const held = [];
  const server = http.createServer((req, res) => {
    const parts = [];
    req.on('data', (c) => parts.push(c));
    req.on('end', () => {
      const key = req.headers['idempotency-key'];
      const tryNo = (tries.get(key) || 0) + 1;
      tries.set(key, tryNo);
      const status = server.answer(key, tryNo);
      requests.push({ key, tryNo, status, at: performance.now(), method: req.method, url: req.url, type: req.headers['content-type'], body: Buffer.concat(parts).toString('utf8') });
      if (status === null) return void held.push(res);
      res.writeHead(status, { 'Content-Type': 'text/plain' });
      res.end(status < 300 ? 'ok' : status === 422 ? 'unknown trunk' : 'try later');
    });
  });
  server.answer = answer;
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return {
    server,
    requests,
    accepted: () => requests.filter((r) => r.status >= 200 && r.status < 300).map((r) => r.key),
    url: `http://127.0.0.1:${server.address().port}/cdr`,
    close: () => {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      return new Promise((r) => server.close(r));
    },
  };
}


const plain = (v) => JSON.parse(JSON.stringify(v));
const nap = (ms) => new Promise((r) => setTimeout(r, ms));

describe('example: cdr-webhook (the flow file)', () => {
  it('POSTs with the Cdr id as Idempotency-Key, acknowledges a 2xx and a written dead letter, and has no retry loop', () => {
    const post = ofType('http request');
    assert.equal(post.method, 'POST');
    assert.equal(post.url, '${WEBHOOK_URL}');
    const body = byName('body + Idempotency-Key');
    assert.deepEqual(body.wires, [[post.id]]);
    assert.ok(body.rules.some((r) => r.p === 'headers' && /"Idempotency-Key": payload\.id/.test(r.to)));
    assert.ok(body.rules.some((r) => r.p === 'requestTimeout' && r.to === 'WEBHOOK_TIMEOUT_MS' && r.tot === 'env'));
    const why = byName('accepted? refused as it is?');
    assert.deepEqual(post.wires, [[why.id]]);
    const accepted = byName('accepted: acknowledge');
    const deadFile = byName('dead-letter file');
    assert.equal(accepted.type, 'cdr-ack');
    assert.deepEqual(why.wires, [[accepted.id], [deadFile.id], [byName('not accepted (sent again)').id]]);
    assert.deepEqual(deadFile.wires, [[byName('dead-lettered: acknowledge').id]], 'a dead letter is acknowledged once written');
    assert.equal(byName('dead-lettered: acknowledge').type, 'cdr-ack');
    // Nothing goes back to the request: no delay node, no loop.
    assert.equal(EXAMPLE.filter((n) => n.type === 'delay').length, 0);
    assert.deepEqual(EXAMPLE.filter((n) => (n.wires || []).some((o) => o.includes(post.id))).map((n) => n.name), ['body + Idempotency-Key']);
    assert.deepEqual(TAB.env, [
      { name: 'WEBHOOK_URL', value: 'http://127.0.0.1:8080/cdr', type: 'str' },
      { name: 'WEBHOOK_TIMEOUT_MS', value: '10000', type: 'num' },
      { name: 'DEAD_LETTER_FILE', value: 'cdr-webhook-dead-letter.jsonl', type: 'str' },
    ]);
    const comment = EXAMPLE.filter((n) => n.type === 'comment').map((n) => n.info).join('\n');
    for (const w of ['cdr-ack', 'ack timeout', 'Idempotency-Key', 'DEAD_LETTER_FILE', '422']) assert.ok(comment.includes(w), `the comment explains ${w}`);
  });
});

describe('example: cdr-webhook (a real Node-RED, a real TCP sender, a real HTTP webhook)', function () {
  this.timeout(60000);
  let red;
  let dir;
  let hook;
  let sender;
  let files;

  before(async () => {
    red = await startRed({ prefix: 'cdr-webhook-red-' });
  });
  after(async () => {
    if (red) await red.stop();
  });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdr-webhook-'));
    files = {
      made: path.join(dir, 'made.jsonl'),
      delivered: path.join(dir, 'delivered.jsonl'),
      deadAcked: path.join(dir, 'dead-acked.jsonl'),
      errors: path.join(dir, 'errors.jsonl'),
      dead: path.join(dir, 'dead', 'letters.jsonl'),
    };
  });
  afterEach(async function () {
    if (this.currentTest.state === 'failed') console.log(`--- Node-RED log (tail) ---\n${red.log().split('\n').slice(-40).join('\n')}`);
    if (sender) await sender.close();
    sender = null;
    await red.deploy([]);
    if (hook) await hook.close();
    hook = null;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Deploys the example with the given tab settings; the debug nodes' inputs
   * and cdr-calc's output go to JSON-lines files. Returns readers for them and
   * the UCM port; `sender` is a UCM aimed at it.
   */
  async function deploy(settings) {
    const port = await freePort();
    const z = TAB.id;
    const flow = EXAMPLE.map((n) => {
      const copy = JSON.parse(JSON.stringify(n));
      if (n.type === 'tab') copy.env = n.env.map((e) => (e.name in settings ? { ...e, value: String(settings[e.name]) } : e));
      if (n.type === 'ucm-cdr-in') Object.assign(copy, { host: '127.0.0.1', port: String(port), ackTimeoutSec: ACK_SEC, journalDir: path.join(dir, 'journal') });
      if (n.type === 'cdr-calc') copy.wires = [[...n.wires[0], 'tap-made-fn']];
      return copy;
    });
    const rewire = (fromName, toId) => {
      const target = byName(fromName).id;
      for (const n of flow) if (n.wires) n.wires = n.wires.map((out) => out.map((w) => (w === target ? toId : w)));
    };
    rewire('delivered', 'tap-delivered-fn');
    rewire('dead letters', 'tap-dead-fn');
    rewire('errors', 'tap-errors-fn');
    const tap = (name, file, func) => [
      { id: `tap-${name}-fn`, type: 'function', z, name: `tap: ${name}`, func, outputs: 1, libs: [], wires: [[`tap-${name}-file`]] },
      { id: `tap-${name}-file`, type: 'file', z, name: `tap: ${name} file`, filename: file, filenameType: 'str', appendNewline: true, createDir: true, overwriteFile: 'false', encoding: 'utf8', wires: [[]] },
    ];
    flow.push(
      ...tap('made', files.made, 'return { payload: { cdr: msg.payload, redelivered: msg.redelivered === true } };'),
      ...tap('delivered', files.delivered, 'return { payload: { id: msg.cdr.id, statusCode: msg.statusCode } };'),
      ...tap('dead', files.deadAcked, 'return { payload: { id: msg.payload.cdr.id } };'),
      ...tap('errors', files.errors, 'return { payload: { message: String(msg.error && msg.error.message), type: msg.error && msg.error.source && msg.error.source.type, raw: typeof msg.payload === "string" ? msg.payload : null, id: msg.payload && msg.payload.cdr ? msg.payload.cdr.id : null } };'),
    );
    await red.deploy(flow);
    await waitFor(() => new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    }), 'the UCM source listening', 20000, 50);
    sender = new UcmSender({ transport: 'tcp', host: '127.0.0.1', port, format: 'json' });
    return {
      port,
      made: () => jsonLines(files.made),
      madeIds: () => [...new Set(jsonLines(files.made).map((m) => m.cdr.id))],
      delivered: () => jsonLines(files.delivered),
      deadAcked: () => jsonLines(files.deadAcked).map((d) => d.id),
      errors: () => jsonLines(files.errors),
      dead: () => jsonLines(files.dead),
    };
  }

  it('delivers every call exactly once after the webhook failed twice, each try with the same Idempotency-Key and body, an ack timeout apart', async () => {
    hook = await startWebhook((key, tryNo) => (tryNo <= 2 ? 500 : 200));
    const got = await deploy({ WEBHOOK_URL: hook.url, DEAD_LETTER_FILE: files.dead });
    const gen = new UcmGenerator({ seed: 8 });
    const records = Array.from({ length: 20 }, () => gen.next('group'));
    for (const r of records) await sender.send(r);
    await waitFor(() => got.delivered().length === 20, () => `20 calls delivered: ${got.delivered().length} delivered, made ${got.made().length} (${got.made().filter((m) => m.redelivered).length} again), requests ${JSON.stringify(hook.requests.map((r) => [r.key.slice(-6), r.tryNo, r.status]))}`, 30000, 50);

    const ids = got.madeIds();
    assert.equal(ids.length, 20, 'one Cdr per UCM call');
    assert.deepEqual([...hook.accepted()].sort(), [...ids].sort(), 'every Cdr accepted exactly once');
    assert.deepEqual(got.delivered().map((d) => d.id).sort(), [...ids].sort());
    const first = new Map(got.made().map((m) => [m.cdr.id, m.cdr]));
    for (const id of ids) {
      const tries = hook.requests.filter((r) => r.key === id);
      assert.deepEqual(tries.map((r) => [r.tryNo, r.status]), [[1, 500], [2, 500], [3, 200]]);
      for (const t of tries) {
        assert.equal(t.method, 'POST');
        assert.equal(t.url, '/cdr');
        assert.match(t.type, /^application\/json/);
        assert.deepEqual(JSON.parse(t.body), plain(first.get(id)), 'the body is the rated Cdr, unchanged on every try');
      }
      // Sent again by the source after its ack timeout, not by the flow (a first
      // copy's way to the webhook takes longer than a re-sent one's: 3/4 of it).
      for (const k of [1, 2]) assert.ok(tries[k].at - tries[k - 1].at >= 0.75 * ACK_SEC * 1000, `try ${k + 1} came ${Math.round(tries[k].at - tries[k - 1].at)} ms after try ${k}`);
    }
    assert.ok(got.made().filter((m) => m.redelivered).length >= 40, 'the second and third tries are copies the source sent again');
    assert.ok(got.made().every((m) => m.cdr.kind === 'call' && m.cdr.metrics && 'cost' in m.cdr), 'rated calls');
    assert.ok(got.made().some((m) => m.cdr.cost && m.cdr.cost.currency === 'GBP'), 'calls to rated prefixes have a cost');
    assert.deepEqual(got.dead(), []);
    assert.deepEqual(got.errors(), []);

    // Acknowledged: more than two ack timeouts later, nothing came again.
    const n = hook.requests.length;
    await nap(2.5 * ACK_SEC * 1000);
    assert.equal(hook.requests.length, n, 'an accepted record is not sent again');

    // The UCM resends five calls and then a new one: only the new one reaches the webhook.
    for (const r of records.slice(0, 5)) await sender.send(r);
    await sender.send(gen.next('group'));
    await waitFor(() => got.delivered().length === 21, 'the new call delivered', 20000, 50);
    assert.equal(got.madeIds().length, 21, 'the resent calls were dropped before the webhook');
    assert.equal(new Set(hook.accepted()).size, 21);
    assert.equal(hook.accepted().length, 21);
  });

  it('a record the webhook refuses as it is (422): dead-lettered once, acknowledged and not sent again; the flow goes on', async () => {
    hook = await startWebhook(() => 422);
    const got = await deploy({ WEBHOOK_URL: hook.url, DEAD_LETTER_FILE: files.dead });
    const gen = new UcmGenerator({ seed: 9 });
    for (let i = 0; i < 10; i++) await sender.send(gen.next('group'));
    await waitFor(() => got.deadAcked().length === 10, '10 dead letters acknowledged', 20000, 50);

    const ids = got.madeIds();
    assert.equal(ids.length, 10);
    const letters = got.dead();
    assert.deepEqual(letters.map((l) => l.cdr.id).sort(), [...ids].sort(), 'each call dead-lettered once');
    for (const l of letters) {
      assert.equal(l.status, 422);
      assert.equal(l.response, 'unknown trunk');
      assert.ok(!Number.isNaN(Date.parse(l.failedAt)));
      assert.deepEqual(l.cdr, plain(got.made().find((m) => m.cdr.id === l.cdr.id).cdr), 'the whole Cdr is kept');
    }
    // Acknowledged: after more than two ack timeouts, each was still tried once.
    await nap(2.5 * ACK_SEC * 1000);
    assert.equal(hook.requests.length, 10, 'a dead letter is not sent again');
    assert.equal(got.made().length, 10);
    assert.equal(got.delivered().length, 0);

    // The webhook takes records again: the next call is delivered at the first try.
    hook.server.answer = () => 200;
    await sender.send(gen.next('group'));
    await waitFor(() => got.delivered().length === 1, 'the next call delivered', 20000, 50);
    assert.equal(hook.requests.length, 11);
    assert.equal(got.dead().length, 10);
    assert.deepEqual(got.errors(), []);
  });

  it('a dead-letter file that cannot be written leaves the record unacknowledged (sent again, the error reported); bad UCM frames are reported too', async () => {
    hook = await startWebhook(() => 422);
    const blocker = path.join(dir, 'not-a-dir');
    fs.writeFileSync(blocker, 'a file where the directory should be');
    const got = await deploy({ WEBHOOK_URL: hook.url, DEAD_LETTER_FILE: path.join(blocker, 'letters.jsonl') });
    await sender.send(new UcmGenerator({ seed: 11 }).next('group'));
    await waitFor(() => got.errors().length >= 2, 'the file error, twice (the record came again)', 20000, 50);
    const [id] = got.madeIds();
    assert.equal(got.madeIds().length, 1);
    assert.ok(got.errors().every((e) => e.type === 'file' && e.id === id), JSON.stringify(got.errors()));
    assert.ok(hook.requests.filter((r) => r.key === id).length >= 2, 'sent again');
    assert.deepEqual(got.deadAcked(), [], 'not acknowledged');

    const errorsBefore = got.errors().length;
    const raw = '{"cdr_root": [ {"AcctId": "1"'; // truncated: never a record
    const s = net.connect(got.port, '127.0.0.1');
    await new Promise((r) => s.once('connect', r));
    s.end(raw);
    await waitFor(() => got.errors().some((e) => e.type === 'ucm-cdr-in'), 'the bad frame reported', 20000, 50);
    const bad = got.errors().slice(errorsBefore).find((e) => e.type === 'ucm-cdr-in');
    assert.equal(bad.raw, raw, 'with the raw text');
    assert.deepEqual([...new Set(hook.requests.map((r) => r.key))], [id], 'nothing but the one record reached the webhook');
  });

  it('a refused connection, then a webhook that never answers: not acknowledged, sent again, and delivered once when the webhook answers', async () => {
    // Nothing listens on the port yet: every try is refused.
    const port = await freePort();
    const got = await deploy({ WEBHOOK_URL: `http://127.0.0.1:${port}/cdr`, WEBHOOK_TIMEOUT_MS: 200, DEAD_LETTER_FILE: files.dead });
    const gen = new UcmGenerator({ seed: 10 });
    for (let i = 0; i < 3; i++) await sender.send(gen.next('group'));
    await waitFor(() => got.madeIds().length === 3 && got.made().filter((m) => m.redelivered).length >= 3, 'the calls made, then sent again', 20000, 50);
    assert.match(red.log(), /ECONNREFUSED/, 'the refused connection reported by the http request node');
    // The webhook comes up, takes each request and answers only the second one for a key.
    hook = await startWebhook((key, tryNo) => (tryNo === 1 ? null : 200), port);
    await waitFor(() => got.delivered().length === 3, 'the three calls delivered', 20000, 50);
    const ids = got.madeIds();
    assert.deepEqual([...hook.accepted()].sort(), [...ids].sort(), 'each accepted exactly once');
    for (const id of ids) assert.deepEqual(hook.requests.filter((r) => r.key === id).map((r) => r.status), [null, 200], `${id}: timed out once, then accepted`);
    assert.match(red.log(), /no response from server/i, `the timeout reported:\n${red.log().split('\n').filter((l) => /http request/.test(l)).slice(-5).join('\n')}`);
    assert.deepEqual(got.dead(), [], 'an unreachable webhook is not a reason to give a record up');
  });

  it('SIGKILL of Node-RED while the webhook is down: after the restart every call the source took is delivered exactly once', async () => {
    hook = await startWebhook(() => 503);
    const got = await deploy({ WEBHOOK_URL: hook.url, DEAD_LETTER_FILE: files.dead });
    const gen = new UcmGenerator({ seed: 12 });
    const n = 20;
    for (let i = 0; i < n; i++) await sender.send(gen.next('group'));
    // Every call taken (journaled, then handed on: it reached the webhook once), none accepted.
    await waitFor(() => new Set(hook.requests.map((r) => r.key)).size === n, `${n} calls tried`, 20000, 50);
    const ids = [...new Set(hook.requests.map((r) => r.key))];
    await sender.close();
    sender = null;
    await red.restart({ signal: 'SIGKILL' });
    hook.server.answer = () => 200;
    await waitFor(() => new Set(hook.accepted()).size === n, `${n} calls accepted after the restart`, 30000, 50);
    assert.deepEqual([...hook.accepted()].sort(), [...ids].sort(), 'exactly the calls taken before the kill');
    // Acknowledged: after more than two ack timeouts, no call was accepted twice.
    await nap(2.5 * ACK_SEC * 1000);
    assert.equal(hook.accepted().length, n, 'each exactly once');
    assert.deepEqual(got.dead(), []);
  });
});

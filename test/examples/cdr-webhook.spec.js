'use strict';
// examples/cdr-webhook.json as a user deploys it: UCM records over a real TCP
// socket → cdr-normalize → cdr-calc → core http request POSTing to a real
// local HTTP server, retried through the core delay node, dead-lettered
// through the core file node into a real file. Only the tab's settings (URL,
// tries, delays, file) and the listening port are changed for the test.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { helper, core, load, collect } = require('../support/red');
const { waitFor } = require('../support/wait');
const { UcmGenerator, UcmSender } = require('../../nodes/lib/sim/ucm');

const nodes = [
  require('../../nodes/ucm-cdr-in.js'),
  require('../../nodes/cdr-normalize.js'),
  require('../../nodes/cdr-calc.js'),
  require('@node-red/nodes/core/common/90-comment.js'),
  require('@node-red/nodes/core/function/15-change.js'),
  require('@node-red/nodes/core/function/10-switch.js'),
  require('@node-red/nodes/core/function/10-function.js'),
  require('@node-red/nodes/core/function/89-delay.js'),
  require('@node-red/nodes/core/network/21-httprequest.js'),
  require('@node-red/nodes/core/storage/10-file.js'),
  core.catch,
];

const EXAMPLE = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'cdr-webhook.json'), 'utf8'));
const byName = (name) => EXAMPLE.find((n) => n.name === name);
const ofType = (type) => EXAMPLE.find((n) => n.type === type);

/**
 * A webhook receiver on 127.0.0.1: `answer(key, tryNo)` decides the status of
 * each request (or null to never answer); every request is recorded.
 */
async function startWebhook(answer) {
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
      res.end(status < 300 ? 'ok' : 'try later');
    });
  });
  server.answer = answer;
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    server,
    requests,
    url: `http://127.0.0.1:${server.address().port}/cdr`,
    close: () => {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      return new Promise((r) => server.close(r));
    },
  };
}

/** A port nothing listens on (bound, then freed). */
async function closedPort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

describe('example: cdr-webhook', function () {
  this.timeout(20000);
  let dir;
  let deadLetterFile;
  let hook;
  let sender;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdr-webhook-'));
    deadLetterFile = path.join(dir, 'dead', 'letters.jsonl');
  });
  afterEach(async () => {
    if (sender) await sender.close();
    sender = null;
    await helper.unload();
    if (hook) await hook.close();
    hook = null;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Loads the example on its own tab with the given settings; debug nodes
   * become helper nodes that record what reaches them, and a helper taps
   * cdr-calc's output (every Cdr the flow made). Returns the collectors and a
   * UCM sender aimed at the source's listening port.
   */
  async function deploy(settings, tapRetries = false) {
    const flow = EXAMPLE.map((n) => {
      const copy = JSON.parse(JSON.stringify(n));
      if (n.type === 'tab') copy.env = n.env.map((e) => (e.name in settings ? { ...e, value: String(settings[e.name]) } : e));
      if (n.type === 'ucm-cdr-in') copy.port = 0;
      if (n.type === 'cdr-calc') copy.wires = [[...n.wires[0], 'made']];
      if (n.type === 'function' && tapRetries) copy.wires = [['retries'], n.wires[1]];
      if (n.type === 'debug') return { id: n.id, type: 'helper', z: n.z, name: n.name };
      return copy;
    });
    flow.push({ id: 'made', type: 'helper', z: ofType('tab').id }, { id: 'retries', type: 'helper', z: ofType('tab').id });
    await load(nodes, flow);
    const got = {
      made: collect('made'),
      delivered: collect(byName('delivered').id),
      dead: collect(byName('dead letter').id),
      errors: collect(byName('errors').id),
      retries: collect('retries'),
    };
    got.port = await helper.getNode(ofType('ucm-cdr-in').id).listening;
    sender = new UcmSender({ transport: 'tcp', host: '127.0.0.1', port: got.port, format: 'json' });
    return got;
  }

  const deadLetters = () => (fs.existsSync(deadLetterFile) ? fs.readFileSync(deadLetterFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
  const plain = (v) => JSON.parse(JSON.stringify(v));

  it('delivers every call exactly once after the webhook failed twice, each try with the same Idempotency-Key and body, waiting longer each time', async () => {
    const firstRetryMs = 20;
    hook = await startWebhook((key, tryNo) => (tryNo <= 2 ? 500 : 200));
    const got = await deploy({ WEBHOOK_URL: hook.url, WEBHOOK_MAX_TRIES: 5, WEBHOOK_FIRST_RETRY_MS: firstRetryMs, DEAD_LETTER_FILE: deadLetterFile });
    const gen = new UcmGenerator({ seed: 8 });
    const records = Array.from({ length: 20 }, () => gen.next('group'));
    for (const r of records) await sender.send(r);
    await waitFor(() => got.delivered.length === 20, '20 calls delivered');

    const ids = got.made.map((m) => m.payload.id);
    assert.equal(new Set(ids).size, 20, 'one Cdr per UCM call');
    const accepted = hook.requests.filter((r) => r.status === 200).map((r) => r.key);
    assert.deepEqual([...accepted].sort(), [...ids].sort(), 'every Cdr accepted exactly once');
    assert.deepEqual(got.delivered.map((m) => m.cdr.id).sort(), [...ids].sort());
    for (const m of got.made) {
      const tries = hook.requests.filter((r) => r.key === m.payload.id);
      assert.deepEqual(tries.map((r) => [r.tryNo, r.status]), [[1, 500], [2, 500], [3, 200]]);
      for (const t of tries) {
        assert.equal(t.method, 'POST');
        assert.equal(t.url, '/cdr');
        assert.match(t.type, /^application\/json/);
        assert.deepEqual(JSON.parse(t.body), plain(m.payload), 'the body is the rated Cdr, unchanged on every try');
      }
      // Growing delay: the delay node never fires early, so each gap is at least the delay.
      assert.ok(tries[1].at - tries[0].at >= firstRetryMs - 1, `first retry after ≥ ${firstRetryMs} ms`);
      assert.ok(tries[2].at - tries[1].at >= 2 * firstRetryMs - 1, `second retry after ≥ ${2 * firstRetryMs} ms`);
    }
    assert.ok(got.made.every((m) => m.payload.kind === 'call' && m.payload.metrics && 'cost' in m.payload), 'rated calls');
    assert.ok(got.made.some((m) => m.payload.cost && m.payload.cost.currency === 'GBP'), 'calls to rated prefixes have a cost');
    assert.equal(hook.requests.length, 60);
    assert.equal(got.dead.length, 0);
    assert.equal(got.errors.length, 0);
    assert.equal(fs.existsSync(deadLetterFile), false);

    // The UCM resends five calls and then a new one: only the new one reaches the webhook.
    for (const r of records.slice(0, 5)) await sender.send(r);
    await sender.send(gen.next('group'));
    await waitFor(() => got.delivered.length === 21, 'the new call delivered');
    assert.equal(got.made.length, 21, 'the resent calls were dropped before the webhook');
    assert.equal(hook.requests.length, 63);
    assert.equal(new Set(hook.requests.filter((r) => r.status === 200).map((r) => r.key)).size, 21);
  });

  it('puts every call in the dead-letter file after the configured tries when the webhook always fails, and goes on', async () => {
    hook = await startWebhook(() => 503);
    const got = await deploy({ WEBHOOK_URL: hook.url, WEBHOOK_MAX_TRIES: 3, WEBHOOK_FIRST_RETRY_MS: 5, DEAD_LETTER_FILE: deadLetterFile });
    const gen = new UcmGenerator({ seed: 9 });
    for (let i = 0; i < 10; i++) await sender.send(gen.next('group'));
    await waitFor(() => deadLetters().length === 10, '10 dead letters');

    const ids = got.made.map((m) => m.payload.id);
    assert.equal(new Set(ids).size, 10);
    const letters = deadLetters();
    assert.deepEqual(letters.map((l) => l.cdr.id).sort(), [...ids].sort(), 'each call dead-lettered once');
    for (const l of letters) {
      assert.equal(l.tries, 3);
      assert.equal(l.lastStatus, 503);
      assert.equal(l.lastResponse, 'try later');
      assert.ok(!Number.isNaN(Date.parse(l.failedAt)));
      assert.deepEqual(l.cdr, plain(got.made.find((m) => m.payload.id === l.cdr.id).payload), 'the whole Cdr is kept');
      assert.deepEqual(hook.requests.filter((r) => r.key === l.cdr.id).map((r) => r.tryNo), [1, 2, 3], 'exactly the configured tries');
    }
    assert.equal(hook.requests.length, 30);
    await waitFor(() => got.dead.length === 10, 'the dead letters in the debug sidebar too');
    assert.equal(got.delivered.length, 0);

    // The webhook is back: the flow is still running and delivers the next call at the first try.
    hook.server.answer = () => 200;
    await sender.send(gen.next('group'));
    await waitFor(() => got.delivered.length === 1, 'the next call delivered');
    assert.equal(hook.requests.length, 31);
    assert.equal(deadLetters().length, 10);
    assert.equal(got.errors.length, 0);
  });

  it('still shows a dead letter, and reports the error, when the dead-letter file cannot be written; bad UCM frames are reported too', async () => {
    hook = await startWebhook(() => 500);
    const blocker = path.join(dir, 'not-a-dir');
    fs.writeFileSync(blocker, 'a file where the directory should be');
    const got = await deploy({ WEBHOOK_URL: hook.url, WEBHOOK_MAX_TRIES: 2, WEBHOOK_FIRST_RETRY_MS: 5, DEAD_LETTER_FILE: path.join(blocker, 'letters.jsonl') });
    await sender.send(new UcmGenerator({ seed: 11 }).next('group'));
    await waitFor(() => got.dead.length === 1 && got.errors.length === 1, 'the dead letter in the sidebar and the file error');
    assert.equal(got.dead[0].payload.cdr.id, got.made[0].payload.id);
    assert.equal(got.errors[0].error.source.type, 'file');
    assert.equal(got.errors[0].payload.cdr.id, got.made[0].payload.id, 'the error carries the dead letter');

    const raw = '{"cdr_root": [ {"AcctId": "1"'; // truncated: never a record
    const s = net.connect(got.port, '127.0.0.1');
    await new Promise((r) => s.once('connect', r));
    s.end(raw);
    await waitFor(() => got.errors.length === 2, 'the bad frame reported');
    assert.equal(got.errors[1].error.source.type, 'ucm-cdr-in');
    assert.equal(got.errors[1].payload, raw, 'with the raw text');
    assert.equal(hook.requests.length, 2, 'nothing but the one record reached the webhook');
  });

  it('as shipped: 5 tries, a 10 s request timeout, and the first retry after 5 s', async () => {
    hook = await startWebhook(() => 500);
    const got = await deploy({ WEBHOOK_URL: hook.url, DEAD_LETTER_FILE: deadLetterFile }, true);
    await sender.send(new UcmGenerator({ seed: 12 }).next('group'));
    await waitFor(() => got.retries.length === 1, 'the first failure');
    const [m] = got.retries;
    assert.deepEqual([m.attempt, m.delay, m.requestTimeout, m.statusCode], [1, 5000, 10000, 500]);
    assert.deepEqual(EXAMPLE.find((n) => n.type === 'tab').env.find((e) => e.name === 'WEBHOOK_MAX_TRIES'), { name: 'WEBHOOK_MAX_TRIES', value: '5', type: 'num' });
  });

  it('retries a refused connection and a webhook that never answers, then dead-letters with the error code', async () => {
    // Nothing listens: every try is refused.
    const port = await closedPort();
    hook = await startWebhook(() => null); // accepts, never answers
    const got = await deploy({ WEBHOOK_URL: `http://127.0.0.1:${port}/cdr`, WEBHOOK_MAX_TRIES: 2, WEBHOOK_FIRST_RETRY_MS: 5, WEBHOOK_TIMEOUT_MS: 100, DEAD_LETTER_FILE: deadLetterFile });
    const gen = new UcmGenerator({ seed: 10 });
    for (let i = 0; i < 3; i++) await sender.send(gen.next('group'));
    await waitFor(() => deadLetters().length === 3, '3 dead letters (refused)');
    for (const l of deadLetters()) {
      assert.equal(l.tries, 2);
      assert.equal(l.lastStatus, 'ECONNREFUSED');
    }
    await helper.unload();
    await sender.close();

    // A webhook that takes the request and never answers: each try times out.
    fs.rmSync(deadLetterFile);
    const got2 = await deploy({ WEBHOOK_URL: hook.url, WEBHOOK_MAX_TRIES: 2, WEBHOOK_FIRST_RETRY_MS: 5, WEBHOOK_TIMEOUT_MS: 100, DEAD_LETTER_FILE: deadLetterFile });
    await sender.send(gen.next('group'));
    await waitFor(() => deadLetters().length === 1, 'a dead letter (timeout)', 10000);
    const [l] = deadLetters();
    assert.equal(l.tries, 2);
    assert.equal(l.lastStatus, 'ETIMEDOUT');
    assert.equal(l.cdr.id, got2.made[0].payload.id);
    assert.deepEqual(hook.requests.map((r) => [r.key, r.tryNo]), [[l.cdr.id, 1], [l.cdr.id, 2]]);
    assert.equal(got.delivered.length + got2.delivered.length, 0);
  });
});

'use strict';
// The README's first command, `npm start`, as a new user runs it: scripts/start.js
// with the demo flow, every simulator and the dashboard, in a temporary userDir
// (CDRFLOW_USER_DIR) on a free editor port. The simulators and the demo's
// sources use the demo flow's fixed ports, so they must be free. Stopped the way
// Ctrl-C stops it: SIGINT to the whole process group.
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { waitFor } = require('../support/wait');
const { assertValidCdr } = require('../support/cdr-schema');
const { freePort, portFree } = require('../support/net');
const { watchStatus } = require('../support/red-status');

const root = path.resolve(__dirname, '..', '..');
const demo = JSON.parse(fs.readFileSync(path.join(root, 'scripts', 'demo-flow.json'), 'utf8'));
const VENDORS = ['ucm', 'asterisk', 'freeswitch', 'vos3000', 'gateway'];

// Every port the demo listens on (its sources, and the fake Asterisk the simulator runs).
function demoPorts() {
  const ports = [];
  for (const n of demo) {
    for (const key of ['port', 'tcpPort', 'udpPort']) {
      if (n[key] !== undefined && n[key] !== '' && /^\d+$/.test(String(n[key]))) ports.push(Number(n[key]));
    }
  }
  return [...new Set(ports)];
}

function get(port, urlPath) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.setTimeout(5000, () => req.destroy());
  });
}

function readRecords(file) {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));
}

describe('npm start (the demo a new user sees)', function () {
  this.timeout(180000);
  let child = null;
  let userDir = null;
  let output = '';

  before(async function () {
    const busy = [];
    for (const p of demoPorts()) if (!(await portFree(p))) busy.push(p);
    if (busy.length > 0) {
      const why = `the demo's ports ${busy.join(', ')} are in use (another npm start running?)`;
      if (process.env.CI) throw new Error(why);
      console.log(`      (skipped: ${why})`);
      this.skip();
    }
  });

  after(() => {
    if (child && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
    }
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
  });

  it('serves the editor and the dashboard, records from all five simulated systems arrive, and Ctrl-C stops everything', async () => {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdrflow-npm-start-'));
    const port = await freePort();
    child = spawn(process.execPath, [path.join(root, 'scripts', 'start.js'), '--reset'], {
      cwd: root,
      env: { ...process.env, PORT: String(port), CDRFLOW_USER_DIR: userDir },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so SIGINT reaches Node-RED too, as Ctrl-C does
    });
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const fail = (what) => `${what}\n--- npm start output ---\n${output.slice(-4000)}`;

    await waitFor(() => output.includes(`live calls at http://127.0.0.1:${port}/dashboard`), fail('the dashboard address printed'), 60000, 50);
    // The addresses are printed as Node-RED starts; the editor answers once it is up.
    await waitFor(async () => (await get(port, '/')).status === 200, fail('the editor answering'), 60000, 100);
    // The page is served once the flow has started its ui-base (the editor can answer before).
    let dash = null;
    await waitFor(async () => (dash = await get(port, '/dashboard/')).status === 200, fail('the dashboard page (/dashboard redirects to /dashboard/)'), 60000, 100);
    assert.match(dash.body, /<html/i);

    // The demo writes every rated call to cdr-demo.jsonl in its userDir.
    const file = path.join(userDir, 'cdr-demo.jsonl');
    await waitFor(
      () => {
        const vendors = new Set(readRecords(file).map((c) => c.vendor));
        return VENDORS.every((v) => vendors.has(v));
      },
      fail(`calls from ${VENDORS.join(', ')} in cdr-demo.jsonl`),
      120000,
      250,
    );
    const records = readRecords(file);
    for (const c of records) {
      assertValidCdr(c);
      assert.ok(c.metrics, `metrics on ${c.id}`);
    }
    const ids = records.map((c) => c.id);
    assert.equal(new Set(ids).size, ids.length, 'no call written twice');
    assert.doesNotMatch(output, /\[error\]/i, fail('no error in the log'));

    // Acknowledged delivery: every source waits for the cdr-ack after the file node, and it lets records go.
    const watch = await watchStatus(port);
    try {
      const sources = demo.filter((n) => n.type.endsWith('-cdr-in'));
      const ack = demo.find((n) => n.type === 'cdr-ack');
      assert.ok(ack, 'the demo flow has a cdr-ack');
      const text = (id) => watch.latest(id)?.text ?? '';
      await waitFor(
        () => sources.every((s) => /via cdr-ack/.test(text(s.id))) && /^[1-9]\S* acked/.test(text(ack.id)),
        () => fail(`every source "via cdr-ack" and records acked: ${JSON.stringify([...sources, ack].map((n) => [n.type, text(n.id)]))}`),
        30000,
        100,
      );
    } finally {
      await watch.close();
    }

    process.kill(-child.pid, 'SIGINT');
    const { code } = await Promise.race([exited, new Promise((_, reject) => setTimeout(() => reject(new Error(fail('npm start still running 20 s after Ctrl-C'))), 20000))]);
    assert.equal(code, 0, fail('exit code'));
    // Node-RED, the simulators and their sockets are gone with it.
    for (const p of [port, ...demoPorts()]) assert.ok(await portFree(p), `port ${p} released`);
  });
});

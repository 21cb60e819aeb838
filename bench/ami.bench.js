#!/usr/bin/env node
'use strict';
/**
 * AMI benchmark: a burst of 10,000 Cdr events, measured four ways in one run.
 *
 *   parse     AmiFramer + cdrRecord over the bytes in memory (the baseline)
 *   client    our AmiClient over loopback TCP from the fake Asterisk
 *   library   npm asterisk-manager 0.2.0 over loopback TCP (what DESIGN.md proposed wrapping)
 *   flow      ami-server → ami-cdr-in → a counting node in an embedded Node-RED runtime
 *
 * Ratios are against `parse` measured in the same run. Also checks asterisk-manager's
 * correctness on the real captures (field names, values, wrong-secret, Events filter),
 * the facts behind replacing it. Run: `node bench/ami.bench.js` (after `npm run build`).
 * Options: --events N (default 10000), --runs N (default 5).
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const lib = (p) => require(path.join(ROOT, 'nodes', 'lib', p));
const ami = lib('formats/ami');
const { AmiClient } = lib('transport/ami-client');
const { AmiSimServer } = lib('sim/ami');
const { formatAction } = ami;

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const N = arg('events', 10000);
const RUNS = arg('runs', 5);

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
const perSec = (n, ms) => Math.round((n / ms) * 1000);

/** N Cdr events as the wire carries them (one buffer, made before any timing). */
function burstBytes(sim, n) {
  const parts = [];
  for (let i = 0; i < n; i++) parts.push(formatAction([['Event', 'Cdr'], ['Privilege', 'cdr,all'], ...sim.nextCdr()]));
  return Buffer.from(parts.join(''), 'utf8');
}

function samplesDir() {
  for (let dir = path.dirname(ROOT); ; dir = path.dirname(dir)) {
    const c = path.join(dir, 'shared', 'samples', 'asterisk');
    if (fs.existsSync(c)) return c;
    if (path.dirname(dir) === dir) return null;
  }
}

function waitUntil(cond, ms = 60000) {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + ms;
    const tick = () => {
      if (cond()) return resolve();
      if (Date.now() > deadline) return reject(new Error('bench: timed out'));
      setImmediate(tick);
    };
    tick();
  });
}

// ---------- parse: the baseline ----------
function benchParse(bytes) {
  const times = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = process.hrtime.bigint();
    const f = new ami.AmiFramer({ expectBanner: false });
    let n = 0;
    // 64 KiB reads, as a socket would deliver them.
    for (let i = 0; i < bytes.length; i += 65536) {
      for (const fr of f.push(bytes.subarray(i, i + 65536))) {
        if (fr.kind === 'message') { ami.cdrRecord(fr.message); n++; }
      }
    }
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (n !== N) throw new Error(`parse: ${n} of ${N}`);
  }
  return median(times);
}

// ---------- client: our AmiClient over TCP ----------
async function benchClient(sim, bytes) {
  const c = new AmiClient({ host: '127.0.0.1', port: sim.port, username: 'cdruser', secret: 'cdrpass', events: 'cdr',
    pingIntervalMs: 0, pingTimeoutMs: 10000, connectTimeoutMs: 5000, backoff: { initialMs: 100, maxMs: 1000, jitter: 0 } });
  let n = 0;
  c.on('event', (m) => { ami.cdrRecord(m); n++; });
  c.start();
  await waitUntil(() => c.connected);
  const times = [];
  for (let r = 0; r < RUNS; r++) {
    n = 0;
    const t0 = process.hrtime.bigint();
    sim.sendRaw(bytes);
    await waitUntil(() => n === N);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  await c.close();
  await waitUntil(() => sim.openSockets === 0);
  return median(times);
}

// ---------- library: npm asterisk-manager 0.2.0 ----------
function newManager(port, user, secret, events) {
  const Manager = require('asterisk-manager');
  // Silence its console.log reconnect messages.
  return Manager(port, '127.0.0.1', user, secret, events);
}

async function benchLibrary(sim, bytes) {
  const before = sim.logins;
  const m = newManager(sim.port, 'cdruser', 'cdrpass', true);
  let n = 0;
  m.on('cdr', () => { n++; });
  await waitUntil(() => sim.logins > before && sim.loggedIn === 1);
  const times = [];
  for (let r = 0; r < RUNS; r++) {
    n = 0;
    const t0 = process.hrtime.bigint();
    sim.sendRaw(bytes);
    await waitUntil(() => n === N, 120000);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  m.disconnect();
  await waitUntil(() => sim.openSockets === 0);
  return median(times);
}

/** What asterisk-manager makes of the real captures, compared with our parse. */
async function libraryCorrectness() {
  const dir = samplesDir();
  if (!dir) return { skipped: 'samples not found' };
  const out = {};
  for (const name of ['ami-cdr-only-session-part1.txt', 'ami-full-session-part1.txt']) {
    const capture = fs.readFileSync(path.join(dir, name));
    const ours = new ami.AmiFramer().push(capture).filter((f) => f.kind === 'message' && ami.eventName(f.message) === 'Cdr').map((f) => ami.cdrRecord(f.message));
    const sim = new AmiSimServer();
    sim.tape = capture;
    await sim.listen(0);
    const m = newManager(sim.port, 'x', 'y', false);
    const got = [];
    m.on('cdr', (e) => got.push(e));
    await waitUntil(() => got.length === ours.length, 10000).catch(() => undefined);
    let valuesEqual = 0;
    let namesKept = 0;
    ours.forEach((rec, i) => {
      const e = got[i] || {};
      if (Object.entries(rec).every(([k, v]) => e[k.toLowerCase()] === v)) valuesEqual++;
      if (Object.keys(rec).every((k) => k in e)) namesKept++;
    });
    out[name] = { cdrEvents: ours.length, received: got.length, valuesEqual, fieldNamesKept: namesKept };
    m.disconnect();
    await sim.stop();
  }
  // Wrong secret: what does a user of the constructor's auto-login see?
  {
    const sim = new AmiSimServer();
    await sim.listen(0);
    const m = newManager(sim.port, 'cdruser', 'wrong', false);
    const seen = { error: 0, close: 0 };
    m.on('error', () => seen.error++);
    m.on('close', () => seen.close++);
    await waitUntil(() => sim.loginFailures === 1 && seen.close === 1, 5000).catch(() => undefined);
    out.wrongSecret = { serverRefused: sim.loginFailures, errorEvents: seen.error, closeEvents: seen.close, loginErrorSurfaced: seen.error > 0 };
    m.disconnect();
    await sim.stop();
  }
  // events=false: does the server filter? (asterisk-manager sends `Event: off`, Asterisk reads `Events`.)
  {
    const sim = new AmiSimServer();
    await sim.listen(0);
    const raw = [];
    sim.on('login', () => undefined);
    const m = newManager(sim.port, 'cdruser', 'cdrpass', false);
    let cel = 0;
    m.on('cel', () => cel++);
    await waitUntil(() => sim.loggedIn === 1, 5000);
    sim.burst(10, { cel: true });
    await waitUntil(() => cel === 20, 3000).catch(() => undefined);
    out.eventsFlag = { askedFor: 'events=false (Event: off)', celEventsStillSent: cel };
    void raw;
    m.disconnect();
    await sim.stop();
  }
  return out;
}

// ---------- flow: embedded Node-RED ----------
// A counting sink, and a source that sends N ready-made records through one hop:
// the Node-RED baseline (what one hop costs without AMI) in the same runtime.
const SINK = `module.exports = function (RED) {
  function BenchSink(config) {
    RED.nodes.createNode(this, config);
    this.on('input', (msg, send, done) => { globalThis.__amiBenchCount = (globalThis.__amiBenchCount || 0) + 1; done(); });
  }
  RED.nodes.registerType('bench-sink', BenchSink);
  function BenchSource(config) {
    RED.nodes.createNode(this, config);
    globalThis.__amiBenchSource = (records) => {
      for (const r of records) this.send({ payload: r, topic: 'asterisk', source: { vendor: 'asterisk', format: 'ami', transport: 'ami', receivedAt: new Date().toISOString() } });
    };
  }
  RED.nodes.registerType('bench-source', BenchSource);
};`;

async function benchFlow(sim, bytes, records) {
  const RED = require('node-red');
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdrflow-ami-bench-'));
  const sinkDir = path.join(userDir, 'sink');
  fs.mkdirSync(sinkDir);
  fs.writeFileSync(path.join(sinkDir, 'bench-sink.js'), SINK);
  fs.writeFileSync(path.join(sinkDir, 'bench-sink.html'), '<script type="text/javascript">RED.nodes.registerType("bench-sink",{category:"x",inputs:1});RED.nodes.registerType("bench-source",{category:"x",outputs:1})</script>');
  const flows = [
    { id: 'tab', type: 'tab', label: 'bench' },
    { id: 'srv', type: 'ami-server', name: 'bench-pbx', host: '127.0.0.1', port: sim.port, events: 'cdr', pingSec: 20, pingTimeoutSec: 10, backoffMaxSec: 5 },
    { id: 'in', z: 'tab', type: 'ami-cdr-in', server: 'srv', celOutput: false, topic: '', wires: [['sink']] },
    { id: 'sink', z: 'tab', type: 'bench-sink', wires: [] },
    { id: 'src', z: 'tab', type: 'bench-source', wires: [['sink2']] },
    { id: 'sink2', z: 'tab', type: 'bench-sink', wires: [] },
  ];
  fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flows));
  fs.writeFileSync(path.join(userDir, 'flows_cred.json'), JSON.stringify({ srv: { username: 'cdruser', secret: 'cdrpass' } }));
  RED.init({
    userDir,
    flowFile: 'flows.json',
    credentialSecret: false,
    nodesDir: [path.join(ROOT, 'nodes'), sinkDir],
    httpAdminRoot: false,
    httpNodeRoot: false,
    disableEditor: true,
    logging: { console: { level: 'error' } },
    editorTheme: { tours: false },
  });
  const before = sim.logins;
  await RED.start();
  await waitUntil(() => sim.logins > before && sim.loggedIn === 1, 20000);
  const times = [];
  const hop = [];
  for (let r = 0; r < RUNS; r++) {
    globalThis.__amiBenchCount = 0;
    let t0 = process.hrtime.bigint();
    sim.sendRaw(bytes);
    await waitUntil(() => globalThis.__amiBenchCount === N, 120000);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    globalThis.__amiBenchCount = 0;
    t0 = process.hrtime.bigint();
    globalThis.__amiBenchSource(records);
    await waitUntil(() => globalThis.__amiBenchCount === N, 120000);
    hop.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  await RED.stop();
  await waitUntil(() => sim.openSockets === 0, 5000);
  fs.rmSync(userDir, { recursive: true, force: true });
  return { flowMs: median(times), hopMs: median(hop) };
}

async function main() {
  const sim = new AmiSimServer({ users: { cdruser: { secret: 'cdrpass', read: 'cdr,call,system' } } });
  await sim.listen(0);
  const bytes = burstBytes(sim, N);
  const quietLog = console.log;
  console.log = () => undefined; // asterisk-manager prints on reconnect
  let parseMs; let clientMs; let libMs; let flowMs; let hopMs; let correctness;
  const records = new ami.AmiFramer({ expectBanner: false }).push(bytes).map((f) => ami.cdrRecord(f.message));
  try {
    const stage = (s) => process.stderr.write(`ami bench: ${s}\n`);
    stage('parse');
    benchParse(bytes); // warm-up: the first pass compiles the code the others use
    parseMs = benchParse(bytes);
    stage('client');
    clientMs = await benchClient(sim, bytes);
    stage('asterisk-manager');
    libMs = await benchLibrary(sim, bytes);
    stage('asterisk-manager on the captures');
    correctness = await libraryCorrectness();
    stage('embedded Node-RED flow');
    ({ flowMs, hopMs } = await benchFlow(sim, bytes, records));
  } finally {
    console.log = quietLog;
    await sim.stop();
  }
  const row = (name, ms) => ({ name, events: N, ms: Number(ms.toFixed(1)), eventsPerSec: perSec(N, ms), vsParse: Number((parseMs / ms).toFixed(3)) });
  const results = {
    bench: 'ami',
    node: process.version,
    cpus: os.cpus().length,
    burstBytes: bytes.length,
    runs: RUNS,
    rows: [row('parse (AmiFramer + cdrRecord, in memory)', parseMs), row('client (AmiClient over loopback TCP)', clientMs),
      row('library (asterisk-manager 0.2.0 over loopback TCP)', libMs),
      row('node-red one hop (ready records → sink, no AMI)', hopMs),
      row('flow (ami-server → ami-cdr-in → sink, embedded Node-RED)', flowMs)],
    asteriskManagerCorrectness: correctness,
  };
  console.log(`AMI burst of ${N} Cdr events (${(bytes.length / 1048576).toFixed(1)} MiB), median of ${RUNS} runs, ${process.version}`);
  for (const r of results.rows) console.log(`  ${r.name.padEnd(58)} ${String(r.eventsPerSec).padStart(9)} ev/s  ${r.ms.toFixed(1).padStart(8)} ms  ×${r.vsParse} of parse`);
  console.log('asterisk-manager on the real captures:', JSON.stringify(correctness, null, 2));
  const outDir = path.join(ROOT, 'bench', 'results');
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'ami.json'), JSON.stringify(results, null, 2));
  return results;
}

module.exports = { main };
if (require.main === module) {
  main().then(() => process.exit(0), (err) => { console.error(err); process.exit(1); });
}

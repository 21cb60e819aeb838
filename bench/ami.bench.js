'use strict';
// Asterisk AMI: a burst of 10,000 Cdr events from the fake Asterisk through
// ami-server → ami-cdr-in → sink in a real Node-RED runtime, beside
//   (a) the AMI parser alone on the same bytes (AmiFramer + cdrRecord),
//   (b) a null flow with the same hop count (the runtime's ceiling),
//   (c) our AmiClient alone over loopback TCP, and
//   (d) npm asterisk-manager 0.2.0 over loopback TCP (what DESIGN.md proposed wrapping),
// plus asterisk-manager's correctness on the real captures, the facts behind
// replacing it (notes). `npm run bench -- ami`, or `node bench/ami.bench.js`.
const fs = require('node:fs');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { startRuntime, stopRuntime, waitUntil } = require('./lib/runtime');
const { repeat } = require('./lib/stats');
const ami = require('../nodes/lib/formats/ami');
const { AmiClient } = require('../nodes/lib/transport/ami-client');
const { AmiSimServer } = require('../nodes/lib/sim/ami');

const now = () => performance.timeOrigin + performance.now();
const tab = { id: 'b-tab', type: 'tab', label: 'bench' };

/** `n` Cdr events as the wire carries them, made before any timing. */
function burstBytes(sim, n) {
  const parts = [];
  for (let i = 0; i < n; i++) parts.push(ami.formatAction([['Event', 'Cdr'], ['Privilege', 'cdr,all'], ...sim.nextCdr()]));
  return Buffer.from(parts.join(''), 'utf8');
}

function parseOnly(bytes, expected) {
  const t0 = performance.now();
  const f = new ami.AmiFramer({ expectBanner: false });
  let n = 0;
  for (let i = 0; i < bytes.length; i += 65536) {
    for (const fr of f.push(bytes.subarray(i, i + 65536))) {
      if (fr.kind === 'message') { ami.cdrRecord(fr.message); n++; }
    }
  }
  const ms = performance.now() - t0;
  if (n !== expected) throw new Error(`parser found ${n} of ${expected}`);
  return { value: (n / ms) * 1000 };
}

async function clientOverTcp(sim, bytes, n) {
  const before = sim.logins;
  const c = new AmiClient({ host: '127.0.0.1', port: sim.port, username: 'cdruser', secret: 'cdrpass', events: 'cdr',
    pingIntervalMs: 0, pingTimeoutMs: 10000, connectTimeoutMs: 5000, backoff: { initialMs: 100, maxMs: 1000, jitter: 0 } });
  let count = 0;
  let last = 0;
  c.on('event', (m) => { ami.cdrRecord(m); count++; last = now(); });
  c.start();
  await waitUntil(() => c.connected && sim.logins > before, 'AmiClient login');
  const t0 = now();
  sim.sendRaw(bytes);
  await waitUntil(() => count === n, 'AmiClient burst');
  await c.close();
  await waitUntil(() => sim.openSockets === 0, 'AmiClient closed');
  return { value: (n / (last - t0)) * 1000 };
}

function manager(port, user, secret, events) {
  const log = console.log;
  console.log = () => undefined; // it prints on reconnect and write errors
  try {
    return require('asterisk-manager')(port, '127.0.0.1', user, secret, events);
  } finally {
    console.log = log;
  }
}

async function libraryOverTcp(sim, bytes, n) {
  const before = sim.logins;
  const m = manager(sim.port, 'cdruser', 'cdrpass', true);
  let count = 0;
  let last = 0;
  m.on('cdr', () => { count++; last = now(); });
  await waitUntil(() => sim.logins > before && sim.loggedIn === 1, 'asterisk-manager login');
  const t0 = now();
  sim.sendRaw(bytes);
  await waitUntil(() => count === n, 'asterisk-manager burst', 300000);
  m.disconnect();
  await waitUntil(() => sim.openSockets === 0, 'asterisk-manager closed');
  return { value: (n / (last - t0)) * 1000 };
}

// The real captures kept in the repository (test/fixtures/samples/asterisk).
const SAMPLES_DIR = path.resolve(__dirname, '..', 'test', 'fixtures', 'samples', 'asterisk');

/** What asterisk-manager makes of the real captures, of a wrong secret and of its events flag. */
async function libraryCorrectness() {
  const notes = [];
  const dir = SAMPLES_DIR;
  {
    for (const name of ['ami-cdr-only-session-part1.txt', 'ami-full-session-part1.txt']) {
      const capture = fs.readFileSync(path.join(dir, name));
      const ours = new ami.AmiFramer().push(capture).filter((f) => f.kind === 'message' && ami.eventName(f.message) === 'Cdr').map((f) => ami.cdrRecord(f.message));
      const sim = new AmiSimServer();
      sim.tape = capture;
      await sim.listen(0);
      const m = manager(sim.port, 'x', 'y', false);
      const got = [];
      m.on('cdr', (e) => got.push(e));
      await waitUntil(() => got.length === ours.length, 'capture', 10000).catch(() => undefined);
      let values = 0;
      let names = 0;
      ours.forEach((rec, i) => {
        const e = got[i] || {};
        if (Object.entries(rec).every(([k, v]) => e[k.toLowerCase()] === v)) values++;
        if (Object.keys(rec).every((k) => k in e)) names++;
      });
      notes.push(`asterisk-manager on ${name}: ${got.length}/${ours.length} Cdr events, values right in ${values}, Asterisk's field names kept in ${names} (keys are lower-cased); ours: ${ours.length}/${ours.length}, names kept.`);
      m.disconnect();
      await sim.stop();
    }
  }
  {
    const sim = new AmiSimServer();
    await sim.listen(0);
    const m = manager(sim.port, 'cdruser', 'wrong', false);
    let errors = 0;
    let closes = 0;
    m.on('error', () => errors++);
    m.on('close', () => closes++);
    await waitUntil(() => sim.loginFailures === 1 && closes === 1, 'wrong secret', 5000).catch(() => undefined);
    notes.push(`asterisk-manager with a wrong secret (auto-login): server refused ${sim.loginFailures}×, 'error' events ${errors}, 'close' events ${closes}: the refusal and its message never reach the user.`);
    m.disconnect();
    await sim.stop();
  }
  {
    const sim = new AmiSimServer();
    await sim.listen(0);
    const m = manager(sim.port, 'cdruser', 'cdrpass', false);
    let cel = 0;
    m.on('cel', () => cel++);
    await waitUntil(() => sim.loggedIn === 1, 'login', 5000);
    sim.burst(10, { cel: true });
    await waitUntil(() => cel === 20, 'cel', 3000).catch(() => undefined);
    notes.push(`asterisk-manager asked for no events (events=false → 'Event: off', Asterisk reads 'Events'): still received ${cel}/20 CEL events.`);
    m.disconnect();
    await sim.stop();
  }
  return notes;
}

async function run({ quick } = {}) {
  const N = quick ? 2000 : 10000;
  const times = quick ? 1 : 3;
  const sim = new AmiSimServer({ users: { cdruser: { secret: 'cdrpass', read: 'cdr,call,system' } } });
  await sim.listen(0);
  const bytes = burstBytes(sim, N);
  const records = new ami.AmiFramer({ expectBanner: false }).push(bytes).map((f) => ami.cdrRecord(f.message));

  parseOnly(bytes, N); // warm-up: compile the code every case uses
  const parse = await repeat(times, () => parseOnly(bytes, N));
  const client = await repeat(times, () => clientOverTcp(sim, bytes, N));
  const library = await repeat(times, () => libraryOverTcp(sim, bytes, N));
  const notes = await libraryCorrectness();

  // ami-server → ami-cdr-in → sink, and a null flow of the same single hop.
  const flow = [
    tab,
    { id: 'b-srv', type: 'ami-server', name: 'bench-pbx', host: '127.0.0.1', port: sim.port, events: 'cdr', pingSec: 20, pingTimeoutSec: 10, backoffMaxSec: 5 },
    { id: 'b-ami', z: 'b-tab', type: 'ami-cdr-in', server: 'b-srv', celOutput: false, topic: '', wires: [['b-sink']] },
    { id: 'b-sink', z: 'b-tab', type: 'bench-sink', wires: [] },
    { id: 'b-null', z: 'b-tab', type: 'bench-source', wires: [['b-sink2']] },
    { id: 'b-sink2', z: 'b-tab', type: 'bench-sink', wires: [] },
  ];
  const before = sim.logins;
  const { RED, getNode } = await startRuntime([tab]);
  // Credentials given to setFlows are not kept by the runtime API: write the flow
  // and its (unencrypted, credentialSecret false) credentials file, then reload.
  fs.writeFileSync(path.join(RED.settings.userDir, 'flows.json'), JSON.stringify(flow));
  fs.writeFileSync(path.join(RED.settings.userDir, 'flows_cred.json'), JSON.stringify({ 'b-srv': { username: 'cdruser', secret: 'cdrpass' } }));
  await RED.runtime.flows.setFlows({ flows: {}, deploymentType: 'reload' });
  await waitUntil(() => sim.logins > before && sim.loggedIn === 1, 'ami-server login');
  const ours = await repeat(times, async () => {
    const sink = getNode('b-sink');
    sink.reset(N);
    const t0 = now();
    sim.sendRaw(bytes);
    await sink.done;
    return { value: (N / (sink.last - t0)) * 1000 };
  });
  const nullFlow = await repeat(times, async () => {
    const sink = getNode('b-sink2');
    sink.reset(N);
    const t0 = now();
    await getNode('b-null').emitMany(N, (i) => ({ payload: { ...records[i] }, topic: 'asterisk' }));
    await sink.done;
    return { value: (N / (sink.last - t0)) * 1000 };
  });
  await stopRuntime();
  await waitUntil(() => sim.openSockets === 0, 'redeploy closed the AMI connection');
  await sim.stop();

  return {
    title: 'ami',
    rows: [
      { case: 'AMI parser alone (AmiFramer + cdrRecord)', ...parse },
      { case: 'null flow, 1 hop (runtime ceiling)', ...nullFlow },
      { case: 'AmiClient over TCP (no Node-RED)', ...client, baseline: 'parser alone', ratio: client.value / parse.value },
      { case: 'asterisk-manager 0.2.0 over TCP', ...library, baseline: 'AmiClient over TCP', ratio: library.value / client.value },
      { case: 'ami-server → ami-cdr-in (1 hop)', ...ours, baseline: 'parser alone', ratio: ours.value / parse.value },
      { case: 'ami-server → ami-cdr-in (1 hop)', ...ours, baseline: 'null flow', ratio: ours.value / nullFlow.value },
    ],
    notes: [
      `burst of ${N} Cdr events (~${Math.round(bytes.length / N)} B each, ${(bytes.length / 1048576).toFixed(1)} MiB) written at once by the fake Asterisk; median of ${times} runs; throughput from the write to the last record received.`,
      ...notes,
    ],
  };
}

module.exports = { run };

if (require.main === module) {
  run({ quick: process.env.BENCH_QUICK === '1' }).then(
    (r) => {
      for (const row of r.rows) console.log(`${row.case.padEnd(44)} ${Math.round(row.value).toLocaleString('en-US').padStart(9)} ev/s${row.baseline ? `  ${row.ratio.toFixed(2)}× ${row.baseline}` : ''}`);
      for (const n of r.notes) console.log(`note: ${n}`);
      process.exit(0);
    },
    (err) => { console.error(err); process.exit(1); },
  );
}

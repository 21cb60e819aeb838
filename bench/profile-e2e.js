#!/usr/bin/env node
// CPU profile of the end-to-end hot path alone (not a benchmark row): UCM JSON
// over TCP → ucm-cdr-in → cdr-normalize → cdr-calc → sink with the duplicate
// window full, profiled only while the timed bursts run (start-up and the
// window fill are left out). Prints the top functions by self time and the
// cdrflow functions by inclusive time, and saves the .cpuprofile.
//   node bench/profile-e2e.js [records per burst] [bursts]   (after npm run build)
//   BATCH=500 node bench/profile-e2e.js                      (batch mode at source and normalize)
//   JOURNAL=off node bench/profile-e2e.js                    (the source's journal turned off)
'use strict';
const fs = require('node:fs');
const inspector = require('node:inspector');
const os = require('node:os');
const path = require('node:path');
const { startRuntime, deploy, stopRuntime } = require('./lib/runtime');
const { throughputOverTcp } = require('./lib/measure');
const { UcmGenerator } = require('../nodes/lib/sim/ucm');

const N = Number(process.argv[2] || 20000);
const BURSTS = Number(process.argv[3] || 3);
const WINDOW = 100000;
const batch = Number(process.env.BATCH || 0);
const RATES = 'prefix,description,ratePerMinute,connectFee,firstBlockSec,incrementSec\n0,national,0.02,0,60,60\n1,extensions,0,0,1,1\n';
const batching = batch > 0 ? { batchSize: batch, batchMs: 20 } : {};
const journalOff = process.env.JOURNAL === 'off';
const journalExtra = journalOff ? { journal: false } : process.env.JOURNAL === 'nosync' ? { journalFsync: 'never' } : {};
const flow = [
  { id: 'b-tab', type: 'tab', label: 'profile' },
  { id: 'b-src', z: 'b-tab', type: 'ucm-cdr-in', transport: 'tcp', host: '127.0.0.1', port: 0, format: 'json', maxFrameKb: 64, maxConnections: 10, idleTimeoutSec: 0, wires: [['b-norm']], ...batching, ...journalExtra },
  { id: 'b-norm', z: 'b-tab', type: 'cdr-normalize', vendor: 'auto', timeZone: 'Europe/Berlin', output: 'leg', format: 'cdr', dedupe: 'drop', dedupeCount: WINDOW, dedupeHours: 24, wires: [['b-calc']], ...batching },
  { id: 'b-calc', z: 'b-tab', type: 'cdr-calc', rates: RATES, currency: 'EUR', decimals: 4, billable: 'answered', wires: [['b-sink']] },
  { id: 'b-sink', z: 'b-tab', type: 'bench-sink', wires: [] },
];

function post(session, method, params = {}) {
  return new Promise((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));
}

/** Self and inclusive time per function of a profile, as shares of the sampled time. */
function summarize(profile, top = 25) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);
  // Samples inside the inspector (Profiler.stop handing the profile over) are the profiler's own: left out.
  const inProfiler = (id) => {
    for (let at = id; at !== undefined; at = parent.get(at)) if (byId.get(at).callFrame.url === 'node:inspector') return true;
    return false;
  };
  const spent = new Map();
  profile.samples.forEach((id, i) => {
    if (!inProfiler(id)) spent.set(id, (spent.get(id) || 0) + (profile.timeDeltas[i] || 0));
  });
  const total = [...spent.values()].reduce((a, b) => a + b, 0);
  const label = (n) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*\/(node_modules|nodes)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;
  const self = new Map();
  const incl = new Map();
  for (const n of profile.nodes) {
    const t = spent.get(n.id) || 0;
    if (!t) continue;
    self.set(label(n), (self.get(label(n)) || 0) + t);
    const seen = new Set();
    for (let id = n.id; id !== undefined; id = parent.get(id)) {
      const k = label(byId.get(id));
      if (!seen.has(k)) incl.set(k, (incl.get(k) || 0) + t);
      seen.add(k);
    }
  }
  const pct = (t) => `${((100 * t) / total).toFixed(1).padStart(5)} %`;
  const lines = [`sampled ${(total / 1e6).toFixed(2)} s`, '-- self'];
  for (const [k, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`${pct(t)}  ${k}`);
  lines.push('-- inclusive, cdrflow code');
  const ours = [...incl].filter(([k]) => /^\S+ nodes\/(lib\/|[\w-]+\.js)/.test(k) && !/nodes\/(Node|Flow)\.js/.test(k));
  for (const [k, t] of ours.sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`${pct(t)}  ${k}`);
  return lines.join('\n');
}

async function main() {
  const gen = new UcmGenerator({ seed: 21 });
  const legs = Array.from({ length: 5000 }, () => gen.next('leg'));
  let serial = 0;
  const frames = (n) => {
    const p = `p${serial++}-`;
    return Array.from({ length: n }, (_, i) => JSON.stringify({ ...legs[i % legs.length], AcctId: `${p}${i}`, uniqueid: `${p}${i}`, _t: '__T__' }));
  };
  const { getNode } = await startRuntime([flow[0]]);
  await deploy(flow);
  const port = await getNode('b-src').listening;
  await throughputOverTcp(getNode, port, frames(WINDOW)); // fills the window, not profiled
  const bursts = Array.from({ length: BURSTS }, () => frames(N)); // built before profiling
  const session = new inspector.Session();
  session.connect();
  await post(session, 'Profiler.enable');
  await post(session, 'Profiler.start');
  const rates = [];
  for (const b of bursts) rates.push((await throughputOverTcp(getNode, port, b)).value);
  const { profile } = await post(session, 'Profiler.stop');
  session.disconnect();
  await stopRuntime();
  const file = path.join(os.tmpdir(), `cdrflow-e2e-${batch > 0 ? `batch${batch}-` : ''}${Date.now()}.cpuprofile`);
  fs.writeFileSync(file, JSON.stringify(profile));
  console.log(`${BURSTS} bursts of ${N} records${batch > 0 ? `, batches of ${batch}` : ''}${journalOff ? ', journal off' : ''}, window full: ${rates.map((r) => Math.round(r)).join(', ')} rec/s (load ${os.loadavg()[0].toFixed(2)})`);
  console.log(summarize(profile));
  console.log(`profile: ${file}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

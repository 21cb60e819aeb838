#!/usr/bin/env node
// CPU profile of the end-to-end hot path alone (not a benchmark row): UCM JSON
// over TCP → ucm-cdr-in → cdr-normalize → cdr-calc → sink with the duplicate
// window full, profiled only while the timed bursts run (start-up and the
// window fill are left out). Prints the top functions by self time and the
// cdrflow functions by inclusive time, and saves the .cpuprofile.
//   node bench/profile-e2e.js [records per burst] [bursts]   (after npm run build)
//   BATCH=500 node bench/profile-e2e.js                      (batch mode at source and normalize)
//   JOURNAL=off node bench/profile-e2e.js                    (the source's journal turned off)
//   ALLOC=1 node bench/profile-e2e.js                        (where the bytes are allocated: sampled heap profile)
//   PROFILE=0 node bench/profile-e2e.js 20000 15             (no profiler: rates and CPU per record only, for A/B runs)
'use strict';
const fs = require('node:fs');
const inspector = require('node:inspector');
const os = require('node:os');
const path = require('node:path');
const { startRuntime, deploy, stopRuntime } = require('./lib/runtime');
const { throughputOverTcp } = require('./lib/measure');
const { UcmGenerator } = require('../nodes/lib/sim/ucm');
const { post, summarize, summarizeAllocations } = require('./lib/profile');

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
  const alloc = process.env.ALLOC === '1';
  const profiling = process.env.PROFILE !== '0';
  if (profiling && alloc) await post(session, 'HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  else if (profiling) {
    await post(session, 'Profiler.enable');
    await post(session, 'Profiler.start');
  }
  const rates = [];
  const cpu = [];
  for (const b of bursts) {
    const r = await throughputOverTcp(getNode, port, b);
    rates.push(r.value);
    cpu.push(r.cpuUs);
  }
  const { profile } = profiling ? await post(session, alloc ? 'HeapProfiler.stopSampling' : 'Profiler.stop') : { profile: null };
  session.disconnect();
  await stopRuntime();
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const what = `${BURSTS} bursts of ${N} records${batch > 0 ? `, batches of ${batch}` : ''}${journalOff ? ', journal off' : ''}, window full`;
  if (!profile) {
    console.log(`${what}: median ${Math.round(median(rates))} rec/s, ${median(cpu).toFixed(1)} µs CPU/record (process, sender thread included; load ${os.loadavg()[0].toFixed(2)})`);
    return;
  }
  const file = path.join(os.tmpdir(), `cdrflow-e2e-${batch > 0 ? `batch${batch}-` : ''}${Date.now()}.cpuprofile`);
  fs.writeFileSync(file, JSON.stringify(profile));
  console.log(`${what}: ${rates.map((r) => Math.round(r)).join(', ')} rec/s (load ${os.loadavg()[0].toFixed(2)})`);
  console.log(alloc ? summarizeAllocations(profile, N * BURSTS) : summarize(profile));
  console.log(`profile: ${file}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

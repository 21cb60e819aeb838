#!/usr/bin/env node
// CPU profile of ucm-cdr-in alone (not a benchmark row): UCM JSON over TCP →
// ucm-cdr-in → sink, the flow of the "ucm-cdr-in TCP JSON (1 hop)" row of
// ucm.bench.js, profiled only while the timed bursts run. Prints the rate and
// CPU per record, the top functions by self time and the cdrflow functions by
// inclusive time.
//   node bench/profile-source.js [records per burst] [bursts]   (after npm run build)
//   JOURNAL=off|nosync  ALLOC=1  PROFILE=0   as in profile-e2e.js
//   FORMAT=xml                              UCM XML frames instead of JSON
'use strict';
const inspector = require('node:inspector');
const os = require('node:os');
const { startRuntime, stopRuntime } = require('./lib/runtime');
const { throughputOverTcp } = require('./lib/measure');
const { UcmGenerator, ucmToXml } = require('../nodes/lib/sim/ucm');
const { post, summarize, summarizeAllocations } = require('./lib/profile');

const N = Number(process.argv[2] || 50000);
const BURSTS = Number(process.argv[3] || 3);
const xml = process.env.FORMAT === 'xml';
const journal = process.env.JOURNAL === 'off' ? { journal: false } : process.env.JOURNAL === 'nosync' ? { journalFsync: 'never' } : {};
const flow = [
  { id: 'b-tab', type: 'tab', label: 'profile' },
  { id: 'b-src', z: 'b-tab', type: 'ucm-cdr-in', transport: 'tcp', host: '127.0.0.1', port: 0, format: xml ? 'xml' : 'json', maxFrameKb: 64, maxConnections: 10, idleTimeoutSec: 0, wires: [['b-sink']], ...journal },
  { id: 'b-sink', z: 'b-tab', type: 'bench-sink', wires: [] },
];

async function main() {
  const gen = new UcmGenerator({ seed: 11 });
  const legs = Array.from({ length: N }, () => gen.next('leg'));
  let serial = 0;
  const frames = () => {
    const p = `s${serial++}-`;
    return legs.map((l, i) => (xml ? ucmToXml : JSON.stringify)({ ...l, AcctId: `${p}${i}`, uniqueid: `${p}${i}`, _t: '__T__' }));
  };
  const { getNode } = await startRuntime(flow);
  const port = await getNode('b-src').listening;
  await throughputOverTcp(getNode, port, frames()); // warm-up, not profiled
  const bursts = Array.from({ length: BURSTS }, frames);
  const profiling = process.env.PROFILE !== '0';
  const alloc = process.env.ALLOC === '1';
  const session = new inspector.Session();
  session.connect();
  if (profiling && alloc) await post(session, 'HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  else if (profiling) {
    await post(session, 'Profiler.enable');
    await post(session, 'Profiler.start');
  }
  const rates = [];
  const cpu = [];
  for (const b of bursts) {
    const c0 = process.cpuUsage();
    rates.push((await throughputOverTcp(getNode, port, b)).value);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / N);
  }
  const { profile } = profiling ? await post(session, alloc ? 'HeapProfiler.stopSampling' : 'Profiler.stop') : { profile: null };
  session.disconnect();
  await stopRuntime();
  console.log(`${BURSTS} bursts of ${N} records: ${rates.map((r) => Math.round(r)).join(', ')} rec/s; process CPU ${cpu.map((c) => c.toFixed(1)).join(', ')} µs/record, the sender thread's included (load ${os.loadavg()[0].toFixed(2)})`);
  if (profile) console.log(alloc ? summarizeAllocations(profile, N * BURSTS) : summarize(profile));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

#!/usr/bin/env node
// CPU profile of the cdr-normalize → cdr-calc hop alone (not a benchmark row):
// the flow of the "cdr-normalize → cdr-calc (3 hops)" row of normalize.bench.js
// (bench-source → cdr-normalize → cdr-calc → sink, the same records and rate
// table), beside the 3-hop null flow in the same process, profiled only while
// the timed bursts run. Prints the ratio, the top functions by self time and
// the cdrflow functions by inclusive time, and saves the .cpuprofile.
//   node bench/profile-normalize-calc.js [records per burst] [bursts]   (after npm run build)
//   PROFILE=0 node bench/profile-normalize-calc.js   (rates and CPU per record only, no profiler)
//   ALLOC=1 node bench/profile-normalize-calc.js   (where the bytes are allocated instead: sampled heap profile)
'use strict';
const fs = require('node:fs');
const inspector = require('node:inspector');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { startRuntime, deploy, stopRuntime } = require('./lib/runtime');
const { UcmGenerator } = require('../nodes/lib/sim/ucm');
const { post, summarize, summarizeAllocations } = require('./lib/profile');
// The same flows as the normalize bench's rows: source → middle nodes → sink.
const { rateTable, chain } = require('./normalize.bench');

const N = Number(process.argv[2] || 50000);
const BURSTS = Number(process.argv[3] || 3);
const ZONE = 'Europe/Berlin';
const now = () => performance.timeOrigin + performance.now();
const normalizeNode = { type: 'cdr-normalize', vendor: 'auto', timeZone: ZONE, output: 'leg', format: 'cdr', dedupe: 'drop', dedupeCount: 200000, dedupeHours: 24 };
const calcNode = { type: 'cdr-calc', rates: rateTable(), currency: 'EUR', decimals: 4, billable: 'answered' };

// CPU time per record beside the rate: on a shared machine the rate moves with the load, the CPU a record takes much less.
const cpu = { us: 0, records: 0 };
async function flowRate(getNode, n, make) {
  const sink = getNode('b-sink');
  sink.reset(n);
  const c0 = process.cpuUsage();
  const t0 = now();
  await getNode('b-src').emitMany(n, make);
  await sink.done;
  const c = process.cpuUsage(c0);
  cpu.us += c.user + c.system;
  cpu.records += n;
  return (n / (sink.last - t0)) * 1000;
}
const takeCpu = () => {
  const per = cpu.us / cpu.records;
  cpu.us = 0;
  cpu.records = 0;
  return per;
};

async function main() {
  const gen = new UcmGenerator({ seed: 5 });
  const legs = Array.from({ length: N }, () => gen.next('leg'));
  const source = { vendor: 'ucm', format: 'json', transport: 'tcp', address: '127.0.0.1', port: 1, receivedAt: new Date().toISOString() };
  let serial = 0;
  // Ids never sent before in this process: no record is a repeat.
  const burst = () => {
    const p = `p${serial++}-`;
    return (i) => ({ payload: { ...legs[i], uniqueid: `${p}${i}`, AcctId: `${p}${i}` }, topic: 'ucm', source });
  };
  const { getNode } = await startRuntime(chain([{ type: 'junction' }, { type: 'junction' }]));
  await flowRate(getNode, Math.min(N, 5000), burst()); // warm-up, untimed
  const nul = [];
  takeCpu();
  for (let b = 0; b < BURSTS; b++) nul.push(await flowRate(getNode, N, burst()));
  const nulCpu = takeCpu();
  await deploy(chain([normalizeNode, calcNode]));
  await flowRate(getNode, Math.min(N, 5000), burst()); // warm-up, untimed
  takeCpu();
  const session = new inspector.Session();
  session.connect();
  const alloc = process.env.ALLOC === '1';
  const profiling = process.env.PROFILE !== '0';
  // Garbage is most of the cost: the allocation profile keeps what the young generation collected too.
  if (!profiling) {
    // rates and CPU only
  } else if (alloc) await post(session, 'HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  else {
    await post(session, 'Profiler.enable');
    await post(session, 'Profiler.start');
  }
  const rates = [];
  for (let b = 0; b < BURSTS; b++) rates.push(await flowRate(getNode, N, burst()));
  const ourCpu = takeCpu();
  const { profile } = profiling ? await post(session, alloc ? 'HeapProfiler.stopSampling' : 'Profiler.stop') : { profile: null };
  session.disconnect();
  await stopRuntime();
  const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  console.log(`${BURSTS} bursts of ${N} records: null flow 3 hops ${nul.map(Math.round).join(', ')} msg/s; normalize → calc ${rates.map(Math.round).join(', ')} rec/s${profiling ? ' (profiled)' : ''}; ${(median(rates) / median(nul)).toFixed(2)}× (load ${os.loadavg()[0].toFixed(2)})`);
  console.log(`CPU per record: null flow ${nulCpu.toFixed(1)} µs, normalize → calc ${ourCpu.toFixed(1)} µs${profiling ? ' (profiler on)' : ''}, ${(nulCpu / ourCpu).toFixed(2)}×`);
  if (!profile) return;
  const file = path.join(os.tmpdir(), `cdrflow-normcalc-${Date.now()}.cpuprofile`);
  fs.writeFileSync(file, JSON.stringify(profile));
  console.log(alloc ? summarizeAllocations(profile, BURSTS * N) : summarize(profile));
  console.log(`profile: ${file}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

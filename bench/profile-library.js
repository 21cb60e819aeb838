#!/usr/bin/env node
// CPU time per record of each stage of the library path (no Node-RED): parse,
// map, gate, normalize, calc, the normalize pipeline. Not a benchmark row: a
// tool to see which stage a change moves. Each stage runs twice over the same
// records and the second pass is reported (the first warms the JIT).
//   node bench/profile-library.js [records]            (after npm run build)
//   LIB=/other/nodes/lib node bench/profile-library.js  (another build, for an A/B in the same minutes)
//   ONLY=calc,normalize node bench/profile-library.js   (some stages only)
'use strict';
const path = require('node:path');

const LIB = path.resolve(process.env.LIB || path.join(__dirname, '..', 'nodes', 'lib'));
const lib = (m) => require(path.join(LIB, m));
const { UcmGenerator } = lib('sim/ucm');
const { parseUcm, parseUcmFrame } = lib('formats/ucm');
const { normalize } = lib('cdr/normalize');
const { mapUcm } = lib('cdr/normalize/ucm');
const { checkCdr } = lib('cdr/gate');
const { calc } = lib('cdr/calc');
const { parseRateTable } = lib('cdr/rating');
const { NormalizePipeline } = lib('cdr/pipeline');
const { Deduper } = lib('cdr/dedupe');

const N = Number(process.argv[2] || 50000);
const ONLY = process.env.ONLY ? new Set(process.env.ONLY.split(',')) : null;
const gen = new UcmGenerator({ seed: 5 });
const legs = Array.from({ length: 5000 }, () => gen.next('leg'));
// Every record a new id, as on the wire (the deduper sees no repeats).
const texts = Array.from({ length: N }, (_, i) => JSON.stringify({ ...legs[i % legs.length], AcctId: `x${i}`, uniqueid: `x${i}` }));
console.log(`${N} UCM legs of ${texts[0].length} B (JSON), CPU µs per record`);
const opts = { timeZone: 'Europe/Berlin' };
const rates = parseRateTable('prefix,description,ratePerMinute,connectFee,firstBlockSec,incrementSec\n0,national,0.02,0,60,60\n1,extensions,0,0,1,1\n');
const rating = { currency: 'EUR', decimals: 4 };

function stage(name, fn) {
  if (ONLY && !ONLY.has(name)) return;
  let us = 0;
  for (let pass = 0; pass < 2; pass++) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < N; i++) fn(i);
    const c = process.cpuUsage(c0);
    us = (c.user + c.system) / N;
  }
  console.log(`${name.padEnd(16)} ${us.toFixed(2).padStart(6)} µs`);
}

const parsed = texts.map((x) => JSON.parse(x));
const mapped = parsed.map((p) => mapUcm(p, opts).legs[0]);
const pipelineSettings = { timeZone: 'Europe/Berlin', output: 'leg', format: 'cdr', waitMs: 0, maxOpenCalls: 1, dedupe: 'drop' };
const pipeline = () => new NormalizePipeline(pipelineSettings, new Deduper({ maxEntries: 2 * N + 10, maxAgeMs: 86_400_000 }));
const now = Date.now();

stage('JSON.parse', (i) => JSON.parse(texts[i]));
stage('parseUcmFrame', (i) => parseUcmFrame(texts[i], 'json'));
stage('mapUcm', (i) => mapUcm(parsed[i], opts));
stage('checkCdr', (i) => checkCdr(mapped[i], 'x'));
stage('normalize', (i) => normalize('ucm', parsed[i], opts));
stage('calc', (i) => calc(mapped[i], { rates, rating }));
let p = pipeline();
stage('pipeline', (i) => p.push('ucm', parsed[i], null, now));
p = pipeline();
stage('parse+pipeline', (i) => p.push('ucm', parseUcm(texts[i], 'json')[0], null, now));
p = pipeline();
stage('library path', (i) => {
  for (const o of p.push('ucm', parseUcm(texts[i], 'json')[0], null, now)) calc(o.cdr, { rates, rating });
});

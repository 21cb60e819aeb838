'use strict';
// cdr-normalize and cdr-calc: records/s beside the UCM parser alone on the same
// records, and beside null flows with the same number of hops, in a real
// embedded Node-RED runtime. The pure library steps are measured too (parse,
// parse + normalize, parse + normalize + calc) so the cost of each layer shows.
const { performance } = require('node:perf_hooks');
const { startRuntime, deploy, stopRuntime } = require('./lib/runtime');
const { percentile, repeat } = require('./lib/stats');
const { UcmGenerator, ucmToJson } = require('../nodes/lib/sim/ucm');
const { parseUcm } = require('../nodes/lib/formats/ucm');
const { normalize } = require('../nodes/lib/cdr/normalize');
const { calc } = require('../nodes/lib/cdr/calc');
const { parseRateTable } = require('../nodes/lib/cdr/rating');
const { NormalizePipeline } = require('../nodes/lib/cdr/pipeline');
const { Deduper } = require('../nodes/lib/cdr/dedupe');

const now = () => performance.timeOrigin + performance.now();
const ZONE = 'Europe/Berlin';

/** A realistic table: 2,000 prefixes of 2 to 7 digits, mixed block rules. */
function rateTable() {
  const lines = ['prefix,description,ratePerMinute,connectFee,firstBlockSec,incrementSec,minimumSec,freeSec'];
  const seen = new Set();
  let x = 12345;
  while (seen.size < 2000) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const p = String(x).slice(0, 2 + (x % 6));
    if (seen.has(p)) continue;
    seen.add(p);
    lines.push(`${p},dest ${p},${((x % 1000) / 1000).toFixed(3)},0.01,${[1, 30, 60][x % 3]},${[1, 6, 60][x % 3]},0,0`);
  }
  lines.push('0,national,0.02,0,60,60,0,0', '1,extensions,0,0,1,1,0,0', '2,extensions,0,0,1,1,0,0');
  return lines.join('\n');
}

function timeLoop(n, fn) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn(i);
  return { value: (n / (performance.now() - t0)) * 1000 };
}

const tab = { id: 'b-tab', type: 'tab', label: 'bench' };
const chain = (middle) => {
  const ids = middle.map((_, i) => `b-m${i}`);
  return [
    tab,
    { id: 'b-src', z: 'b-tab', type: 'bench-source', wires: [[ids[0] ?? 'b-sink']] },
    ...middle.map((n, i) => ({ ...n, id: ids[i], z: 'b-tab', wires: [[ids[i + 1] ?? 'b-sink']] })),
    { id: 'b-sink', z: 'b-tab', type: 'bench-sink', wires: [] },
  ];
};
const junction = { type: 'junction' };
const WINDOW = 200000;
const normalizeNode = { type: 'cdr-normalize', vendor: 'auto', timeZone: ZONE, output: 'leg', format: 'cdr', dedupe: 'drop', dedupeCount: WINDOW, dedupeHours: 24 };
/** A leg no other record shares an id with: fills the duplicate window. */
const filler = (leg, i) => ({ ...leg, uniqueid: `fill-${i}`, AcctId: `fill-${i}` });
const pipelineSettings = { timeZone: ZONE, output: 'leg', format: 'cdr', waitMs: 0, maxOpenCalls: 1, dedupe: 'drop' };

/** parse + pipeline (normalize + dedupe) over `texts`, the window empty or filled with WINDOW other ids first. */
function pipelineLoop(texts, full, legs) {
  const pipeline = new NormalizePipeline(pipelineSettings, new Deduper({ maxEntries: WINDOW, maxAgeMs: 24 * 3600_000 }));
  const t = Date.now();
  if (full) for (let i = 0; i < WINDOW; i++) pipeline.push('ucm', filler(legs[i % legs.length], i), null, t);
  return timeLoop(texts.length, (i) => pipeline.push('ucm', parseUcm(texts[i], 'json')[0], null, t));
}
const calcNode = (rates) => ({ type: 'cdr-calc', rates, currency: 'EUR', decimals: 4, billable: 'answered' });

async function flowRate(getNode, n, make) {
  const sink = getNode('b-sink');
  sink.reset(n);
  const t0 = now();
  await getNode('b-src').emitMany(n, make);
  await sink.done;
  return { value: (n / (sink.last - t0)) * 1000, p50Ms: percentile(sink.latencies, 50), p99Ms: percentile(sink.latencies, 99) };
}

async function run({ quick }) {
  const N = quick ? 5000 : 50000;
  const times = quick ? 1 : 3;
  const gen = new UcmGenerator({ seed: 5 });
  const legs = Array.from({ length: N }, () => gen.next('leg'));
  const texts = legs.map(ucmToJson);
  const rates = rateTable();
  const table = parseRateTable(rates);
  const opts = { timeZone: ZONE };
  const source = { vendor: 'ucm', format: 'json', transport: 'tcp', address: '127.0.0.1', port: 1, receivedAt: new Date().toISOString() };

  // Library steps, same process, same records; one untimed pass first so every
  // step is measured compiled, not while the JIT warms up.
  for (let i = 0; i < Math.min(N, 5000); i++) calc(normalize('ucm', parseUcm(texts[i], 'json')[0], opts).legs[0], { rates: table, rating: { currency: 'EUR' } });
  const parse = await repeat(times, () => timeLoop(N, (i) => parseUcm(texts[i], 'json')));
  const parseNorm = await repeat(times, () => timeLoop(N, (i) => normalize('ucm', parseUcm(texts[i], 'json')[0], opts)));
  const parseNormCalc = await repeat(times, () =>
    timeLoop(N, (i) => calc(normalize('ucm', parseUcm(texts[i], 'json')[0], opts).legs[0], { rates: table, rating: { currency: 'EUR' } })),
  );

  const pipeEmpty = await repeat(times, () => pipelineLoop(texts, false, legs));
  const pipeFull = await repeat(times, () => pipelineLoop(texts, true, legs));

  // Runtime: null flows with the same hops, then our nodes. Every run redeploys, so
  // the duplicate window starts empty and no record is a repeat.
  const msg = (i) => ({ payload: { ...legs[i] }, topic: 'ucm', source });
  const { getNode } = await startRuntime(chain([normalizeNode, calcNode(rates)]));
  await flowRate(getNode, Math.min(N, 5000), msg); // warm-up, untimed
  await deploy(chain([junction]));
  const null2 = await repeat(times, () => flowRate(getNode, N, msg));
  await deploy(chain([junction, junction]));
  const null3 = await repeat(times, () => flowRate(getNode, N, msg));
  const norm = await repeat(times, async () => {
    await deploy(chain([normalizeNode]));
    return flowRate(getNode, N, msg);
  });
  const normCalc = await repeat(times, async () => {
    await deploy(chain([normalizeNode, calcNode(rates)]));
    return flowRate(getNode, N, msg);
  });
  // The steady state of a production flow: the duplicate window already full
  // (WINDOW other ids sent first, untimed), so every new id evicts the oldest.
  const normCalcFull = await repeat(times, async () => {
    await deploy(chain([normalizeNode, calcNode(rates)]));
    await flowRate(getNode, WINDOW, (i) => ({ payload: filler(legs[i % N], i), topic: 'ucm', source }));
    return flowRate(getNode, N, msg);
  });
  await stopRuntime();

  const rows = [
    { case: 'UCM parse alone (JSON text → record)', ...parse },
    { case: 'parse + normalize (library)', ...parseNorm, baseline: 'parse alone', ratio: parseNorm.value / parse.value },
    { case: 'parse + normalize + calc (library)', ...parseNormCalc, baseline: 'parse alone', ratio: parseNormCalc.value / parse.value },
    { case: 'parse + pipeline, window empty (library)', ...pipeEmpty, baseline: 'parse alone', ratio: pipeEmpty.value / parse.value },
    { case: 'parse + pipeline, window full (library)', ...pipeFull, baseline: 'window empty', ratio: pipeFull.value / pipeEmpty.value },
    { case: 'null flow, 2 hops (runtime ceiling)', ...null2 },
    { case: 'null flow, 3 hops (runtime ceiling)', ...null3 },
    { case: 'cdr-normalize (2 hops)', ...norm, baseline: 'null flow 2 hops', ratio: norm.value / null2.value },
    { case: 'cdr-normalize (2 hops)', ...norm, baseline: 'parse alone', ratio: norm.value / parse.value },
    { case: 'cdr-normalize → cdr-calc (3 hops)', ...normCalc, baseline: 'null flow 3 hops', ratio: normCalc.value / null3.value },
    { case: 'cdr-normalize → cdr-calc (3 hops)', ...normCalc, baseline: 'parse alone', ratio: normCalc.value / parse.value },
    { case: 'cdr-normalize → cdr-calc (3 hops), window full', ...normCalcFull, baseline: 'null flow 3 hops', ratio: normCalcFull.value / null3.value },
    { case: 'cdr-normalize → cdr-calc (3 hops), window full', ...normCalcFull, baseline: 'window empty', ratio: normCalcFull.value / normCalc.value },
  ];
  return {
    title: 'normalize',
    rows,
    notes: [
      `${N} distinct UCM legs per run, median of ${times} runs; time zone ${ZONE}; duplicate drop on (window ${WINDOW} ids; "window full": ${WINDOW} other ids sent first); rate table of ${table.size} prefixes.`,
      'runtime throughput from the first message sent to the last at the sink; latency p50/p99 over the burst (queueing included).',
    ],
  };
}

// rateTable: the same table for bench/profile-normalize-calc.js.
module.exports = { run, rateTable, chain };

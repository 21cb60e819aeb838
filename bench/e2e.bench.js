'use strict';
// End to end: UCM JSON over TCP → ucm-cdr-in → cdr-normalize → cdr-calc → sink,
// beside a null flow of the same hops fed the same records, with the duplicate
// window empty and full, in batch mode, its latency at steady rates, and the
// process's RSS over a long run with default settings.
const { startRuntime, deploy, stopRuntime, waitUntil } = require('./lib/runtime');
const net = require('node:net');
const fs = require('node:fs');
const { throughputOverTcp, latencyOverTcp, nullFlowRate, freePort } = require('./lib/measure');
const { repeat } = require('./lib/stats');
const { UcmGenerator } = require('../nodes/lib/sim/ucm');

const tab = { id: 'b-tab', type: 'tab', label: 'bench' };
const RATES = 'prefix,description,ratePerMinute,connectFee,firstBlockSec,incrementSec\n0,national,0.02,0,60,60\n1,extensions,0,0,1,1\n';
let WINDOW = 100000; // the node's default (a quick run uses a smaller one)
const e2eFlow = (normalizeExtra = {}, sourceExtra = {}) => [
  tab,
  { id: 'b-src', z: 'b-tab', type: 'ucm-cdr-in', transport: 'tcp', host: '127.0.0.1', port: 0, format: 'json', maxFrameKb: 64, maxConnections: 10, idleTimeoutSec: 0, wires: [['b-norm']], ...sourceExtra },
  { id: 'b-norm', z: 'b-tab', type: 'cdr-normalize', vendor: 'auto', timeZone: 'Europe/Berlin', output: 'leg', format: 'cdr', dedupe: 'drop', dedupeCount: WINDOW, dedupeHours: 24, wires: [['b-calc']], ...normalizeExtra },
  { id: 'b-calc', z: 'b-tab', type: 'cdr-calc', rates: RATES, currency: 'EUR', decimals: 4, billable: 'answered', wires: [['b-sink']] },
  { id: 'b-sink', z: 'b-tab', type: 'bench-sink', wires: [] },
];
/** A null flow of the same hops: `sourceType` → 2 junctions → sink. */
const nullFlowFrom = (sourceType, sourceExtra = {}) => [
  tab,
  { id: 'b-src', z: 'b-tab', type: sourceType, wires: [['b-j1']], ...sourceExtra },
  { id: 'b-j1', z: 'b-tab', type: 'junction', wires: [['b-j2']] },
  { id: 'b-j2', z: 'b-tab', type: 'junction', wires: [['b-sink']] },
  { id: 'b-sink', z: 'b-tab', type: 'bench-sink', wires: [] },
];
// Fed ready objects (no socket, no parse).
const nullFlow = nullFlowFrom('bench-source');
// The same hops fed the same bytes: a source that only cuts lines.
const nullTcpFlow = nullFlowFrom('bench-tcp-source');
// The floor of any collector of JSON records: the same hops, each line parsed and nothing more done with it.
const floorFlow = nullFlowFrom('bench-tcp-source', { parse: true });
const floorBatchFlow = nullFlowFrom('bench-tcp-source', { parse: true, batch: 500 });
const NUL = 'null flow 3 hops, same bytes over TCP';
const FLOOR = 'floor: same hops, lines parsed';
const FLOOR_BATCH = 'floor: lines parsed, 500 per message';
const NUL_OBJECTS = 'null flow 3 hops, objects';
const SLOW_FSYNC_MS = 150;

const frameOf = (leg, i, prefix) => JSON.stringify({ ...leg, AcctId: `${prefix}${i}`, uniqueid: `${prefix}${i}`, _t: '__T__' });
/** 5,000 generated legs, and bursts of their frames with ids never sent before (a run never repeats another's ids). */
function legFrames(prefix) {
  const gen = new UcmGenerator({ seed: 21 });
  const legs = Array.from({ length: 5000 }, () => gen.next('leg'));
  let serial = 0;
  const frames = (n) => {
    const p = `${prefix}${serial++}-`;
    return Array.from({ length: n }, (_, i) => frameOf(legs[i % legs.length], i, p));
  };
  return { legs, frames };
}
/**
 * A flow with its duplicate window full, measured the way its baselines are:
 * deployed once, the window filled and one burst sent untimed (the JIT warm,
 * as the null and core flows get one burst first), then `times` bursts timed
 * on that same deployment, as a collector that runs for days sees them.
 */
async function steadyBursts(getNode, flow, frames, { window, n, times }) {
  await deploy(flow);
  const port = await getNode('b-src').listening;
  await throughputOverTcp(getNode, port, frames(window));
  await throughputOverTcp(getNode, port, frames(n));
  return repeat(times, () => throughputOverTcp(getNode, port, frames(n)));
}
const mb = (n) => Math.round((n / 1048576) * 10) / 10;
const us = (r) => (r.cpuUs ?? NaN).toFixed(1);

async function run({ quick }) {
  const N = quick ? 3000 : 50000;
  const times = quick ? 1 : 3;
  if (quick) WINDOW = 20000;
  const { legs, frames } = legFrames('r');

  const { getNode } = await startRuntime(nullFlow);
  const nulObjects = await repeat(times, () => nullFlowRate(getNode, N, (i) => ({ payload: { ...legs[i % legs.length] }, topic: 'ucm' }), 'b-src'));
  await deploy(nullTcpFlow);
  const nulPort = await getNode('b-src').listening;
  await throughputOverTcp(getNode, nulPort, frames(N)); // warm-up, untimed (as every flow below)
  const nul = await repeat(times, () => throughputOverTcp(getNode, nulPort, frames(N)));
  const floorOf = async (flow) => {
    await deploy(flow);
    const port = await getNode('b-src').listening;
    await throughputOverTcp(getNode, port, frames(N)); // warm-up, untimed
    return repeat(times, () => throughputOverTcp(getNode, port, frames(N)));
  };
  const floor = await floorOf(floorFlow);
  const floorBatch = await floorOf(floorBatchFlow);

  const fresh = await repeat(times, async () => {
    await deploy(e2eFlow());
    return throughputOverTcp(getNode, await getNode('b-src').listening, frames(N));
  });
  const steady = (flow) => steadyBursts(getNode, flow, frames, { window: WINDOW, n: N, times });
  const full = await steady(e2eFlow());
  const batched = await steady(e2eFlow({ batchSize: 500, batchMs: 20 }));
  // Batches from the source on: one message per 500 records through every hop.
  const batchedAll = await steady(e2eFlow({ batchSize: 500, batchMs: 20 }, { batchSize: 500, batchMs: 20 }));

  // Core nodes doing less: tcp in → json → function (one computed field) → sink, the same frames.
  const corePort = await freePort();
  await deploy([
    tab,
    { id: 'b-tcpin', z: 'b-tab', type: 'tcp in', server: 'server', host: '', port: String(corePort), datamode: 'stream', datatype: 'utf8', newline: '\\n', topic: '', trim: false, base64: false, tls: '', wires: [['b-json']] },
    { id: 'b-json', z: 'b-tab', type: 'json', action: 'obj', property: 'payload', pretty: false, wires: [['b-fn']] },
    { id: 'b-fn', z: 'b-tab', type: 'function', func: 'msg.payload.talkSec = Number(msg.payload.billsec) || 0;\nreturn msg;', outputs: 1, noerr: 0, initialize: '', finalize: '', libs: [], wires: [['b-sink']] },
    { id: 'b-sink', z: 'b-tab', type: 'bench-sink', wires: [] },
  ]);
  await waitUntil(() => new Promise((r) => net.connect(corePort, '127.0.0.1').once('connect', function () { this.destroy(); r(true); }).once('error', () => r(false))), 'tcp in listening');
  await throughputOverTcp(getNode, corePort, frames(N)); // warm-up, untimed
  const core = await repeat(times, () => throughputOverTcp(getNode, corePort, frames(N)));

  // Latency socket → sink at steady rates (per-message mode).
  await deploy(e2eFlow());
  let port = await getNode('b-src').listening;
  const lat1k = await latencyOverTcp(getNode, port, frames(quick ? 2000 : 10000), 1000);
  const lat10k = await latencyOverTcp(getNode, port, frames(quick ? 5000 : 50000), 10000);
  // The same on a disk whose fsync takes 150 ms longer (a busy or network disk): every fdatasync waits first.
  const realSync = fs.fdatasync;
  let lat10kSlow;
  fs.fdatasync = (fd, cb) => setTimeout(() => realSync(fd, cb), SLOW_FSYNC_MS);
  try {
    lat10kSlow = await latencyOverTcp(getNode, port, frames(quick ? 5000 : 30000), 10000);
  } finally {
    fs.fdatasync = realSync;
  }

  // RSS with default settings over a long run (1,000,000 records; 100,000 in a quick run).
  await deploy(e2eFlow());
  port = await getNode('b-src').listening;
  const total = quick ? 100000 : 1000000;
  const early = total / 10;
  const rss = {};
  const burst = quick ? 10000 : 50000;
  for (let sent = 0; sent < total; sent += burst) {
    await throughputOverTcp(getNode, port, frames(burst));
    const done = sent + burst;
    if (done === early || done === total) {
      global.gc?.();
      rss[done] = process.memoryUsage().rss;
    }
  }
  await stopRuntime();

  return {
    title: 'e2e',
    rows: [
      { case: 'null flow, 3 hops, objects (runtime ceiling without a socket)', ...nulObjects },
      { case: 'null flow, 3 hops, the same bytes over TCP (lines cut, nothing parsed)', ...nul },
      { case: 'floor: the same hops, each line also parsed (JSON.parse, nothing else)', ...floor, baseline: NUL, ratio: floor.value / nul.value },
      { case: 'floor in batches: lines parsed, 500 records per message, 3 hops', ...floorBatch, baseline: NUL, ratio: floorBatch.value / nul.value },
      { case: 'UCM JSON TCP → normalize → calc → sink, window empty', ...fresh, baseline: NUL, ratio: fresh.value / nul.value },
      { case: 'UCM JSON TCP → normalize → calc → sink, window full', ...full, baseline: NUL, ratio: full.value / nul.value },
      { case: 'UCM JSON TCP → normalize → calc → sink, window full', ...full, baseline: NUL_OBJECTS, ratio: full.value / nulObjects.value },
      { case: 'UCM JSON TCP → normalize → calc → sink, window full', ...full, baseline: FLOOR, ratio: full.value / floor.value },
      { case: 'same, window full, batch mode (500 / 20 ms)', ...batched, baseline: NUL, ratio: batched.value / nul.value },
      { case: 'same, window full, batch mode (500 / 20 ms)', ...batched, baseline: 'per message', ratio: batched.value / full.value },
      { case: 'same, window full, batches from the source on (500 / 20 ms at source and normalize)', ...batchedAll, baseline: NUL, ratio: batchedAll.value / nul.value },
      { case: 'same, window full, batches from the source on (500 / 20 ms at source and normalize)', ...batchedAll, baseline: 'per message', ratio: batchedAll.value / full.value },
      { case: 'same, window full, batches from the source on (500 / 20 ms at source and normalize)', ...batchedAll, baseline: FLOOR_BATCH, ratio: batchedAll.value / floorBatch.value },
      { case: 'core tcp in → json → function → sink (3 hops, doing less)', ...core },
      { case: 'UCM JSON TCP → normalize → calc → sink, window full', ...full, baseline: 'core tcp in → json → function', ratio: full.value / core.value },
      { case: 'latency socket → sink at 1,000 CDR/s', value: 1000, unit: 'rec/s paced', ...lat1k },
      { case: 'latency socket → sink at 10,000 CDR/s', value: 10000, unit: 'rec/s paced', ...lat10k },
      { case: `latency socket → sink at 10,000 CDR/s, every fsync ${SLOW_FSYNC_MS} ms slower`, value: 10000, unit: 'rec/s paced', ...lat10kSlow },
      { case: `RSS after ${early.toLocaleString('en-US')} records (default settings)`, value: mb(rss[early]), unit: 'MB' },
      { case: `RSS after ${total.toLocaleString('en-US')} records (default settings)`, value: mb(rss[total]), unit: 'MB', baseline: `RSS at ${early / 1000}k`, ratio: rss[total] / rss[early] },
    ],
    notes: [
      `${N} distinct ~950 B UCM legs per burst, one TCP connection, median of ${times} runs; "window full": ${WINDOW} other ids sent first (the default window), then one burst untimed, then the timed ones on the same deployment (the steady state); every other flow also gets one untimed burst first, except "window empty" (a fresh deployment per run).`,
      'null flows: bench-tcp-source (cuts the same bytes into lines, one message each, nothing parsed) → 2 junctions → sink; and bench-source → 2 junctions → sink fed the records as objects (no socket, no parse).',
      'floors: the same bench-tcp-source → 2 junctions → sink, each line parsed with JSON.parse and nothing else done (no journal, no mapping, no check): what any collector that reads these JSON records pays at least, one message per record or 500 per message (or 20 ms).',
      `CPU per record of the floors: lines parsed ${us(floor)} µs, in batches of 500 ${us(floorBatch)} µs.`,
      `CPU per record (the whole process, sender thread included, median of the bursts): null flow over TCP ${us(nul)} µs, core tcp in → json → function ${us(core)} µs, UCM JSON TCP → normalize → calc → sink window full ${us(full)} µs, batches from the source on ${us(batchedAll)} µs.`,
      'every TCP burst starts its clock once the sender thread is connected with its bytes built (its start-up is not the flow\'s time).',
      'latency: send time stamped in each record by the sender thread, taken at the sink; batch mode counts each record of a batch.',
      `latency with a slow disk: fs.fdatasync delayed by ${SLOW_FSYNC_MS} ms in the benchmark's process (the write itself is real); no cdr-ack after the source, so records enter the flow before their fsync.`,
    ],
  };
}

module.exports = { run, e2eFlow, nullTcpFlow, legFrames, steadyBursts };

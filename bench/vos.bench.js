'use strict';
// VOS3000 pipe lines over TCP (and UDP) through vos-cdr-in in a real Node-RED
// runtime, beside (a) the line framer + VOS parser alone on the same bytes and
// (b) a null flow with the same hop count. UDP: what arrives at a given rate.
const dgram = require('node:dgram');
const { Worker } = require('node:worker_threads');
const { performance } = require('node:perf_hooks');
const { startRuntime, deploy, stopRuntime } = require('./lib/runtime');
const { throughputOverTcp, latencyOverTcp, nullFlowRate } = require('./lib/measure');
const { repeat } = require('./lib/stats');
const { generateCalls, formatLine } = require('../nodes/lib/sim/vos');
const { createFramer } = require('../nodes/lib/transport/framing');
const { compileVosFormat, VOS_DEFAULT_FIELDS } = require('../nodes/lib/formats/vos');

// A 20th field carries the send time, so the sink can measure latency.
const FIELDS = [...VOS_DEFAULT_FIELDS, '_t'].join(',');

const tab = { id: 'b-tab', type: 'tab', label: 'bench' };
const vosFlow = (props = {}) => [
  tab,
  { id: 'b-src', z: 'b-tab', type: 'vos-cdr-in', tcp: true, udp: false, host: '127.0.0.1', tcpPort: 0, udpPort: 0, fields: FIELDS, maxFrameKb: 64, maxConnections: 10, idleTimeoutSec: 0, wires: [['b-sink'], []], ...props },
  { id: 'b-sink', z: 'b-tab', type: 'bench-sink', wires: [] },
];

function parseOnly(bytes, expected) {
  const format = compileVosFormat({ fields: FIELDS.split(',') });
  let n = 0;
  const framer = createFramer('line', { frame: (t) => { format.parse(t); n++; }, error: (e) => { throw e; } }, { maxFrameBytes: 65536 });
  const t0 = performance.now();
  for (let i = 0; i < bytes.length; i += 65536) framer.push(bytes.subarray(i, i + 65536));
  framer.end();
  const ms = performance.now() - t0;
  if (n !== expected) throw new Error(`parser found ${n} of ${expected}`);
  return { value: (n / ms) * 1000 };
}

const UDP_WORKER = `
const dgram = require('node:dgram');
const { workerData, parentPort } = require('node:worker_threads');
const { port, lines, rate } = workerData;
const s = dgram.createSocket('udp4');
let i = 0, sent = 0;
const t0 = Date.now();
const tick = () => {
  const due = Math.min(lines.length, Math.floor(((Date.now() - t0) / 1000) * rate) + 1);
  for (; i < due; i++) s.send(lines[i], port, '127.0.0.1', (e) => { if (!e) sent++; });
  if (i < lines.length) setTimeout(tick, 1);
  else setTimeout(() => { parentPort.postMessage({ sent, seconds: (Date.now() - t0) / 1000 }); s.close(); }, 50);
};
tick();
`;

/** Datagrams at `rate`/s from a worker; what the node received once the sink stops growing. */
async function udpAtRate(getNode, port, lines, rate) {
  const sink = getNode('b-sink');
  sink.reset(Infinity);
  const w = new Worker(UDP_WORKER, { eval: true, workerData: { port, lines, rate } });
  const { sent, seconds } = await new Promise((resolve, reject) => w.once('message', resolve).once('error', reject));
  // Let the socket buffer drain: wait until nothing new arrives for 300 ms.
  let last = -1;
  while (sink.count !== last) {
    last = sink.count;
    await new Promise((r) => setTimeout(r, 300));
  }
  return { sent, received: sink.count, seconds };
}

async function run({ quick }) {
  const N = quick ? 5000 : 60000;
  const calls = generateCalls(N, { startMs: Date.UTC(2024, 4, 1), cps: 100, seed: 21 });
  const lines = calls.map((c) => formatLine(c));
  const frames = lines.map((l) => `${l}|__T__`);
  const bytes = Buffer.from(lines.map((l) => `${l}|0`).join('\n') + '\n');
  const times = quick ? 1 : 3;
  const rows = [];

  const parse = await repeat(times, () => parseOnly(bytes, N));

  const { getNode } = await startRuntime(vosFlow());
  let ports = await getNode('b-src').listening;
  const tcp = await repeat(times, () => throughputOverTcp(getNode, ports.tcp, frames));
  const lat = await latencyOverTcp(getNode, ports.tcp, frames.slice(0, quick ? 2000 : 20000), 5000);

  // The same with the reorder window on (records flow through the heap; the window is 1 s).
  await deploy(vosFlow({ reorder: true, reorderWindowSec: 1, reorderMaxHeld: 100000 }));
  ports = await getNode('b-src').listening;
  const reorderLat = await latencyOverTcp(getNode, ports.tcp, frames.slice(0, quick ? 2000 : 10000), 5000);

  // UDP: 1,000/s (the brief's "extremely high" is 500+ calls/s) and 10,000/s.
  await deploy(vosFlow({ tcp: false, udp: true }));
  ports = await getNode('b-src').listening;
  const udpLines = frames.map((f) => f.replace('__T__', '0'));
  const udp1k = await udpAtRate(getNode, ports.udp, udpLines.slice(0, quick ? 1000 : 5000), 1000);
  const udp10k = await udpAtRate(getNode, ports.udp, udpLines.slice(0, quick ? 5000 : 50000), 10000);

  await deploy([tab, { id: 'b-null', z: 'b-tab', type: 'bench-source', wires: [['b-sink']] }, { id: 'b-sink', z: 'b-tab', type: 'bench-sink', wires: [] }]);
  const format = compileVosFormat({ fields: FIELDS.split(',') });
  const records = lines.map((l) => format.parse(`${l}|0`));
  const nullFlow = await repeat(times, () => nullFlowRate(getNode, N, (i) => ({ payload: { ...records[i] }, topic: 'vos3000' }), 'b-null'));
  await stopRuntime();

  rows.push({ case: 'parser alone (line framing + parse)', ...parse });
  rows.push({ case: 'null flow, 1 hop (runtime ceiling)', ...nullFlow });
  rows.push({ case: 'vos-cdr-in TCP (1 hop)', ...tcp, ...lat, baseline: 'parser alone', ratio: tcp.value / parse.value });
  rows.push({ case: 'vos-cdr-in TCP (1 hop)', ...tcp, baseline: 'null flow', ratio: tcp.value / nullFlow.value });
  rows.push({ case: 'vos-cdr-in TCP, reorder window 1 s (latency)', value: 5000, unit: 'rec/s offered', ...reorderLat });
  rows.push({ case: 'vos-cdr-in UDP at 1,000/s: received', value: udp1k.received / udp1k.seconds, unit: `rec/s (${udp1k.received}/${udp1k.sent})`, baseline: 'sent', ratio: udp1k.received / udp1k.sent });
  rows.push({ case: 'vos-cdr-in UDP at 10,000/s: received', value: udp10k.received / udp10k.seconds, unit: `rec/s (${udp10k.received}/${udp10k.sent})`, baseline: 'sent', ratio: udp10k.received / udp10k.sent });
  return {
    title: 'vos',
    rows,
    notes: [
      `${N} VOS3000 lines of ~${Math.round(bytes.length / N)} B per run over one TCP connection, median of ${times} runs; throughput from burst start to last record at the sink.`,
      'latency (p50/p99) at a steady 5,000 rec/s, sender on a worker thread; with the reorder window on, latency includes the 1 s hold.',
      'UDP: datagrams paced from a worker thread to 127.0.0.1; "received" counts what reached the sink (UDP may drop; nothing is resent).',
    ],
  };
}

module.exports = { run };

'use strict';
// Legacy gateway event lines over TCP into call records through gw-cdr-in in a
// real Node-RED runtime, beside (a) the line parser alone on the same bytes,
// (b) parser + assembler alone (no Node-RED, no socket), (c) a null flow
// sending as many messages as there are records (the runtime's ceiling).
const { performance } = require('node:perf_hooks');
const { startRuntime, deploy, stopRuntime } = require('./lib/runtime');
const { sendTcp } = require('./lib/senders');
const { repeat } = require('./lib/stats');
const { generateGatewayTraffic } = require('../nodes/lib/sim/gateway');
const { createFramer } = require('../nodes/lib/transport/framing');
const { parseGatewayLine } = require('../nodes/lib/formats/gateway');
const { GatewayPipeline } = require('../nodes/lib/glue/gateway-pipeline');

const now = () => performance.timeOrigin + performance.now();

const tab = { id: 'b-tab', type: 'tab', label: 'bench' };
const gwFlow = [
  tab,
  { id: 'b-src', z: 'b-tab', type: 'gw-cdr-in', transport: 'tcp', host: '127.0.0.1', port: 0, separator: 'tab', filter: 'all', openTimeoutSec: 3600, maxOpenCalls: 100000, maxFrameKb: 16, maxConnections: 10, idleTimeoutSec: 0, wires: [['b-sink'], []] },
  { id: 'b-sink', z: 'b-tab', type: 'bench-sink', wires: [] },
];

/** One traffic set per run: other gateway ids each time, so no Call-Ref of an earlier run is "recently closed". */
function trafficSets(runs, calls) {
  return Array.from({ length: runs }, (_, r) =>
    generateGatewayTraffic({ calls, gateways: [`${r}01`, `${r}02`, `${r}03`, `${r}04`], ports: 8, spacingSec: 1, seed: 100 + r }),
  );
}

function framedLines(bytes, onLine) {
  const framer = createFramer('line', { frame: onLine, error: (e) => { throw e; } }, { maxFrameBytes: 16384 });
  for (let i = 0; i < bytes.length; i += 65536) framer.push(bytes.subarray(i, i + 65536));
  framer.end();
}

function parseOnly(traffic) {
  const bytes = Buffer.from(traffic.lines.join('\n') + '\n');
  let events = 0;
  const t0 = performance.now();
  framedLines(bytes, (text) => {
    if (parseGatewayLine(text).type === 'event') events++;
  });
  const ms = performance.now() - t0;
  if (events !== traffic.lines.length) throw new Error(`parser found ${events} of ${traffic.lines.length} events`);
  return { value: (events / ms) * 1000, unit: 'lines/s' };
}

function assembleOnly(traffic) {
  const bytes = Buffer.from(traffic.lines.join('\n') + '\n');
  let records = 0;
  const p = new GatewayPipeline(
    { separator: 'tab', defaultGateway: '', filter: 'all', openTimeoutMs: 3600_000, maxOpenCalls: 100000 },
    { record: () => records++, status: () => undefined, badLine: (e) => { throw e; }, late: () => { throw new Error('late'); } },
  );
  const t0 = performance.now();
  framedLines(bytes, (text) => p.line(text, {}));
  const ms = performance.now() - t0;
  if (records !== traffic.calls.length) throw new Error(`assembled ${records} of ${traffic.calls.length} calls`);
  return { value: (traffic.lines.length / ms) * 1000, unit: 'lines/s', records: (records / ms) * 1000 };
}

async function overTcp(getNode, port, traffic) {
  const sink = getNode('b-sink');
  sink.reset(traffic.calls.length);
  const sender = sendTcp({ port, frames: traffic.lines });
  await sender.ready;
  const t0 = now();
  sender.go();
  await sink.done;
  const ms = sink.last - t0;
  sender.close();
  return { value: (traffic.lines.length / ms) * 1000, unit: 'lines/s', records: (traffic.calls.length / ms) * 1000 };
}

async function run({ quick }) {
  const CALLS = quick ? 2000 : 20000;
  const times = quick ? 1 : 3;
  const sets = trafficSets(times, CALLS);
  const lines = sets[0].lines.length;

  const parse = await repeat(times, (i) => parseOnly(sets[i]));
  const assemble = await repeat(times, (i) => assembleOnly(sets[i]));

  const { getNode } = await startRuntime(gwFlow);
  const port = await getNode('b-src').listening;
  const tcp = await repeat(times, (i) => overTcp(getNode, port, sets[i]));

  // Null flow: as many messages as records, 1 hop, payloads the size of a record.
  await deploy([tab, { id: 'b-src', z: 'b-tab', type: 'bench-source', wires: [['b-sink']] }, { id: 'b-sink', z: 'b-tab', type: 'bench-sink', wires: [] }]);
  const sample = { Gateway: '101', 'Call-Ref': 1, Notation: 'Call out', Dialed: '2252, 3', Events: sets[0].lines.slice(0, 6) };
  const nullFlow = await repeat(times, async () => {
    const sink = getNode('b-sink');
    sink.reset(CALLS);
    const t0 = now();
    await getNode('b-src').emitMany(CALLS, () => ({ payload: { ...sample }, topic: 'gateway' }));
    await sink.done;
    return { value: (CALLS / (sink.last - t0)) * 1000, unit: 'rec/s' };
  });
  await stopRuntime();

  return {
    title: 'gateway',
    rows: [
      { case: 'parser alone (framing + event line)', ...parse },
      { case: 'parser + assembler alone (no Node-RED)', ...assemble, baseline: 'parser alone', ratio: assemble.value / parse.value },
      { case: 'gw-cdr-in TCP event lines', ...tcp, baseline: 'parser alone', ratio: tcp.value / parse.value },
      { case: 'gw-cdr-in TCP → call records', value: tcp.records, unit: 'rec/s', baseline: 'parser + assembler', ratio: tcp.records / assemble.records },
      { case: 'null flow, 1 hop (runtime ceiling)', ...nullFlow },
      { case: 'gw-cdr-in TCP → call records', value: tcp.records, unit: 'rec/s', baseline: 'null flow', ratio: tcp.records / nullFlow.value },
    ],
    notes: [
      `${CALLS} calls = ${lines} event lines (~${Math.round(Buffer.byteLength(sets[0].lines.join('\n')) / lines)} B each) on 4 gateways × 8 ports, every notation, interleaved; median of ${times} runs; throughput from burst start to last record at the sink.`,
    ],
  };
}

module.exports = { run };

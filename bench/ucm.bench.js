'use strict';
// UCM JSON and XML over TCP through ucm-cdr-in in a real Node-RED runtime,
// beside (a) the parser alone on the same bytes, (b) the core nodes
// `tcp in` → `json` fed the same stream, (c) a null flow with the same hops.
const net = require('node:net');
const { performance } = require('node:perf_hooks');
const { startRuntime, deploy, stopRuntime, waitUntil } = require('./lib/runtime');
const { throughputOverTcp, latencyOverTcp, nullFlowRate, freePort } = require('./lib/measure');
const { repeat } = require('./lib/stats');
const { UcmGenerator, ucmToJson, ucmToXml } = require('../nodes/lib/sim/ucm');
const { createFramer } = require('../nodes/lib/transport/framing');
const { parseUcm } = require('../nodes/lib/formats/ucm');

const tab = { id: 'b-tab', type: 'tab', label: 'bench' };
const ucmSource = (id, format, sink) => ({ id, z: 'b-tab', type: 'ucm-cdr-in', transport: 'tcp', host: '127.0.0.1', port: 0, format, maxFrameKb: 64, maxConnections: 10, idleTimeoutSec: 0, wires: [[sink]] });
// One JSON and one XML source side by side, each with its own sink: their bursts alternate, so the
// XML/JSON ratio is taken in the same minutes (on this machine rates move by ±30 % between minutes).
const ucmFlow = [
  tab,
  ucmSource('b-src', 'json', 'b-sink'),
  { id: 'b-sink', z: 'b-tab', type: 'bench-sink', wires: [] },
  ucmSource('b-src-x', 'xml', 'b-sink-x'),
  { id: 'b-sink-x', z: 'b-tab', type: 'bench-sink', wires: [] },
];

function parseOnly(bytes, format, expected) {
  let n = 0;
  const framer = createFramer(format, { frame: (t) => (n += parseUcm(t, format).length), error: (e) => { throw e; } }, { maxFrameBytes: 65536 });
  const t0 = performance.now();
  for (let i = 0; i < bytes.length; i += 65536) framer.push(bytes.subarray(i, i + 65536));
  framer.end();
  const ms = performance.now() - t0;
  if (n !== expected) throw new Error(`parser found ${n} of ${expected}`);
  return { value: (n / ms) * 1000 };
}

async function run({ quick }) {
  const N = quick ? 5000 : 50000;
  const gen = new UcmGenerator({ seed: 11 });
  const legs = Array.from({ length: N }, () => gen.next('leg'));
  const stamped = legs.map((l) => ({ ...l, _t: '__T__' }));
  const jsonFrames = stamped.map((r) => JSON.stringify(r));
  const xmlFrames = stamped.map((r) => ucmToXml(r));
  const jsonBytes = Buffer.from(legs.map(ucmToJson).join('\n'));
  const xmlBytes = Buffer.from(legs.map(ucmToXml).join('\n'));
  const rows = [];
  const times = quick ? 1 : 3;

  // (a) the parser alone, on the same bytes.
  const parseJson = await repeat(times, () => parseOnly(jsonBytes, 'json', N));
  const parseXml = await repeat(times, () => parseOnly(xmlBytes, 'xml', Math.min(N, N)));

  // Our pipeline: ucm-cdr-in → sink.
  const { getNode } = await startRuntime(ucmFlow);
  const port = await getNode('b-src').listening;
  const portX = await getNode('b-src-x').listening;
  // One untimed burst each (the JIT warm), then JSON and XML bursts in turn.
  await throughputOverTcp(getNode, port, jsonFrames);
  await throughputOverTcp(getNode, portX, xmlFrames, 'b-sink-x');
  const pairs = await repeat(times, async () => {
    const json = await throughputOverTcp(getNode, port, jsonFrames);
    const xml = await throughputOverTcp(getNode, portX, xmlFrames, 'b-sink-x');
    return { json: json.value, xml: xml.value, ratio: xml.value / json.value };
  });
  const ucmJson = { value: pairs.json };
  const ucmXml = { value: pairs.xml };
  const latJson = await latencyOverTcp(getNode, port, jsonFrames.slice(0, quick ? 2000 : 20000), 10000);
  const latXml = await latencyOverTcp(getNode, portX, xmlFrames.slice(0, quick ? 1000 : 6000), 2000, 'b-sink-x');

  // (b) core nodes: tcp in (newline-delimited strings) → json → sink.
  const corePort = await freePort();
  await deploy([
    tab,
    { id: 'b-tcpin', z: 'b-tab', type: 'tcp in', server: 'server', host: '', port: String(corePort), datamode: 'stream', datatype: 'utf8', newline: '\\n', topic: '', trim: false, base64: false, tls: '', wires: [['b-json']] },
    { id: 'b-json', z: 'b-tab', type: 'json', action: 'obj', property: 'payload', pretty: false, wires: [['b-sink']] },
    { id: 'b-sink', z: 'b-tab', type: 'bench-sink', wires: [] },
  ]);
  await waitUntil(() => new Promise((r) => net.connect(corePort, '127.0.0.1').once('connect', function () { this.destroy(); r(true); }).once('error', () => r(false))), 'tcp in listening');
  const core = await repeat(times, () => throughputOverTcp(getNode, corePort, jsonFrames));

  // (c) null flows with the same hops: our pipeline has 1 hop, the core one 2.
  await deploy([tab, { id: 'b-src', z: 'b-tab', type: 'bench-source', wires: [['b-sink']] }, { id: 'b-sink', z: 'b-tab', type: 'bench-sink', wires: [] }]);
  const nullFlow = await repeat(times, () => nullFlowRate(getNode, N, (i) => ({ payload: { ...legs[i] }, topic: 'ucm' })));
  await stopRuntime();

  rows.push({ case: 'parser alone, JSON (framing + parse)', ...parseJson });
  rows.push({ case: 'parser alone, XML (framing + parse)', ...parseXml });
  rows.push({ case: 'null flow, 1 hop (runtime ceiling)', ...nullFlow });
  rows.push({ case: 'core tcp in → json (2 hops), JSON', ...core, baseline: 'null flow', ratio: core.value / nullFlow.value });
  rows.push({ case: 'ucm-cdr-in TCP JSON (1 hop)', ...ucmJson, ...latJson, baseline: 'null flow', ratio: ucmJson.value / nullFlow.value });
  rows.push({ case: 'ucm-cdr-in TCP JSON (1 hop)', ...ucmJson, baseline: 'parser alone', ratio: ucmJson.value / parseJson.value });
  rows.push({ case: 'ucm-cdr-in TCP JSON (1 hop)', ...ucmJson, baseline: 'core tcp in → json', ratio: ucmJson.value / core.value });
  rows.push({ case: 'ucm-cdr-in TCP XML (1 hop)', ...ucmXml, ...latXml, baseline: 'null flow', ratio: ucmXml.value / nullFlow.value });
  rows.push({ case: 'ucm-cdr-in TCP XML (1 hop)', ...ucmXml, baseline: 'parser alone', ratio: ucmXml.value / parseXml.value });
  rows.push({ case: 'ucm-cdr-in TCP XML (1 hop)', ...ucmXml, baseline: 'JSON, bursts in turn', ratio: pairs.ratio });
  return {
    title: 'ucm',
    rows,
    notes: [
      `${N} legs of ~${Math.round(jsonBytes.length / N)} B (JSON) / ~${Math.round(xmlBytes.length / N)} B (XML) per run, median of ${times} runs; throughput from burst start to last record at the sink.`,
      'JSON and XML: two sources in one flow, one untimed burst each, then a JSON burst and an XML burst in turn; "JSON, bursts in turn" is the median of the ratios of each pair.',
      'latency (p50/p99) measured at a steady 10,000 rec/s (JSON) and 2,000 rec/s (XML, below its capacity), sender on a worker thread.',
    ],
  };
}

module.exports = { run };

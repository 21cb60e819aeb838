'use strict';
// The journal's cost: the same pipelines with the journal off, on with an fsync
// before each acknowledgement (the default), and on without fsync.
//  - fs-cdr-in HTTP, 8 concurrent keep-alive senders (each waits for its 200,
//    which comes only once the record is durable: group commit shares fsyncs);
//  - ucm-cdr-in TCP JSON, one burst on one connection.
const http = require('node:http');
const { performance } = require('node:perf_hooks');
const { startRuntime, deploy, stopRuntime } = require('./lib/runtime');
const { throughputOverTcp, now } = require('./lib/measure');
const { repeat } = require('./lib/stats');
const sim = require('../nodes/lib/sim/freeswitch');
const { UcmGenerator } = require('../nodes/lib/sim/ucm');

const CONCURRENCY = 8;
const tab = { id: 'b-tab', type: 'tab', label: 'bench' };
const MODES = [
  { name: 'journal off', settings: { journal: false } },
  { name: 'journal on, fsync', settings: { journal: true, journalFsync: 'always' } },
  { name: 'journal on, no fsync', settings: { journal: true, journalFsync: 'never' } },
];

async function postAll(port, bodies) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const latencies = [];
  let next = 0;
  const post = (b) =>
    new Promise((resolve, reject) => {
      const t0 = performance.now();
      const req = http.request(
        { host: '127.0.0.1', port, path: `/cdr?uuid=${b.uuid}`, method: 'POST', agent, headers: { 'Content-Type': b.contentType, 'Content-Length': Buffer.byteLength(b.body) } },
        (res) => {
          res.resume();
          res.on('end', () => {
            latencies.push(performance.now() - t0);
            if (res.statusCode === 200) resolve();
            else reject(new Error(`HTTP ${res.statusCode}`));
          });
        },
      );
      req.on('error', reject);
      req.end(b.body);
    });
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => { while (next < bodies.length) await post(bodies[next++]); }));
  agent.destroy();
  return latencies.sort((a, b) => a - b);
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function run({ quick }) {
  const times = quick ? 1 : 3;
  const nHttp = quick ? 1000 : 5000;
  const nTcp = quick ? 5000 : 30000;
  const gen = new sim.FsCallGenerator({ seed: 21 });
  const bodies = Array.from({ length: nHttp }, () => {
    const rec = gen.call().a;
    return { uuid: rec.variables.uuid, ...sim.postBody(sim.toXml(rec), 'xml', 'base64') };
  });
  const ucm = new UcmGenerator({ seed: 22 });
  const frames = Array.from({ length: nTcp }, () => JSON.stringify({ ...ucm.next('leg'), _t: '__T__' }));

  const httpFlow = (settings) => [
    tab,
    { id: 'b-src', z: 'b-tab', type: 'fs-cdr-in', mode: 'http', host: '127.0.0.1', port: 0, maxConnections: 100, ...settings, wires: [['b-sink']] },
    { id: 'b-sink', z: 'b-tab', type: 'bench-sink', wires: [] },
  ];
  const tcpFlow = (settings) => [
    tab,
    { id: 'b-src', z: 'b-tab', type: 'ucm-cdr-in', transport: 'tcp', host: '127.0.0.1', port: 0, format: 'json', maxFrameKb: 64, idleTimeoutSec: 0, ...settings, wires: [['b-sink']] },
    { id: 'b-sink', z: 'b-tab', type: 'bench-sink', wires: [] },
  ];

  const { getNode } = await startRuntime(httpFlow(MODES[0].settings));
  const results = { http: [], tcp: [] };
  for (const mode of MODES) {
    await deploy(httpFlow(mode.settings));
    const port = await getNode('b-src').listening;
    let lat = [];
    const r = await repeat(times, async () => {
      const sink = getNode('b-sink');
      sink.reset(bodies.length);
      const t0 = now();
      lat = await postAll(port, bodies);
      await sink.done;
      return { value: (bodies.length / (sink.last - t0)) * 1000 };
    });
    results.http.push({ mode, ...r, p50Ms: pct(lat, 50), p99Ms: pct(lat, 99) });
  }
  for (const mode of MODES) {
    await deploy(tcpFlow(mode.settings));
    const port = await getNode('b-src').listening;
    results.tcp.push({ mode, ...(await repeat(times, () => throughputOverTcp(getNode, port, frames))) });
  }
  await stopRuntime();

  const rows = [];
  for (const [kind, label] of [['http', `fs-cdr-in HTTP XML, ${CONCURRENCY} senders`], ['tcp', 'ucm-cdr-in TCP JSON, 1 connection']]) {
    const [off, ...on] = results[kind];
    const { mode: _m, ...offRow } = off;
    rows.push({ case: `${label}, ${off.mode.name}`, ...offRow });
    for (const r of on) {
      const { mode, ...row } = r;
      rows.push({ case: `${label}, ${mode.name}`, ...row, baseline: off.mode.name, ratio: r.value / off.value });
    }
  }
  return {
    title: 'journal',
    rows,
    notes: [
      `${nHttp} FreeSWITCH POSTs (each answered 200 only once durable) and ${nTcp} UCM TCP records per run, median of ${times} runs; target: journal on ≥ 0.7× journal off.`,
      'journal on, fsync: one fdatasync per group commit (every record appended while the previous write was in progress shares it).',
    ],
  };
}

module.exports = { run };

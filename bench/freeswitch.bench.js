'use strict';
/**
 * FreeSWITCH benchmarks, in a real embedded Node-RED runtime (RED.init/RED.start):
 *   - XML over HTTP: mod_xml_cdr-style POSTs (encode=base64, 8 concurrent
 *     senders on keep-alive connections) into fs-cdr-in → a sink;
 *   - CSV following: a Master.csv growing by appends, followed by fs-cdr-in → a sink.
 * Each is reported as records/s and as a ratio to parsing the same bytes alone
 * in the same process, measured in the same run. Run: node bench/freeswitch.bench.js
 */
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');

const ROOT = path.resolve(__dirname, '..');
const fsFormats = require(path.join(ROOT, 'nodes/lib/formats/freeswitch'));
const sim = require(path.join(ROOT, 'nodes/lib/sim/freeswitch'));

const HTTP_RECORDS = Number(process.env.FS_BENCH_HTTP ?? 20000);
const CSV_RECORDS = Number(process.env.FS_BENCH_CSV ?? 100000);
const CONCURRENCY = 8;

function makeDocs(n) {
  const gen = new sim.FsCallGenerator({ seed: 11 });
  const docs = [];
  while (docs.length < n) {
    const call = gen.call();
    docs.push(call.a);
    if (call.b && docs.length < n) docs.push(call.b);
  }
  return docs;
}

function rate(n, ms) {
  return Math.round((n / ms) * 1000);
}

async function startRuntime(flows) {
  const RED = require('node-red');
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdrflow-bench-'));
  const pkgDir = path.join(userDir, 'node_modules', '@cdrflow');
  fs.mkdirSync(pkgDir, { recursive: true });
  fs.symlinkSync(ROOT, path.join(pkgDir, 'node-red-cdr'), 'dir');
  fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flows));
  RED.init({
    userDir,
    flowFile: 'flows.json',
    httpAdminRoot: false,
    httpNodeRoot: false,
    logging: { console: { level: 'warn' } },
    editorTheme: { tours: false },
    credentialSecret: false,
  });
  await RED.start();
  await waitFor(() => flows.every((n) => n.type === 'tab' || RED.nodes.getNode(n.id)), 'flows started');
  return {
    RED,
    node: (id) => RED.nodes.getNode(id),
    async stop() {
      await RED.stop();
      fs.rmSync(userDir, { recursive: true, force: true });
    },
  };
}

async function waitFor(check, what, ms = 120000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** A sink: a debug node kept quiet; we count what reaches it. */
function countAt(rt, id) {
  const counter = { n: 0 };
  rt.node(id).on('input', () => counter.n++);
  return counter;
}

async function benchHttp() {
  const docs = makeDocs(HTTP_RECORDS);
  const bodies = docs.map((rec) => ({ uuid: rec.variables.uuid, ...sim.postBody(sim.toXml(rec), 'xml', 'base64') }));

  // Baseline: unwrap + parse the same bodies, no I/O, no runtime.
  let t = performance.now();
  for (const b of bodies) fsFormats.parsePostBody(b.body, b.contentType, `uuid=${b.uuid}`);
  const parseMs = performance.now() - t;

  const tab = { id: 'tab1', type: 'tab', label: 'bench' };
  const flows = [
    tab,
    { id: 'fs', z: 'tab1', type: 'fs-cdr-in', mode: 'http', host: '127.0.0.1', port: 0, maxConnections: 100, wires: [['sink']] },
    { id: 'sink', z: 'tab1', type: 'debug', active: false, tosidebar: false, console: false, wires: [] },
  ];
  const rt = await startRuntime(flows);
  try {
    const port = await rt.node('fs').listening;
    const counter = countAt(rt, 'sink');
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const latencies = [];
    let next = 0;
    const post = (b) =>
      new Promise((resolve, reject) => {
        const started = performance.now();
        const req = http.request(
          { host: '127.0.0.1', port, path: `/cdr?uuid=${b.uuid}`, method: 'POST', agent, headers: { 'Content-Type': b.contentType, 'Content-Length': Buffer.byteLength(b.body) } },
          (res) => {
            res.resume();
            res.on('end', () => {
              latencies.push(performance.now() - started);
              res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`));
            });
          },
        );
        req.on('error', reject);
        req.end(b.body);
      });
    t = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < bodies.length) await post(bodies[next++]);
      }),
    );
    await waitFor(() => counter.n >= bodies.length, 'all HTTP records at the sink');
    const runMs = performance.now() - t;
    agent.destroy();
    latencies.sort((a, b) => a - b);
    return {
      name: 'freeswitch XML over HTTP (base64, 8 senders)',
      records: bodies.length,
      parseAlonePerSec: rate(bodies.length, parseMs),
      pipelinePerSec: rate(bodies.length, runMs),
      ratioToParse: +(parseMs / runMs).toFixed(3),
      p50ms: +latencies[Math.floor(latencies.length * 0.5)].toFixed(2),
      p99ms: +latencies[Math.floor(latencies.length * 0.99)].toFixed(2),
    };
  } finally {
    await rt.stop();
  }
}

async function benchCsv() {
  const docs = makeDocs(CSV_RECORDS);
  const template = fsFormats.compileTemplate('example');
  const lines = docs.map((rec) => sim.toCsvLine(rec, template));
  const text = lines.join('');

  let t = performance.now();
  for (const line of text.split('\n')) if (line) fsFormats.parseCsvLine(line, template);
  const parseMs = performance.now() - t;

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdrflow-bench-csv-'));
  const file = path.join(dir, 'Master.csv');
  fs.writeFileSync(file, '');
  const flows = [
    { id: 'tab1', type: 'tab', label: 'bench' },
    { id: 'fs', z: 'tab1', type: 'fs-cdr-in', mode: 'csv', file, template: 'example', startAt: 'beginning', checkpoint: path.join(dir, 'ckpt'), wires: [['sink']] },
    { id: 'sink', z: 'tab1', type: 'debug', active: false, tosidebar: false, console: false, wires: [] },
  ];
  const rt = await startRuntime(flows);
  try {
    await rt.node('fs').listening;
    const counter = countAt(rt, 'sink');
    t = performance.now();
    // Appends in blocks of 1,000 lines, as a busy mod_cdr_csv would.
    for (let i = 0; i < lines.length; i += 1000) fs.appendFileSync(file, lines.slice(i, i + 1000).join(''));
    await waitFor(() => counter.n >= lines.length, 'all CSV records at the sink');
    const runMs = performance.now() - t;
    return {
      name: 'freeswitch Master.csv following (example template)',
      records: lines.length,
      parseAlonePerSec: rate(lines.length, parseMs),
      pipelinePerSec: rate(lines.length, runMs),
      ratioToParse: +(parseMs / runMs).toFixed(3),
    };
  } finally {
    await rt.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function run() {
  const results = [await benchHttp()];
  if (process.env.FS_BENCH_ONLY === 'http') return results;
  try {
    results.push(await benchCsv());
  } catch (err) {
    results.push({ name: 'freeswitch Master.csv following', error: err.message });
  }
  return results;
}

module.exports = { name: 'freeswitch', run };

if (require.main === module) {
  run().then(
    (results) => {
      for (const r of results) console.log(JSON.stringify(r));
      process.exit(0);
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}

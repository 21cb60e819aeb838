'use strict';
// FreeSWITCH through fs-cdr-in in a real Node-RED runtime:
//   - mod_xml_cdr XML over HTTP (encode=base64) and mod_json_cdr JSON over HTTP
//     (encode=true), 8 concurrent keep-alive senders as several FreeSWITCH
//     hangup threads would POST,
//   - Master.csv following (example template, appended in blocks),
// beside (a) the format code alone on the same bytes and (b) a null flow with
// the same one hop (the runtime's ceiling), all measured in this run.
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { startRuntime, deploy, stopRuntime, waitUntil } = require('./lib/runtime');
const { percentile, repeat } = require('./lib/stats');
const sim = require('../nodes/lib/sim/freeswitch');
const { parsePostBody, compileTemplate, parseCsvLine } = require('../nodes/lib/formats/freeswitch');
const { readXml } = require('../nodes/lib/formats/xml-reader');
const { XMLParser, XMLValidator } = require('fast-xml-parser');

// The parser the XML path used before our reader, with its settings: compared in the same run.
const fxp = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', parseTagValue: false, parseAttributeValue: false, trimValues: true, ignoreDeclaration: true, ignorePiTags: true, processEntities: true, htmlEntities: false });
const fxpParse = (t) => {
  if (XMLValidator.validate(t) !== true) throw new Error('not well-formed');
  return fxp.parse(t);
};
function parseDocs(docs, parse) {
  for (let i = 0; i < Math.min(200, docs.length); i++) parse(docs[i]);
  const t0 = performance.now();
  for (const d of docs) parse(d);
  return { value: (docs.length / (performance.now() - t0)) * 1000 };
}

const now = () => performance.timeOrigin + performance.now();
const CONCURRENCY = 8;
const tab = { id: 'b-tab', type: 'tab', label: 'bench' };

function legs(n, seed) {
  const gen = new sim.FsCallGenerator({ seed });
  const out = [];
  while (out.length < n) {
    const call = gen.call();
    out.push(call.a);
    if (call.b && out.length < n) out.push(call.b);
  }
  return out;
}

function parseBodies(bodies) {
  const t0 = performance.now();
  for (const b of bodies) parsePostBody(b.body, b.contentType, `uuid=${b.uuid}`);
  return { value: (bodies.length / (performance.now() - t0)) * 1000 };
}

function parseCsv(text, template, expected) {
  const t0 = performance.now();
  let n = 0;
  for (const line of text.split('\n')) if (line) (parseCsvLine(line, template), n++);
  const ms = performance.now() - t0;
  if (n !== expected) throw new Error(`parsed ${n} of ${expected} lines`);
  return { value: (n / ms) * 1000 };
}

async function postAll(port, bodies) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const latencies = [];
  let next = 0;
  const post = (b) =>
    new Promise((resolve, reject) => {
      const t0 = performance.now();
      const req = http.request(
        { host: '127.0.0.1', port, path: `/cdr?uuid=${b.uuid}`, method: 'POST', agent, headers: { 'Content-Type': b.contentType, 'Content-Length': Buffer.byteLength(b.body), 'User-Agent': 'freeswitch-xml/1.0' } },
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
  return latencies;
}

async function run({ quick }) {
  const nHttp = quick ? 2000 : 20000;
  const nCsv = quick ? 10000 : 100000;
  const times = quick ? 1 : 3;
  const httpLegs = legs(nHttp, 11);
  const bodies = httpLegs.map((rec) => ({ uuid: rec.variables.uuid, ...sim.postBody(sim.toXml(rec), 'xml', 'base64') }));
  // mod_json_cdr defaults: encode=true (cdr=<URL-encoded JSON>), encode-values=true.
  const jsonBodies = httpLegs.map((rec) => ({ uuid: rec.variables.uuid, ...sim.postBody(sim.toJson(rec, true), 'json', 'urlencoded') }));
  const template = compileTemplate('example');
  const csvLines = legs(nCsv, 12).map((rec) => sim.toCsvLine(rec, template));
  const csvText = csvLines.join('');

  // (a) the format code alone on the same bytes.
  const xmlDocs = httpLegs.map((rec) => sim.toXml(rec));
  const readerAlone = await repeat(times, () => parseDocs(xmlDocs, readXml));
  const fxpAlone = await repeat(times, () => parseDocs(xmlDocs, fxpParse));
  const parseXml = await repeat(times, () => parseBodies(bodies));
  const parseJson = await repeat(times, () => parseBodies(jsonBodies));
  const parseCsvAlone = await repeat(times, () => parseCsv(csvText, template, nCsv));

  // XML over HTTP through fs-cdr-in → sink.
  const { getNode } = await startRuntime([
    tab,
    { id: 'b-src', z: 'b-tab', type: 'fs-cdr-in', mode: 'http', host: '127.0.0.1', port: 0, maxConnections: 100, wires: [['b-sink']] },
    { id: 'b-sink', z: 'b-tab', type: 'bench-sink', wires: [] },
  ]);
  const port = await getNode('b-src').listening;
  let lat = [];
  const httpRun = await repeat(times, async () => {
    const sink = getNode('b-sink');
    sink.reset(bodies.length);
    const t0 = now();
    lat = await postAll(port, bodies);
    await sink.done;
    return { value: (bodies.length / (sink.last - t0)) * 1000 };
  });

  let latJson = [];
  const httpJsonRun = await repeat(times, async () => {
    const sink = getNode('b-sink');
    sink.reset(jsonBodies.length);
    const t0 = now();
    latJson = await postAll(port, jsonBodies);
    await sink.done;
    return { value: (jsonBodies.length / (sink.last - t0)) * 1000 };
  });

  // Master.csv following through fs-cdr-in → sink.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdrflow-bench-fs-'));
  const csvRun = await repeat(times, async (i) => {
    const file = path.join(dir, `Master-${i}.csv`);
    fs.writeFileSync(file, '');
    await deploy([
      tab,
      { id: `b-csv${i}`, z: 'b-tab', type: 'fs-cdr-in', mode: 'csv', file, template: 'example', startAt: 'beginning', checkpoint: path.join(dir, 'ckpt'), pollSec: 0.05, wires: [['b-sink']] },
      { id: 'b-sink', z: 'b-tab', type: 'bench-sink', wires: [] },
    ]);
    await getNode(`b-csv${i}`).listening;
    const sink = getNode('b-sink');
    sink.reset(nCsv);
    const t0 = now();
    // Blocks of 1,000 lines, as a busy mod_cdr_csv appends them.
    for (let k = 0; k < csvLines.length; k += 1000) fs.appendFileSync(file, csvLines.slice(k, k + 1000).join(''));
    await sink.done;
    return { value: (nCsv / (sink.last - t0)) * 1000 };
  });

  // (b) null flow, one hop: the runtime's ceiling.
  await deploy([tab, { id: 'b-null', z: 'b-tab', type: 'bench-source', wires: [['b-sink']] }, { id: 'b-sink', z: 'b-tab', type: 'bench-sink', wires: [] }]);
  await waitUntil(() => getNode('b-null'), 'null flow');
  const nullFlow = await repeat(times, async () => {
    const sink = getNode('b-sink');
    sink.reset(nCsv);
    const t0 = now();
    await getNode('b-null').emitMany(nCsv, (i) => ({ payload: { line: i }, topic: 'freeswitch' }));
    await sink.done;
    return { value: (nCsv / (sink.last - t0)) * 1000 };
  });
  await stopRuntime();
  fs.rmSync(dir, { recursive: true, force: true });

  const xmlBytes = Math.round(bodies.reduce((s, b) => s + b.body.length, 0) / bodies.length);
  return {
    title: 'freeswitch',
    rows: [
      { case: 'XML parse alone: our reader (XML text → tree)', ...readerAlone, unit: 'docs/s', baseline: 'fast-xml-parser', ratio: readerAlone.value / fxpAlone.value },
      { case: 'XML parse alone: fast-xml-parser validate + parse', ...fxpAlone, unit: 'docs/s' },
      { case: 'parse alone: base64 POST body → XML record', ...parseXml },
      { case: 'parse alone: cdr= URL-encoded POST body → JSON record', ...parseJson },
      { case: 'parse alone: Master.csv line → record', ...parseCsvAlone },
      { case: 'null flow, 1 hop (runtime ceiling)', ...nullFlow },
      { case: 'fs-cdr-in HTTP XML base64, 8 senders', ...httpRun, p50Ms: percentile(lat, 50), p99Ms: percentile(lat, 99), baseline: 'parse alone', ratio: httpRun.value / parseXml.value },
      { case: 'fs-cdr-in HTTP XML base64, 8 senders', ...httpRun, baseline: 'null flow', ratio: httpRun.value / nullFlow.value },
      { case: 'fs-cdr-in HTTP XML base64, 8 senders', ...httpRun, baseline: 'HTTP JSON same calls', ratio: httpRun.value / httpJsonRun.value },
      { case: 'fs-cdr-in HTTP JSON URL-encoded, 8 senders', ...httpJsonRun, p50Ms: percentile(latJson, 50), p99Ms: percentile(latJson, 99), baseline: 'parse alone', ratio: httpJsonRun.value / parseJson.value },
      { case: 'fs-cdr-in HTTP JSON URL-encoded, 8 senders', ...httpJsonRun, baseline: 'null flow', ratio: httpJsonRun.value / nullFlow.value },
      { case: 'fs-cdr-in Master.csv following', ...csvRun, baseline: 'parse alone', ratio: csvRun.value / parseCsvAlone.value },
      { case: 'fs-cdr-in Master.csv following', ...csvRun, baseline: 'null flow', ratio: csvRun.value / nullFlow.value },
    ],
    notes: [
      `${nHttp} XML legs POSTed (~${xmlBytes} B base64 bodies), ${nCsv} CSV lines; median of ${times} runs; rate from the first request/append to the last record at the sink.`,
      `JSON bodies ~${Math.round(jsonBodies.reduce((n, b) => n + b.body.length, 0) / jsonBodies.length)} B.`,
    'p50/p99 for HTTP are request round trips seen by the sender: FreeSWITCH waits for them in its hangup thread.',
    ],
  };
}

module.exports = { run };

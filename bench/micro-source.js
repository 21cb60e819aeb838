#!/usr/bin/env node
// CPU per record of the source layer's pieces, without Node-RED or sockets (not
// a benchmark row): framing of UCM legs fed in 64 KiB chunks, framing + parse,
// and Delivery.accept with the journal (fsync never). Best of several rounds,
// process CPU, so that two builds can be compared A/B on a shared machine:
//   node bench/micro-source.js [records]   (after npm run build; run it from each build's root alternately)
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { UcmGenerator, ucmToXml } = require('../nodes/lib/sim/ucm');
const { createFramer } = require('../nodes/lib/transport/framing');
const { parseUcmFrame } = require('../nodes/lib/formats/ucm');
const { Delivery } = require('../nodes/lib/source/delivery');

const N = Number(process.argv[2] || 20000);
const ROUNDS = 12;
const gen = new UcmGenerator({ seed: 11 });
const legs = Array.from({ length: N }, (_, i) => ({ ...gen.next('leg'), AcctId: `m${i}` }));
const json = legs.map((l) => JSON.stringify(l));
const xml = legs.map(ucmToXml);

function best(run) {
  let min = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const c0 = process.cpuUsage();
    run();
    const c = process.cpuUsage(c0);
    min = Math.min(min, (c.user + c.system) / N);
  }
  return min;
}

function framing(kind, texts, parse) {
  const bytes = Buffer.from(texts.map((t) => `${t}\n`).join(''));
  const chunks = [];
  for (let i = 0; i < bytes.length; i += 65536) chunks.push(bytes.subarray(i, i + 65536));
  return best(() => {
    let frames = 0;
    const sink = {
      frame(text, _unterminated, value) {
        frames++;
        if (parse) parseUcmFrame(text, kind, value);
      },
      error(err) {
        throw err;
      },
    };
    const f = createFramer(kind, sink, { maxFrameBytes: 65536 });
    for (const c of chunks) f.push(c);
    if (frames !== N) throw new Error(`${frames} frames of ${N}`);
  });
}

async function accept() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdrflow-micro-'));
  const d = await Delivery.open({ journal: { dir, fsync: 'never' }, ackMode: 'sent', emit: () => undefined });
  let min = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const values = json.map((t) => JSON.parse(t));
    const c0 = process.cpuUsage();
    let last = null;
    // As a socket read hands them over: ~70 one-record frames per turn of the event loop.
    for (let i = 0; i < N; i += 70) {
      for (let k = i; k < Math.min(N, i + 70); k++) {
        const source = { vendor: 'ucm', format: 'json', transport: 'tcp', address: '127.0.0.1', port: 40000, receivedAt: new Date().toISOString() };
        last = d.accept([{ payload: values[k], source, payloadJson: json[k] }]);
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    await last;
    await d.flush();
    const c = process.cpuUsage(c0);
    min = Math.min(min, (c.user + c.system) / N);
  }
  await d.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return min;
}

async function main() {
  const rows = [
    ['JSON framing', framing('json', json, false)],
    ['JSON framing + parseUcmFrame', framing('json', json, true)],
    ['XML framing', framing('xml', xml, false)],
    ['XML framing + parseUcmFrame', framing('xml', xml, true)],
    ['Delivery.accept, journal (fsync never)', await accept()],
  ];
  console.log(`${N} UCM legs, best of ${ROUNDS} rounds, process CPU µs/record (load ${os.loadavg()[0].toFixed(2)}):`);
  for (const [name, us] of rows) console.log(`${us.toFixed(2).padStart(7)}  ${name}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

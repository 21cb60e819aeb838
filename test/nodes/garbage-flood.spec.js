'use strict';
// Issue 14, "Error reports are unbounded": 17 MB of garbage with a catch node that keeps
// every error took Node-RED from 132 MB to 1.25 GB, and good UDP datagrams sent among
// the garbage were lost. Here a real Node-RED (child process) gets ~17 MB of garbage on
// VOS3000 TCP, UCM TCP and VOS3000 UDP, a good record after every piece of it, and a
// catch node that stores every error it gets: its RSS stays under 300 MB, every good
// record arrives, and the errors come folded (a count and a sample), not one per line.
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const dgram = require('node:dgram');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { startRed } = require('../support/red-process');
const { freePort } = require('../support/net');
const { waitFor } = require('../support/wait');
const { ucmRecord, vosLines } = require('../support/listeners');

const RSS_LIMIT_MB = 300;

function rssMb(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) / 1024 : 0;
}

function lineCount(file) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
}

/** Writes respecting backpressure (a socket error ends the flood through `closed`). */
function send(socket, data) {
  return new Promise((resolve) => {
    if (socket.write(data)) resolve();
    else socket.once('drain', resolve);
  });
}

/** Garbage of `bytes`: binary runs and text lines that are no record, ended so that no bogus frame stays open. */
function garbage(bytes) {
  const bin = crypto.randomBytes(bytes / 2);
  const text = Array.from({ length: Math.ceil(bytes / 2 / 24) }, (_, i) => `not|a|record ${i} {"x":\n`).join('');
  return Buffer.concat([bin, Buffer.from(text), Buffer.from('\u0001\n')]);
}

describe('garbage flood through a real Node-RED: memory bounded, every good record arrives', function () {
  this.timeout(240000);
  if (process.platform !== 'linux') return; // RSS is read from /proc
  let red;
  let dir;
  after(async () => {
    if (red) await red.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('~17 MB of garbage on VOS TCP, UCM TCP and VOS UDP with a catch node that stores every error', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdrflow-flood-'));
    const goodFile = path.join(dir, 'good.jsonl');
    const errFile = path.join(dir, 'errors.jsonl');
    const [vosTcp, vosUdp, ucmTcp] = [await freePort(), await freePort(), await freePort()];
    red = await startRed();
    const z = 'flood';
    const placed = (nodes) => nodes.map((n, i) => (n.type === 'tab' ? n : { x: 100 + 150 * i, y: 100, ...n }));
    await red.deploy(placed([
      { id: z, type: 'tab', label: 'flood' },
      { id: 'vos', z, type: 'vos-cdr-in', tcp: true, udp: true, host: '127.0.0.1', tcpPort: String(vosTcp), udpPort: String(vosUdp), reorder: false, wires: [['line'], []] },
      { id: 'ucm', z, type: 'ucm-cdr-in', transport: 'tcp', host: '127.0.0.1', port: String(ucmTcp), format: 'auto', wires: [['line']] },
      { id: 'line', z, type: 'function', func: 'msg.payload = JSON.stringify({ t: msg.source.transport, v: msg.source.vendor });\nreturn msg;', outputs: 1, wires: [['good']] },
      { id: 'good', z, type: 'file', filename: goodFile, filenameType: 'str', appendNewline: true, createDir: true, overwriteFile: 'false', encoding: 'none', wires: [] },
      // What the user did: keep every bad record.
      { id: 'catch', z, type: 'catch', scope: null, uncaught: false, wires: [['keep']] },
      {
        id: 'keep',
        z,
        type: 'function',
        func: "const kept = context.get('kept') || [];\nkept.push(msg);\ncontext.set('kept', kept);\nreturn { payload: JSON.stringify({ count: msg.errorCount || 1, bytes: String(msg.payload).length }) };",
        outputs: 1,
        wires: [['errs']],
      },
      { id: 'errs', z, type: 'file', filename: errFile, filenameType: 'str', appendNewline: true, createDir: true, overwriteFile: 'false', encoding: 'none', wires: [] },
    ]));
    const pid = red.pid();
    const before = rssMb(pid);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 100);

    const connectTo = (port) =>
      new Promise((resolve, reject) => {
        const s = net.connect({ port, host: '127.0.0.1' }, () => resolve(s));
        s.once('error', reject);
      });
    const PIECES = Number(process.env.FLOOD_PIECES || 100);
    const PIECE = 80 * 1024; // 100 × 80 KB × 2 listeners ≈ 16 MB over TCP
    const tcpFlood = async (port, good) => {
      const s = await connectTo(port);
      for (let i = 0; i < PIECES; i++) {
        await send(s, garbage(PIECE));
        await send(s, good());
      }
      s.end();
    };
    const UDP_GOOD = Number(process.env.FLOOD_UDP || 300);
    const udpFlood = async () => {
      const sock = dgram.createSocket('udp4');
      const bad = Buffer.from(Array.from({ length: 40 }, (_, i) => `bad line ${i} | no | fields\n`).join('')); // ~1 KB of bad lines
      for (let i = 0; i < UDP_GOOD; i++) {
        for (let k = 0; k < 4; k++) await new Promise((r) => sock.send(bad, vosUdp, '127.0.0.1', r));
        await new Promise((r) => sock.send(Buffer.from(vosLines(1)), vosUdp, '127.0.0.1', r));
        // Paced like a busy switch (about 2,500 datagrams/s), not a loopback blast the kernel drops anyway.
        if (i % 10 === 9) await new Promise((r) => setTimeout(r, 20));
      }
      sock.close();
    };
    await Promise.all([tcpFlood(vosTcp, () => `\n${vosLines(1)}`), tcpFlood(ucmTcp, () => ucmRecord()), udpFlood()]);

    const expected = PIECES * 2 + UDP_GOOD;
    const t0 = Date.now();
    await waitFor(() => lineCount(goodFile) >= expected, `${expected} good records`, 120000).catch((err) => {
      const seen = fs.readFileSync(goodFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
      const tally = {};
      for (const g of seen) tally[`${g.t}/${g.v}`] = (tally[`${g.t}/${g.v}`] ?? 0) + 1;
      throw new Error(`${err.message}: got ${JSON.stringify(tally)}, peak RSS ${peak.toFixed(0)} MB, errors ${lineCount(errFile)}`);
    });
    console.log(`      flood sent and delivered; ${Date.now() - t0} ms after the last send`);
    clearInterval(sampler);
    peak = Math.max(peak, rssMb(pid));
    const good = fs.readFileSync(goodFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const by = (t, v) => good.filter((g) => g.t === t && g.v === v).length;
    assert.equal(by('tcp', 'vos3000'), PIECES);
    assert.equal(by('tcp', 'ucm'), PIECES);
    assert.equal(by('udp', 'vos3000'), UDP_GOOD);
    const folds = () => fs.readFileSync(errFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((e) => e.count > 1).length;
    // Summaries follow their window: wait for one from each flooded listener.
    await waitFor(() => lineCount(errFile) > 0 && folds() >= 3, 'the folded error reports', 10000).catch(() => assert.fail(red.log().split('\n').filter((l) => !/cdr-in/.test(l)).join('\n').slice(-3000)));
    const errors = fs.readFileSync(errFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const folded = errors.reduce((n, e) => n + e.count, 0);
    console.log(`      RSS ${before.toFixed(0)} MB before, peak ${peak.toFixed(0)} MB; ${errors.length} error messages covering ${folded} bad pieces; largest raw ${Math.max(...errors.map((e) => e.bytes))} chars`);
    assert.ok(peak < RSS_LIMIT_MB, `peak RSS ${peak.toFixed(0)} MB`);
    assert.ok(errors.length < folded / 20, `${errors.length} error messages for ${folded} bad pieces: not folded`);
    assert.ok(errors.every((e) => e.bytes <= 16 * 1024), 'raw text bounded');
  });
});

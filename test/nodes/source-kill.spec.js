'use strict';
// Kill tests: a real Node-RED child process with six sources at once (FreeSWITCH
// HTTP, UCM HTTP, FreeSWITCH spool, Master.csv, UCM TCP, VOS3000 TCP), each wired
// to a real sink (a rate-limited path to a core file node, then cdr-ack) and to a
// tap (a file of what the source handed on). Senders run while the process is
// SIGKILLed at random moments, several times. Then every record acknowledged to
// its sender (an HTTP 200, a spool file moved to done/, a Master.csv line; for
// TCP, which has no acknowledgement, every record the source handed on) must be
// in the sink, and every id in the sink must be an id of a record that was sent
// (a repeat carries its record's id, never a new one).
const assert = require('node:assert/strict');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { startRed } = require('../support/red-process');
const { freePort } = require('../support/net');
const { request } = require('../support/http');
const { waitFor } = require('../support/wait');
const fsSim = require('../../nodes/lib/sim/freeswitch');
const { writeSpoolFile, spoolFileName, MasterCsvWriter } = require('../../nodes/lib/sim/freeswitch-send');
const { UcmGenerator, ucmToJson } = require('../../nodes/lib/sim/ucm');
const vosSim = require('../../nodes/lib/sim/vos');
const { parseXmlCdr } = require('../../nodes/lib/formats/freeswitch/xml');
const { compileTemplate, parseCsvLine } = require('../../nodes/lib/formats/freeswitch/csv');
const { normalize } = require('../../nodes/lib/cdr/normalize');

const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
const idsOf = (vendor, record) => normalize(vendor, record, { timeZone }).legs.map((l) => l.id);
const nap = (ms) => new Promise((r) => setTimeout(r, ms));

/** A small repeatable random source (the kill moments). */
function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

const readIds = (file) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

/** The source node plus its tap and its sink: source → tap; source → rate limit → normalize → file → cdr-ack. */
function wired(p, source, dir) {
  const fn = (id, wires) => ({ id, z: 'k', type: 'function', func: 'msg.payload = msg.payload.id;\nreturn msg;', outputs: 1, noerr: 0, initialize: '', finalize: '', libs: [], wires });
  const file = (id, name, wires) => ({ id, z: 'k', type: 'file', filename: path.join(dir, name), filenameType: 'str', appendNewline: true, createDir: true, overwriteFile: 'false', encoding: 'none', wires });
  return [
    { ...source, id: p, z: 'k', ackTimeoutSec: 600, wires: [[`${p}-tapn`, `${p}-rate`]] },
    { id: `${p}-tapn`, z: 'k', type: 'cdr-normalize', dedupe: 'off', wires: [[`${p}-tapf`]] },
    fn(`${p}-tapf`, [[`${p}-tapw`]]),
    file(`${p}-tapw`, `${p}.tap`, [[]]),
    { id: `${p}-rate`, z: 'k', type: 'delay', pauseType: 'rate', timeout: '5', timeoutUnits: 'seconds', rate: '60', nbRateUnits: '1', rateUnits: 'second', randomFirst: '1', randomLast: '5', randomUnits: 'seconds', drop: false, allowrate: false, outputs: 1, wires: [[`${p}-n`]] },
    { id: `${p}-n`, z: 'k', type: 'cdr-normalize', wires: [[`${p}-f`]] },
    fn(`${p}-f`, [[`${p}-w`]]),
    file(`${p}-w`, `${p}.sink`, [[`${p}-ack`]]),
    { id: `${p}-ack`, z: 'k', type: 'cdr-ack', wires: [[]] },
  ];
}

/** POSTs until answered 200 (FreeSWITCH and the UCM retry on anything else), or until stopped. */
async function postUntilOk(port, urlPath, body, contentType, running) {
  while (running()) {
    try {
      const res = await request({ port, path: urlPath, body, headers: { 'Content-Type': contentType } });
      if (res.status === 200) return true;
    } catch {
      // refused or reset while Node-RED is down: retry
    }
    await nap(50);
  }
  return false;
}

/** A TCP sender like the UCM's and VOS3000's: one connection, reconnected when it breaks; what cannot be written is not acknowledged. */
function tcpSender(port) {
  let socket = null;
  let up = false;
  let stopped = false;
  const connect = () => {
    if (stopped) return;
    socket = net.connect({ host: '127.0.0.1', port });
    socket.on('connect', () => (up = true));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      up = false;
      if (!stopped) setTimeout(connect, 100);
    });
  };
  connect();
  return {
    write(text) {
      if (up) socket.write(text);
    },
    stop() {
      stopped = true;
      socket?.destroy();
    },
  };
}

describe('sources: nothing acknowledged is lost across SIGKILLs', function () {
  this.timeout(180000);
  let red = null;
  let dir = null;
  after(async () => {
    if (red) await red.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('HTTP (FreeSWITCH, UCM), spool, Master.csv, UCM TCP, VOS TCP: every acknowledged record reaches the sink, repeats keep their id', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdrflow-kill-'));
    const spoolDir = path.join(dir, 'spool');
    const csvDir = path.join(dir, 'csv');
    fs.mkdirSync(spoolDir);
    fs.mkdirSync(csvDir);
    const ports = { fsHttp: await freePort(), ucmHttp: await freePort(), ucmTcp: await freePort(), vosTcp: await freePort() };
    const flow = [
      { id: 'k', type: 'tab', label: 'kill' },
      ...wired('k-fshttp', { type: 'fs-cdr-in', mode: 'http', host: '127.0.0.1', port: ports.fsHttp, path: '/cdr' }, dir),
      ...wired('k-ucmhttp', { type: 'ucm-cdr-in', transport: 'http', host: '127.0.0.1', port: ports.ucmHttp, format: 'json' }, dir),
      ...wired('k-spool', { type: 'fs-cdr-in', mode: 'spool', dir: spoolDir, settleSec: 0.05, pollSec: 0.05 }, dir),
      ...wired('k-csv', { type: 'fs-cdr-in', mode: 'csv', file: path.join(csvDir, 'Master.csv'), template: 'example', startAt: 'beginning', pollSec: 0.05 }, dir),
      ...wired('k-ucmtcp', { type: 'ucm-cdr-in', transport: 'tcp', host: '127.0.0.1', port: ports.ucmTcp, format: 'json' }, dir),
      ...wired('k-vostcp', { type: 'vos-cdr-in', tcp: true, udp: false, host: '127.0.0.1', tcpPort: ports.vosTcp }, dir),
    ];
    red = await startRed({ flow, logLevel: 'info' });

    let running = true;
    const live = () => running;
    const sent = { fshttp: [], ucmhttp: [], spool: [], csv: [] };
    const acked = { fshttp: [], ucmhttp: [] };
    const fsGen = new fsSim.FsCallGenerator({ seed: 7 });
    const ucmGen = new UcmGenerator({ seed: 8 });
    const csv = new MasterCsvWriter({ dir: csvDir });
    const template = compileTemplate('example');
    const ucmTcp = tcpSender(ports.ucmTcp);
    const vosTcp = tcpSender(ports.vosTcp);
    const ucmTcpGen = new UcmGenerator({ seed: 9, firstAcctId: 500000 });
    const vosGen = vosSim.callGenerator({ startMs: Date.UTC(2024, 0, 1), cps: 5, seed: 10 });

    const loops = [
      (async () => {
        while (running) {
          const xml = fsSim.toXml(fsGen.call().a);
          const ids = idsOf('freeswitch', parseXmlCdr(xml));
          sent.fshttp.push(...ids);
          const { body, contentType } = fsSim.postBody(xml, 'xml', 'urlencoded');
          if (await postUntilOk(ports.fsHttp, '/cdr', body, contentType, live)) acked.fshttp.push(...ids);
          await nap(20);
        }
      })(),
      (async () => {
        while (running) {
          const record = ucmGen.next('leg');
          const ids = idsOf('ucm', record);
          sent.ucmhttp.push(...ids);
          if (await postUntilOk(ports.ucmHttp, '/', ucmToJson(record), 'application/json', live)) acked.ucmhttp.push(...ids);
          await nap(20);
        }
      })(),
      (async () => {
        while (running) {
          const call = fsGen.call();
          const xml = fsSim.toXml(call.a);
          sent.spool.push(...idsOf('freeswitch', parseXmlCdr(xml)));
          await writeSpoolFile(spoolDir, spoolFileName(call.a.variables.uuid, 'xml', true), xml);
          await nap(25);
        }
      })(),
      (async () => {
        while (running) {
          const line = fsSim.toCsvLine(fsGen.call().a);
          sent.csv.push(...idsOf('freeswitch', parseCsvLine(line, template)));
          await csv.append(line);
          await nap(25);
        }
      })(),
      (async () => {
        while (running) {
          ucmTcp.write(ucmToJson(ucmTcpGen.next('leg')));
          vosTcp.write(`${vosSim.formatLine(vosGen.next())}\n`);
          await nap(25);
        }
      })(),
    ];

    // Kill at random moments, several times.
    const random = rng(20261202);
    for (let k = 0; k < 3; k++) {
      await nap(800 + Math.floor(random() * 1700));
      await red.restart({ signal: 'SIGKILL' });
    }
    await nap(500 + Math.floor(random() * 1000));
    running = false;
    await Promise.all(loops);
    ucmTcp.stop();
    vosTcp.stop();

    const done = readIdsFromDone(spoolDir);
    const must = {
      fshttp: acked.fshttp,
      ucmhttp: acked.ucmhttp,
      spool: done,
      csv: sent.csv,
    };
    const file = (p, kind) => path.join(dir, `k-${p}.${kind}`);
    const missing = (p) => {
      const sink = new Set(readIds(file(p, 'sink')));
      const needed = [...(must[p] ?? []), ...readIds(file(p, 'tap'))];
      return needed.filter((id) => !sink.has(id));
    };
    const sources = ['fshttp', 'ucmhttp', 'spool', 'csv', 'ucmtcp', 'vostcp'];
    await waitFor(() => sources.every((p) => missing(p).length === 0), 'every acknowledged record in its sink', 90000, 200).catch((err) => {
      const report = sources.map((p) => `${p}: ${missing(p).length} missing`).join(', ');
      throw new Error(`${err.message}: ${report}\n${red.log().split('\n').slice(-40).join('\n')}`);
    });

    for (const p of sources) {
      const sink = readIds(file(p, 'sink'));
      assert.ok(sink.length > 0, `${p}: nothing reached the sink`);
      // A repeat carries its record's id: every id in the sink is one of a record that was sent.
      if (sent[p]) {
        const known = new Set(sent[p]);
        assert.deepEqual(sink.filter((id) => !known.has(id)), [], `${p}: ids in the sink that were never sent`);
      } else {
        const tapped = new Set(readIds(file(p, 'tap')));
        assert.deepEqual(sink.filter((id) => !tapped.has(id)), [], `${p}: ids in the sink the source never handed on`);
      }
    }
    assert.ok(acked.fshttp.length > 10 && acked.ucmhttp.length > 10 && done.length > 10, 'the senders got records through');

    /** Ids of the spool files moved to done/ (acknowledged to FreeSWITCH). */
    function readIdsFromDone(spool) {
      const d = path.join(spool, 'done');
      if (!fs.existsSync(d)) return [];
      return fs.readdirSync(d).flatMap((n) => idsOf('freeswitch', parseXmlCdr(fs.readFileSync(path.join(d, n), 'utf8'))));
    }
  });
});

'use strict';
// Records a source keeps before it hands them on — the events of gateway calls
// still open, VOS3000 records in the reorder window — are journaled on receipt:
// a real Node-RED is SIGKILLed while it holds them, and after the restart the
// calls complete with every event, and the window lets each record out once.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startRed } = require('../support/red-process');
const { freePort, connect, write } = require('../support/net');
const { waitFor } = require('../support/wait');
const { unacknowledged, journalDirOf } = require('../support/journal-files');
const { generateGatewayTraffic } = require('../../nodes/lib/sim/gateway');
const vosSim = require('../../nodes/lib/sim/vos');

const readLines = (file) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);

function flowOf(dir, ports, vosTopic = 'vos3000') {
  const fn = (id, body, wires) => ({ id, z: 't', type: 'function', func: `${body}\nreturn msg;`, outputs: 1, noerr: 0, initialize: '', finalize: '', libs: [], wires });
  const file = (id, name) => ({ id, z: 't', type: 'file', filename: path.join(dir, name), filenameType: 'str', appendNewline: true, createDir: true, overwriteFile: 'false', encoding: 'none', wires: [[]] });
  return [
    { id: 't', type: 'tab', label: 'held' },
    { id: 'gw', z: 't', type: 'gw-cdr-in', transport: 'tcp', host: '127.0.0.1', port: ports.gw, wires: [['gw-f'], []] },
    fn('gw-f', "msg.payload = JSON.stringify({ ref: msg.payload['Call-Ref'], gateway: msg.payload.Gateway, dialed: msg.payload.Dialed, notation: msg.payload.Notation });", [['gw-w']]),
    file('gw-w', 'gw.sink'),
    // A window far longer than the test: only a restart or a redeploy lets records out.
    { id: 'vos', z: 't', type: 'vos-cdr-in', tcp: true, udp: false, host: '127.0.0.1', tcpPort: ports.vos, reorder: true, reorderWindowSec: 3600, topic: vosTopic, wires: [['vos-f'], []] },
    fn('vos-f', 'msg.payload = JSON.stringify({ caller: msg.payload.callerE164, start: msg.payload.startTime, redelivered: msg.redelivered === true, topic: msg.topic });', [['vos-w']]),
    file('vos-w', 'vos.sink'),
  ];
}

describe('held records survive a SIGKILL: gateway calls in progress, the VOS reorder window', function () {
  this.timeout(120000);
  let red = null;
  let dir = null;
  after(async () => {
    if (red) await red.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('journals them on receipt, gives them back after the restart, and sends each record once', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdrflow-held-'));
    const ports = { gw: await freePort(), vos: await freePort() };
    red = await startRed({ flow: flowOf(dir, ports) });
    const gwJournal = journalDirOf(red.userDir, 'gw-cdr-in', 'gw');
    const vosJournal = journalDirOf(red.userDir, 'vos-cdr-in', 'vos');

    // Three outgoing calls; everything but each call's HOOK_ON before the crash.
    const traffic = generateGatewayTraffic({ calls: 3, notations: ['Call out'], gateways: ['8200'], seed: 5 });
    const last = new Map();
    traffic.lines.forEach((line, i) => last.set(traffic.callOfLine[i], i));
    const before = traffic.lines.filter((_, i) => last.get(traffic.callOfLine[i]) !== i);
    const after = traffic.lines.filter((_, i) => last.get(traffic.callOfLine[i]) === i);
    assert.ok(after.every((l) => /HOOK_ON/.test(l)) && before.length > 6);
    const gwSocket = await connect(ports.gw);
    await write(gwSocket, before.map((l) => `${l}\r\n`).join(''));

    // Five VOS records, out of order: all held by the window.
    const calls = vosSim.generateCalls(5, { startMs: Date.UTC(2024, 0, 1), cps: 1, seed: 21 });
    const vosSocket = await connect(ports.vos);
    await write(vosSocket, [3, 0, 4, 1, 2].map((i) => `${vosSim.formatLine(calls[i])}\n`).join(''));

    // On disk before anything was handed on.
    await waitFor(() => unacknowledged(gwJournal).length === before.length, () => `${before.length} gateway events journaled, got ${unacknowledged(gwJournal).length}`, 20000, 50);
    await waitFor(() => unacknowledged(vosJournal).length === 5, 'the 5 held VOS records journaled', 20000, 50);
    assert.ok(unacknowledged(vosJournal).every((r) => r.record.held === true));
    assert.deepEqual(readLines(path.join(dir, 'gw.sink')), []);
    assert.deepEqual(readLines(path.join(dir, 'vos.sink')), []);
    gwSocket.destroy();
    vosSocket.destroy();

    await red.restart({ signal: 'SIGKILL' });

    // The calls resume with the events received before the crash: the HOOK_ON completes each.
    const gwAgain = await connect(ports.gw);
    await write(gwAgain, after.map((l) => `${l}\r\n`).join(''));
    await waitFor(() => readLines(path.join(dir, 'gw.sink')).length === 3, 'three gateway records', 20000, 50);
    const records = readLines(path.join(dir, 'gw.sink'));
    assert.deepEqual(records.map((r) => r.notation), ['Call out', 'Call out', 'Call out'], JSON.stringify(records));
    assert.ok(records.every((r) => r.dialed && r.dialed.startsWith('2252')), `every call has its DIAL from before the crash: ${JSON.stringify(records)}`);
    assert.equal(new Set(records.map((r) => r.ref)).size, 3);
    gwAgain.destroy();
    // Each record let its events go with it.
    await waitFor(() => unacknowledged(gwJournal).length === 0, 'the gateway journal empty', 10000, 50);

    // The window holds the restored records again; a redeploy of the node lets them out, sorted, once each.
    assert.deepEqual(readLines(path.join(dir, 'vos.sink')), []);
    await red.deploy(flowOf(dir, ports, 'vos-after'), { type: 'nodes' });
    await waitFor(() => readLines(path.join(dir, 'vos.sink')).length >= 5, 'the 5 VOS records', 20000, 50);
    await waitFor(() => unacknowledged(vosJournal).length === 0, 'the VOS journal empty', 10000, 50);
    const vos = readLines(path.join(dir, 'vos.sink'));
    assert.equal(vos.length, 5, JSON.stringify(vos));
    const starts = vos.map((r) => r.start);
    assert.deepEqual(starts, [...starts].sort(), 'sorted by start time');
    assert.equal(new Set(vos.map((r) => `${r.caller}|${r.start}`)).size, 5, 'each record once');
    assert.ok(vos.every((r) => r.redelivered && r.topic === 'vos3000'), JSON.stringify(vos));
  });
});

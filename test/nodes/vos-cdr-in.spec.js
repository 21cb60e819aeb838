'use strict';
const assert = require('node:assert/strict');
const dgram = require('node:dgram');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const helper = require('node-red-node-test-helper');
const catchNode = require('@node-red/nodes/core/common/25-catch.js');
const registerVos = require('../../nodes/vos-cdr-in.js');
const messages = require('../../nodes/locales/en-US/vos-cdr-in.json');

// The helper's RED._ returns the key; use the real locale file so messages (and missing keys) are tested.
function translate(key, params = {}) {
  const text = key.split('.').reduce((o, k) => (o && typeof o === 'object' ? o[k] : undefined), messages);
  if (typeof text !== 'string') return key.startsWith('vos-cdr-in.') ? `MISSING:${key}` : key;
  return text.replace(/__(\w+)__/g, (_, k) => String(params[k]));
}
function vosNode(RED) {
  RED._ = translate;
  return registerVos(RED);
}
const sim = require('../../nodes/lib/sim/vos');
const { connect, write } = require('../support/net');
const { waitFor } = require('../support/wait');
const { testCertificate } = require('../support/tls');
const tlsNode = require('@node-red/nodes/core/network/05-tls.js');

helper.init(require.resolve('node-red'), { userDir: require('../support/user-dir').userDir });

const START = Date.UTC(2024, 4, 1, 10, 0, 0);

/** A flow: the vos node (port 0 = ephemeral), a sink per output, and a catch node for errors. */
function flow(props = {}) {
  return [
    { id: 'vos1', type: 'vos-cdr-in', tcp: true, tcpPort: 0, host: '127.0.0.1', wires: [['n-records'], ['n-alerts']], ...props },
    { id: 'n-records', type: 'helper' },
    { id: 'n-alerts', type: 'helper' },
    { id: 'n-catch', type: 'catch', scope: ['vos1'], wires: [['n-errors']] },
    { id: 'n-errors', type: 'helper' },
  ];
}

/** Loads the flow and collects what comes out of each sink. */
async function load(props, extra = []) {
  await helper.load([vosNode, catchNode, tlsNode], [...flow(props), ...extra]);
  const vos = helper.getNode('vos1');
  const out = { records: [], alerts: [], errors: [] };
  helper.getNode('n-records').on('input', (m) => out.records.push(m));
  helper.getNode('n-alerts').on('input', (m) => out.alerts.push(m));
  helper.getNode('n-errors').on('input', (m) => out.errors.push(m));
  const ports = await vos.listening;
  return { vos, out, ports };
}

function freeTcpPort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

describe('vos-cdr-in node', function () {
  this.timeout(60000);
  afterEach(async () => {
    await helper.unload();
  });

  it('receives a 60,000-record backlog over TCP, resent out of order, with nothing lost and the reorder window sorted', async () => {
    // A 10-minute outage at 100 calls/s: VOS queues (100,000 max) and resends from 4 threads.
    const calls = sim.generateCalls(60000, { startMs: START, cps: 100, seed: 11 });
    const queue = new sim.ResendQueue(100000);
    for (const c of calls) queue.offer(sim.formatLine(c));
    const backlog = queue.drainOutOfOrder(4, sim.prng(5));
    assert.notDeepEqual(backlog.slice(0, 100), calls.slice(0, 100).map((c) => sim.formatLine(c)));

    // The window is longer than any machine takes to receive the burst, so the whole backlog is
    // held; the node is then closed (a redeploy), which lets everything out in order. Release on
    // the window's own timer is tested below and, with an injected clock, in cdr/reorder.
    const { vos, out, ports } = await load({ reorder: true, reorderWindowSec: 600, reorderMaxHeld: 100000 });
    assert.equal(await sim.sendTcp(backlog, { host: '127.0.0.1', port: ports.tcp, eol: '\r\n' }), 60000);
    await waitFor(() => / 60,000 rec .* 60,000 held/.test(vos.status.lastCall?.args[0]?.text ?? ''), '60,000 held', 40000);
    assert.equal(out.records.length, 0);
    await vos.close(false);
    await waitFor(() => out.records.length === 60000, '60,000 records', 20000);

    const starts = out.records.map((m) => m.payload.startTime);
    assert.ok(starts.every((s, i) => i === 0 || starts[i - 1] <= s), 'records leave sorted by startTime');
    assert.equal(out.records.filter((m) => m.late).length, 0);
    const sent = new Set(calls.map((c) => `${c.callerE164}|${c.startMs}`));
    const got = new Set(out.records.map((m) => `${m.payload.callerE164}|${m.payload.startTime}`));
    assert.equal(got.size, 60000);
    for (const k of got) assert.ok(sent.has(k));
    assert.equal(out.errors.length, 0);
    const m = out.records[0];
    assert.equal(m.topic, 'vos3000');
    assert.equal(m.source.vendor, 'vos3000');
    assert.equal(m.source.format, 'vos-pipe');
    assert.equal(m.source.transport, 'tcp');
    assert.equal(m.source.address, '127.0.0.1');
    assert.ok(Date.parse(m.source.receivedAt) > 0);
  });

  it('receives UDP at 1,000 records/s and counts what arrived', async () => {
    const { vos, out, ports } = await load({ tcp: false, udp: true, udpPort: 0 });
    assert.equal(ports.tcp, undefined);
    const lines = sim.generateCalls(1000, { startMs: START, cps: 1000, seed: 12 }).map((c) => sim.formatLine(c));
    const t0 = Date.now();
    const sent = await sim.sendUdp(lines, { host: '127.0.0.1', port: ports.udp, rate: 1000 });
    const elapsed = (Date.now() - t0) / 1000;
    // Loopback with a 4 MB receive buffer: everything should arrive; the figure is reported either way.
    await waitFor(() => out.records.length >= sent, 'UDP records', 5000).catch(() => undefined);
    console.log(`      UDP: ${sent} datagrams sent in ${elapsed.toFixed(2)} s (${Math.round(sent / elapsed)}/s), ${out.records.length} received (${((100 * out.records.length) / sent).toFixed(1)}%)`);
    assert.equal(sent, 1000);
    assert.ok(elapsed >= 0.9, 'the sender held the rate');
    assert.equal(out.records.length, sent);
    assert.equal(out.records[0].source.transport, 'udp');
    // The node's own count (its status) is what arrived.
    const shown = `${out.records.length.toLocaleString('en-US')} rec`;
    await waitFor(() => (vos.status.lastCall?.args[0]?.text ?? '').includes(shown), `status "${shown}"`, 5000);
    assert.match(vos.status.lastCall.args[0].text, /^udp :\d+ · 1,000 rec · 1,000\/min · last \d+ s ago · ack on send$/);
  });

  it('reports each bad line with a clear error and the raw text, and reads the next good line', async () => {
    const { out, ports } = await load({ maxFrameKb: 1 });
    const [a, b, c, d, e, f] = sim.generateCalls(6, { startMs: START, cps: 1, seed: 13 }).map((x) => sim.formatLine(x));
    const badTime = b.split('|');
    badTime[2] = '2024-13-45 99:00:00';
    const s = await connect(ports.tcp);
    await write(
      s,
      Buffer.concat([
        Buffer.from(`${a}\n8613800000001|8613900000002|1700000000000\n${b}\n`),
        Buffer.from(`${c}${'|x'.repeat(30)}\n${d}\n${badTime.join('|')}\n${e}\n`),
        Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03, 0x0a]),
        Buffer.from(`${f}\n${'9'.repeat(2000)}\n${a}\n`),
      ]),
    );
    await waitFor(() => out.records.length === 6 && out.errors.length === 5, 'records and errors');
    s.destroy();
    assert.deepEqual(out.records.map((m) => m.payload.callerE164), [a, b, d, e, f, a].map((l) => l.split('|')[0]));
    assert.deepEqual(out.errors.map((m) => m.errorCode), ['too_few_fields', 'too_many_fields', 'bad_time', 'binary', 'oversize']);
    assert.equal(out.errors[0].payload, '8613800000001|8613900000002|1700000000000');
    assert.match(out.errors[0].error.message, /bad VOS3000 line from 127\.0\.0\.1: too few fields: 3, at least 5 needed \(stopTime is missing\)/);
    assert.match(out.errors[1].error.message, /too many fields: 49/);
    assert.match(out.errors[2].error.message, /startTime: "2024-13-45 99:00:00" is not a time/);
    assert.match(out.errors[3].error.message, /not a text line/);
    assert.match(out.errors[4].error.message, /1024/);
    assert.equal(out.errors[4].payload.slice(0, 10), '9999999999');
  });

  it('survives a forwarder that vanishes mid-line, and takes the next connection', async () => {
    const { out, ports } = await load();
    const [a, b] = sim.generateCalls(2, { startMs: START, cps: 1, seed: 20 }).map((x) => sim.formatLine(x));
    const s = await connect(ports.tcp);
    await write(s, `${a}\n${b.slice(0, 30)}`);
    s.destroy(); // cable pulled: the half line is all that came
    await waitFor(() => out.records.length === 1 && out.errors.length === 1, 'the record and the cut line');
    assert.equal(out.errors[0].errorCode, 'truncated');
    assert.equal(out.errors[0].payload, b.slice(0, 30));
    await sim.sendTcp([b], { host: '127.0.0.1', port: ports.tcp }); // VOS resends it on its next connection
    await waitFor(() => out.records.length === 2, 'the resent record');
    assert.deepEqual(out.records.map((m) => m.payload.callerE164), [a, b].map((l) => l.split('|')[0]));
  });

  it('reports a last line cut after the required fields as truncated, and passes a whole last line without newline', async () => {
    const { out, ports } = await load();
    const [a, b, c] = sim.generateCalls(3, { startMs: START, cps: 1, seed: 21 }).map((x) => sim.formatLine(x));
    // Cut inside a late field: enough fields for the parser's minimum, not all of them.
    const cut = b.slice(0, b.lastIndexOf('|', b.lastIndexOf('|') - 1) + 2);
    const s1 = await connect(ports.tcp);
    await write(s1, `${a}
${cut}`);
    s1.end();
    await waitFor(() => out.records.length === 1 && out.errors.length === 1, 'the record and the cut line');
    assert.equal(out.errors[0].errorCode, 'truncated');
    assert.equal(out.errors[0].payload, cut);
    assert.match(out.errors[0].error.message, /the connection ended inside a record: \d+ of \d+ fields, no line end/);
    // A sender that does not end its last line: the line is whole, so it passes.
    const s2 = await connect(ports.tcp);
    await write(s2, c);
    s2.end();
    await waitFor(() => out.records.length === 2, 'the whole last line');
    assert.deepEqual(out.records.map((m) => m.payload.callerE164), [a, c].map((l) => l.split('|')[0]));
    assert.equal(out.errors.length, 1);
  });

  it('reports binary garbage as a clear error and goes on', async () => {
    const { out, ports } = await load();
    const [a, b] = sim.generateCalls(2, { startMs: START, cps: 1, seed: 14 }).map((x) => sim.formatLine(x));
    const s = await connect(ports.tcp);
    await write(s, Buffer.concat([Buffer.from(`${a}\n`), Buffer.from([0x00, 0xff, 0xfe, 0x7c, 0x01, 0x02, 0x7c, 0x80, 0x7c, 0x7c, 0x0a]), Buffer.from(`${b}\n`)]));
    await waitFor(() => out.records.length === 2 && out.errors.length === 1, 'records and error');
    s.destroy();
    assert.equal(out.errors[0].errorCode, 'binary');
    assert.match(out.errors[0].error.message, /not a text line/);
    assert.deepEqual(out.records.map((m) => m.payload.callerE164), [a, b].map((l) => l.split('|')[0]));
  });

  it('lets an out-of-order burst out of the window on its timer, sorted', async () => {
    const calls = sim.generateCalls(3000, { startMs: START, cps: 100, seed: 19 });
    const queue = new sim.ResendQueue(10000);
    for (const c of calls) queue.offer(sim.formatLine(c));
    const { out, ports } = await load({ reorder: true, reorderWindowSec: 2 });
    const t0 = Date.now();
    await sim.sendTcp(queue.drainOutOfOrder(4, sim.prng(9)), { host: '127.0.0.1', port: ports.tcp });
    await waitFor(() => out.records.length === 3000, '3,000 records', 20000);
    assert.ok(Date.now() - t0 >= 1900, 'held for the window');
    const starts = out.records.map((m) => m.payload.startTime);
    assert.deepEqual(starts, calls.map((c) => c.startMs));
    assert.equal(out.records.filter((m) => m.late).length, 0);
  });

  it('sends a record later than the window at once, flagged late', async () => {
    const { out, ports } = await load({ reorder: true, reorderWindowSec: 1 });
    const [a, b] = sim.generateCalls(2, { startMs: START, cps: 1, seed: 15 });
    const s = await connect(ports.tcp);
    await write(s, `${sim.formatLine(b)}\n`);
    await waitFor(() => out.records.length === 1, 'the first record after the window', 5000);
    await write(s, `${sim.formatLine(a)}\n`);
    await waitFor(() => out.records.length === 2, 'the late record', 2000);
    s.destroy();
    assert.equal(out.records[0].late, undefined);
    assert.equal(out.records[1].late, true);
    assert.equal(out.records[1].payload.startTime, a.startMs);
  });

  it('sends what the reorder window holds when it is closed: nothing lost on redeploy', async () => {
    const { out, ports } = await load({ reorder: true, reorderWindowSec: 3600 });
    const lines = sim.generateCalls(50, { startMs: START, cps: 10, seed: 16 }).map((x) => sim.formatLine(x)).reverse();
    await sim.sendTcp(lines, { host: '127.0.0.1', port: ports.tcp });
    await waitFor(() => /50 held/.test(helper.getNode('vos1').status.lastCall?.args[0]?.text ?? ''), '50 held', 5000);
    assert.equal(out.records.length, 0);
    await helper.getNode('vos1').close(false);
    await waitFor(() => out.records.length === 50, 'the held records');
    const starts = out.records.map((m) => m.payload.startTime);
    assert.deepEqual(starts, [...starts].sort((x, y) => x - y));
  });

  it('alerts on the second output when the forwarder is silent too long, and when it resumes', async () => {
    const { out, ports } = await load({ silenceAlertMin: 0.01 }); // 600 ms
    await waitFor(() => out.alerts.length === 1, 'silence alert', 5000);
    assert.equal(out.alerts[0].topic, 'vos3000/liveness');
    assert.equal(out.alerts[0].payload.event, 'silent');
    assert.equal(out.alerts[0].payload.lastRecordAt, null);
    assert.ok(out.alerts[0].payload.silentForSec >= 0);
    const vos = helper.getNode('vos1');
    assert.equal(vos.status.lastCall.args[0].fill, 'yellow');
    await sim.sendTcp([sim.formatLine(sim.generateCalls(1, { startMs: START, cps: 1 })[0])], { host: '127.0.0.1', port: ports.tcp });
    await waitFor(() => out.alerts.length === 2, 'resume alert', 5000);
    assert.equal(out.alerts[1].payload.event, 'resumed');
    assert.ok(Date.parse(out.alerts[1].payload.lastRecordAt) > 0);
    // The record itself goes out once durable in the journal, a moment after the alert.
    await waitFor(() => out.records.length === 1, 'the record');
    assert.equal(out.records.length, 1);
  });

  it('shows records per minute and the time since the last record in its status', async () => {
    const { vos, ports } = await load({ topic: 'vos-a' });
    const lines = sim.generateCalls(25, { startMs: START, cps: 10, seed: 17 }).map((x) => sim.formatLine(x));
    await sim.sendTcp(lines, { host: '127.0.0.1', port: ports.tcp });
    await waitFor(() => /25 rec · 25\/min · last \d+ s ago/.test(vos.status.lastCall?.args[0]?.text ?? ''), 'status with rate and age', 5000);
    const st = vos.status.lastCall.args[0];
    assert.equal(st.fill, 'green');
    assert.match(st.text, /^tcp :\d+ · \d+ conn · 25 rec · 25\/min · last \d+ s ago · ack on send$/);
  });

  it('listens on TCP and UDP at once, and releases both ports on close', async () => {
    const port = await freeTcpPort();
    const { out, ports } = await load({ tcp: true, udp: true, tcpPort: port, udpPort: port, topic: 'sw1' });
    assert.deepEqual(ports, { tcp: port, udp: port });
    const [a, b] = sim.generateCalls(2, { startMs: START, cps: 1, seed: 18 }).map((x) => sim.formatLine(x));
    await sim.sendTcp([a], { host: '127.0.0.1', port });
    await sim.sendUdp([b], { host: '127.0.0.1', port });
    await waitFor(() => out.records.length === 2, 'both records');
    assert.deepEqual(out.records.map((m) => m.source.transport).sort(), ['tcp', 'udp']);
    assert.ok(out.records.every((m) => m.topic === 'sw1'));
    await helper.unload();
    // Both ports are free again the moment close returned.
    await new Promise((resolve, reject) => {
      const t = net.createServer().once('error', reject).listen(port, '127.0.0.1', () => t.close(resolve));
    });
    await new Promise((resolve, reject) => {
      const u = dgram.createSocket('udp4').once('error', reject);
      u.bind(port, '127.0.0.1', () => u.close(resolve));
    });
  });

  it('refuses invalid settings with a clear error and a red status, and closes cleanly', async () => {
    for (const [props, pattern] of [
      [{ tcp: false, udp: false }, /enable TCP, UDP, hourly files, or several/],
      [{ fields: 'callerE164, callerE164, startTime' }, /appears twice/],
      [{ tcpPort: 70000 }, /port must be/],
      [{ reorder: true, reorderWindowSec: 0 }, /reorder window/],
      [{ silenceAlertMin: 'soon' }, /silence alert/],
      [{ pddUnit: 's', separator: '\n' }, /separator/],
    ]) {
      await helper.load([vosNode, catchNode], flow(props));
      const vos = helper.getNode('vos1');
      await waitFor(() => vos.error.called, 'error');
      assert.match(String(vos.error.firstCall.args[0]), pattern);
      assert.deepEqual(vos.status.lastCall.args[0], { fill: 'red', shape: 'ring', text: 'invalid settings' });
      await helper.unload();
    }
  });

  it('loads the example flow, which listens and sends records to its debug node', async () => {
    const debugNode = require('@node-red/nodes/core/common/21-debug.js');
    const example = require('../../examples/vos-cdr-in.json').map((n) => (n.type === 'vos-cdr-in' ? { ...n, host: '127.0.0.1', tcpPort: 0, udpPort: 0 } : n));
    await helper.load([vosNode, catchNode, debugNode], example);
    const vos = helper.getNode('a7e0c0d1e2f30002');
    const ports = await vos.listening;
    const debug = helper.getNode('a7e0c0d1e2f30003');
    const got = [];
    debug.on('input', (m) => got.push(m));
    await sim.sendTcp([sim.formatLine(sim.generateCalls(1, { startMs: START, cps: 1 })[0])], { host: '127.0.0.1', port: ports.tcp });
    await waitFor(() => got.length === 1, 'record at the debug node', 5000);
    assert.equal(got[0].source.vendor, 'vos3000');
  });

  it('takes records over TLS with a tls-config node', async () => {
    const cert = testCertificate();
    const tlsConfig = { id: 'n-tls', type: 'tls-config', cert: cert.certFile, key: cert.keyFile, ca: '', verifyservercert: false };
    const { out, ports } = await load({ useTls: true, tls: 'n-tls' }, [tlsConfig]);
    const line = sim.formatLine(sim.generateCalls(1, { startMs: START, cps: 1, seed: 30 })[0]);
    const tls = require('node:tls');
    const s = tls.connect({ host: '127.0.0.1', port: ports.tcp, ca: cert.cert, servername: 'localhost' });
    s.on('error', () => undefined);
    await new Promise((r) => s.once('secureConnect', r));
    s.write(`${line}\r\n`);
    await waitFor(() => out.records.length === 1, 'the record over TLS');
    s.destroy();
    assert.equal(out.records[0].source.transport, 'tls');
    assert.equal(out.records[0].payload.callerE164, line.split('|')[0]);
  });

  it('refuses senders outside the allow-list, TCP and UDP, with a warning', async () => {
    const { vos, out, ports } = await load({ udp: true, udpPort: 0, allow: '192.0.2.10' });
    const line = sim.formatLine(sim.generateCalls(1, { startMs: START, cps: 1, seed: 31 })[0]);
    const s = await connect(ports.tcp).catch(() => null);
    if (s) {
      s.write(`${line}\n`);
      await s.gone;
    }
    await sim.sendUdp([line], { host: '127.0.0.1', port: ports.udp });
    await waitFor(() => vos.warn.callCount >= 2, 'two refusals');
    assert.ok(vos.warn.getCalls().every((c) => /refused: 127\.0\.0\.1 is not in the allow-list/.test(String(c.args[0]))));
    assert.equal(out.records.length, 0);
  });

  it('reports a port in use with a red ring, and keeps running', async () => {
    const blocker = net.createServer();
    await new Promise((r) => blocker.listen(0, '127.0.0.1', r));
    const port = blocker.address().port;
    try {
      await helper.load([vosNode, catchNode, tlsNode], flow({ tcpPort: port }));
      const vos = helper.getNode('vos1');
      await waitFor(() => vos.error.called, 'listen error');
      assert.match(String(vos.error.firstCall.args[0]), new RegExp(`cannot listen: port ${port} is already in use`));
      await waitFor(() => vos.status.lastCall?.args[0]?.fill === 'red', 'red status');
      assert.deepEqual(vos.status.lastCall.args[0], { fill: 'red', shape: 'ring', text: `port ${port} in use, retrying` });
    } finally {
      blocker.close();
    }
  });

  it('follows a configured field order and PDD unit', async () => {
    const { out, ports } = await load({ fields: 'startTime calleeE164 callerE164 stopTime holdTime callerPdd', pddUnit: 's' });
    await sim.sendTcp(['2024-05-01 10:00:00|200|100|2024-05-01 10:01:00|45|2.5|tail'], { host: '127.0.0.1', port: ports.tcp });
    await waitFor(() => out.records.length === 1, 'record');
    assert.deepEqual(out.records[0].payload, { startTime: '2024-05-01 10:00:00', calleeE164: '200', callerE164: '100', stopTime: '2024-05-01 10:01:00', holdTime: 45, callerPdd: 2500, extra1: 'tail' });
  });

  describe('hourly files', () => {
    let dir;
    let ckDir;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vos-files-'));
      ckDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vos-ck-'));
    });
    afterEach(() => {
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(ckDir, { recursive: true, force: true });
    });
    let seed = 100;
    const lines = (n) => sim.generateCalls(n, { startMs: START, cps: 1, seed: seed++ }).map((c) => sim.formatLine(c));
    const append = (name, ls, eol = '\n') => fs.appendFileSync(path.join(dir, name), ls.map((l) => l + eol).join(''));
    const callers = (msgs) => msgs.map((m) => m.payload.callerE164);
    const first = (ls) => ls.map((l) => l.split('|')[0]);
    const filesFlow = (props = {}) => ({ tcp: false, files: true, dir, checkpoint: ckDir, ...props });

    it('reads the files present (backfill), follows the growing hour and the hour change, each line once', async () => {
      const h10 = lines(5);
      const h11 = lines(3);
      append('2024050110.txt', h10, '\r\n');
      append('2024050111.txt', h11);
      fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a CDR file\n');
      const { out, ports } = await load(filesFlow({ backfill: 'all' }));
      assert.equal(ports.dir, dir);
      await waitFor(() => out.records.length === 8, 'the backfill', 10000);
      assert.deepEqual(callers(out.records), first([...h10, ...h11]));
      assert.equal(out.records[0].source.transport, 'file');
      assert.equal(path.basename(out.records[0].source.file), '2024050110.txt');
      assert.equal(path.basename(out.records[7].source.file), '2024050111.txt');
      // The current hour grows…
      const more = lines(2);
      append('2024050111.txt', more);
      await waitFor(() => out.records.length === 10, 'the growing file', 10000);
      // …and the next hour begins; a bad line in it is reported and the next line read.
      const h12 = lines(2);
      append('2024050112.txt', [h12[0], '1|2|3', h12[1]]);
      await waitFor(() => out.records.length === 12 && out.errors.length === 1, 'the next hour', 15000);
      assert.deepEqual(callers(out.records), first([...h10, ...h11, ...more, ...h12]));
      assert.equal(out.errors[0].errorCode, 'too_few_fields');
      assert.equal(out.errors[0].payload, '1|2|3');
      assert.match(out.errors[0].error.message, /bad VOS3000 line from 2024050112\.txt: too few fields/);
    });

    it('resumes at the checkpoint after a restart: no loss, no repeat', async () => {
      const a = lines(6);
      append('2024050110.txt', a);
      let run = await load(filesFlow({ backfill: 'from', backfillFrom: '2024-05-01 10' }));
      await waitFor(() => run.out.records.length === 6, 'first run', 10000);
      const seen = callers(run.out.records);
      await helper.unload(); // the close handler saves the position
      // While the node is down VOS goes on writing: the rest of this hour and the next.
      const b = lines(4);
      const c = lines(3);
      append('2024050110.txt', b);
      append('2024050111.txt', c);
      run = await load(filesFlow({ backfill: 'from', backfillFrom: '2024-05-01 10' }));
      await waitFor(() => run.out.records.length === 7, 'second run', 15000);
      // A sentinel written last arrives last: had anything been read twice, it would have come before.
      const sentinel = lines(1);
      append('2024050111.txt', sentinel);
      await waitFor(() => run.out.records.length >= 8, 'the sentinel', 10000);
      seen.push(...callers(run.out.records));
      assert.deepEqual(seen, first([...a, ...b, ...c, ...sentinel]));
      assert.equal(new Set(seen).size, 14);
    });

    it('without backfill starts at the end of the current file', async () => {
      append('2024050109.txt', lines(3));
      append('2024050110.txt', lines(3));
      const { out } = await load(filesFlow());
      const fresh = lines(2);
      append('2024050110.txt', fresh);
      await waitFor(() => out.records.length === 2, 'new lines', 10000);
      assert.deepEqual(callers(out.records), first(fresh));
    });

    it('reads files in a configured encoding (GBK gateway names)', async () => {
      const parts = lines(1)[0].split('|');
      parts[7] = '__GW__';
      const [head, tail] = parts.join('|').split('__GW__');
      // 网关 ("gateway") in GBK.
      fs.writeFileSync(path.join(dir, '2024050110.txt'), Buffer.concat([Buffer.from(head), Buffer.from([0xcd, 0xf8, 0xb9, 0xd8]), Buffer.from(`${tail}\r\n`)]));
      const { out } = await load(filesFlow({ backfill: 'all', encoding: 'gbk' }));
      await waitFor(() => out.records.length === 1, 'the record', 10000);
      assert.equal(out.records[0].payload.callerGatewayId, '网关');
    });

    it('refuses a relative directory and a bad backfill date', async () => {
      for (const [props, pattern] of [
        [{ dir: 'relative/cdr' }, /absolute path/],
        [{ backfill: 'from', backfillFrom: '2024-02-30' }, /not a date/],
        [{ pattern: 'DD-MM-YYYY.txt' }, /order YYYY, MM, DD, HH/],
        [{ encoding: 'klingon' }, /unknown text encoding/],
      ]) {
        await helper.load([vosNode, catchNode], flow(filesFlow(props)));
        const vos = helper.getNode('vos1');
        await waitFor(() => vos.error.called, 'error');
        assert.match(String(vos.error.firstCall.args[0]), pattern);
        await helper.unload();
      }
    });
  });
});

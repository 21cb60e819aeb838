'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const net = require('node:net');
const os = require('node:os');
const dgram = require('node:dgram');
const helper = require('node-red-node-test-helper');
const gwNode = require('../../nodes/gw-cdr-in.js');
const { connect, write } = require('../support/net');
const { waitFor } = require('../support/wait');
const { generateGatewayTraffic } = require('../../nodes/lib/sim/gateway');

helper.init(require.resolve('node-red'), { userDir: require('../support/user-dir').userDir });

const FIXTURES = require('../support/samples').samplePath('gateway');
const sampleEvents = fs.readFileSync(path.join(FIXTURES, 'events-2004-01-26.tsv'), 'utf8');
const sampleLog = fs.readFileSync(path.join(FIXTURES, 'gateway-log-2004-01.tsv'), 'utf8');

/** A flow of gw-cdr-in → two helper nodes; collects what each output sends and every error/warning. */
async function start(settings) {
  // A journal of its own per test: the open calls one test leaves would resume in the next (as they do across a restart).
  const journalDir = fs.mkdtempSync(path.join(require('../support/user-dir').userDir, 'gw-journal-'));
  const flow = [
    { id: 'gwnode', type: 'gw-cdr-in', name: 'gateway in', host: '127.0.0.1', port: 0, journalDir, wires: [['records'], ['statuses']], ...settings },
    { id: 'records', type: 'helper' },
    { id: 'statuses', type: 'helper' },
  ];
  await helper.load(gwNode, flow);
  const n = helper.getNode('gwnode');
  const got = { records: [], statuses: [], errors: [], warnings: [] };
  helper.getNode('records').on('input', (m) => got.records.push(m));
  helper.getNode('statuses').on('input', (m) => got.statuses.push(m));
  n.on('call:error', (call) => got.errors.push({ text: call.args[0], msg: call.args[1] }));
  n.on('call:warn', (call) => got.warnings.push(call.args[0]));
  const port = await n.listening;
  return { n, port, got };
}

describe('gw-cdr-in node', function () {
  afterEach(async () => {
    await helper.unload();
  });

  it('assembles the sample event view sent over TCP, with the gateway id setting', async () => {
    const { port, got } = await start({ transport: 'tcp', gateway: '8200' });
    const s = await connect(port);
    await write(s, sampleEvents.replace(/\n/g, '\r\n'));
    await waitFor(() => got.records.length === 2, 'two records');
    const [a, b] = got.records;
    assert.equal(a.payload.Notation, 'Call out');
    assert.equal(a.payload.Gateway, '8200');
    assert.equal(a.payload.Dialed, '2252, 3, 0, 1');
    assert.equal(a.payload.Time, '00:02:16');
    assert.equal(b.payload['PSTN Caller ID'], '103');
    assert.equal(a.topic, 'gateway');
    assert.equal(a.source.vendor, 'gateway');
    assert.equal(a.source.format, 'event-line');
    assert.equal(a.source.transport, 'tcp');
    assert.equal(a.source.address, '127.0.0.1');
    assert.ok(!Number.isNaN(Date.parse(a.source.receivedAt)));
    assert.equal(got.errors.length, 0);
    s.destroy();
  });

  it('sends the gateway log, line by line, on the second output', async () => {
    const { port, got } = await start({ transport: 'tcp' });
    const s = await connect(port);
    await write(s, sampleLog);
    const lines = sampleLog.split('\n').filter(Boolean).length;
    await waitFor(() => got.statuses.length === lines, 'every log line');
    assert.deepEqual(got.statuses.slice(0, 7).map((m) => m.payload.kind), ['login', 'login', 'login', 're-login', 'login', 'kick-out', 'disconnect']);
    assert.equal(got.statuses[0].payload.mac, '000C2A020082');
    assert.deepEqual(got.statuses[0].payload.ports, { fxs: 2, fxo: 2, isdn: 0 });
    assert.equal(got.statuses[0].source.format, 'log-line');
    assert.equal(got.records.length, 0);
    s.destroy();
  });

  it('reports garbage and truncated lines with the raw text and reads on', async () => {
    const { n, port, got } = await start({ transport: 'tcp', gateway: 'g1' });
    const s = await connect(port);
    const garbage = '\u0001\u0002\u0003 not an event';
    const truncated = '2004/01/26 23:13:13\t5\t\tDIAL';
    await write(s, [
      '2004/01/26 23:13:11\t5\t1\tHOOK_OFF\t\t\t\t',
      garbage,
      truncated,
      '2004/01/26 23:13:1',
      '2004/01/26 23:13:13\t5\t\tDIAL\t77\t\t\t',
      '2004/01/26 23:13:14\t5\t\tHOOK_ON\t\t\t\t',
      '',
    ].join('\n'));
    await waitFor(() => got.records.length === 1 && got.errors.length === 3, 'one record and three errors');
    assert.equal(got.records[0].payload.Dialed, '77');
    assert.equal(got.records[0].payload.Notation, 'Call out failed');
    assert.deepEqual(got.errors.map((e) => e.msg.payload), [garbage, truncated, '2004/01/26 23:13:1']);
    // (The test helper loads no message catalog: the text is the key; the reasons are tested in formats/gateway.)
    assert.ok(got.errors.every((e) => e.text === 'gw-cdr-in.errors.bad-line'));
    assert.equal(got.errors[1].msg.source.vendor, 'gateway');
    assert.equal(got.errors[1].msg.source.address, '127.0.0.1');
    await waitFor(() => n.status.lastCall && /· 1 rec · 3 err · 0 open · ack on send$/.test(n.status.lastCall.args[0].text), () => 'status with the counts: ' + JSON.stringify(n.status.args.slice(-3)));
    assert.equal(n.status.lastCall.args[0].fill, 'green');
    s.destroy();
  });

  it('keeps Node-RED running when a peer sends a huge line or vanishes mid-line', async () => {
    const { port, got } = await start({ transport: 'tcp', gateway: 'g1', maxFrameKb: 1 });
    const s = await connect(port);
    await write(s, `2004/01/26 23:13:11\t9\t1\tHOOK_OFF\t${'9'.repeat(5000)}\n`);
    await waitFor(() => got.errors.length === 1, 'oversize error');
    assert.equal(got.errors[0].text, 'gw-cdr-in.errors.bad-line');
    assert.ok(got.errors[0].msg.payload.startsWith('2004/01/26 23:13:11\t9'), 'the head of the oversize line');
    await write(s, '2004/01/26 23:13:11\t9\t1\tHOOK_OFF\n2004/01/26 23:13:12\t9\t1\tHOO');
    s.end();
    await s.gone;
    // The cut line is complete as far as the framer knows: it arrives, is not a known event, and is kept.
    const s2 = await connect(port);
    await write(s2, '2004/01/26 23:13:20\t9\t\tHOOK_ON\n');
    await waitFor(() => got.records.length === 1, 'the call closes');
    assert.deepEqual(got.records[0].payload['Unknown Events'], ['HOO']);
    s2.destroy();
  });

  it('survives binary garbage between good lines and still assembles every call', async () => {
    const traffic = generateGatewayTraffic({ calls: 12, gateways: ['8200', '8378'], seed: 21 });
    const { port, got } = await start({ transport: 'tcp' });
    const s = await connect(port);
    // Deterministic noise: bytes 0–255 with no newline, so each blob is one bad line of its own.
    const noise = Buffer.from(Array.from({ length: 2000 }, (_, i) => (i * 37 + 11) % 256).filter((b) => b !== 0x0a && b !== 0x0d));
    for (let i = 0; i < traffic.lines.length; i++) {
      await write(s, traffic.lines[i] + '\n');
      if (i % 10 === 3) await write(s, Buffer.concat([noise, Buffer.from('\n')]));
    }
    await waitFor(() => got.records.length === 12, 'every call');
    const blobs = Math.floor((traffic.lines.length - 4) / 10) + 1;
    await waitFor(() => got.errors.length === blobs, `${blobs} errors`);
    assert.ok(got.errors.every((e) => e.text === 'gw-cdr-in.errors.bad-line' && typeof e.msg.payload === 'string'));
    assert.deepEqual(got.records.map((m) => m.payload.Notation).sort(), traffic.calls.map((c) => c.notation).sort());
    s.destroy();
  });

  it('refuses a sender outside the allow-list and reads nothing from it', async () => {
    const { port, got } = await start({ transport: 'tcp', allow: '192.0.2.10' });
    const s = await connect(port).catch(() => null);
    if (s) {
      s.write('2004/01/26 23:13:11\t1\t1\tHOOK_OFF\n2004/01/26 23:13:12\t1\t1\tHOOK_ON\n');
      await s.gone;
    }
    await waitFor(() => got.warnings.length === 1, 'a refusal warning');
    assert.equal(got.warnings[0], 'gw-cdr-in.log.refused');
    assert.equal(got.records.length, 0);
  });

  it('receives interleaved simulator traffic over UDP and applies the report filter', async () => {
    const traffic = generateGatewayTraffic({ calls: 30, gateways: ['8200', '8378'], seed: 5 });
    const wanted = traffic.calls.filter((c) => c.notation === 'Call in').length;
    assert.ok(wanted >= 4);
    const { port, got } = await start({ transport: 'udp', filter: 'call-in' });
    const sock = dgram.createSocket('udp4');
    // One datagram per line; on loopback this burst fits the socket's receive buffer (4 MB).
    for (const line of traffic.lines) {
      await new Promise((r) => sock.send(line, port, '127.0.0.1', r));
    }
    sock.close();
    await waitFor(() => got.records.length === wanted, `${wanted} calls in`, 5000);
    assert.ok(got.records.every((m) => m.payload.Notation === 'Call in' && m.source.transport === 'udp'));
    assert.deepEqual(new Set(got.records.map((m) => m.payload.Gateway)), new Set(['8200', '8378']));
  });

  it('closes a call that never ends after the open call timeout, marked incomplete', async () => {
    const { port, got } = await start({ transport: 'tcp', gateway: '8200', openTimeoutSec: 1 });
    const s = await connect(port);
    await write(s, sampleEvents);
    await waitFor(() => got.records.length === 3, 'call 3 times out', 5000);
    const r = got.records[2].payload;
    assert.equal(r['Call-Ref'], 3);
    assert.equal(r.Incomplete, true);
    assert.equal(r['Close Reason'], 'timeout');
    assert.equal(got.records[2].source.address, '127.0.0.1');
    s.destroy();
  });

  it('takes lines from input messages and flushes open calls on request', async () => {
    const { n, got } = await start({ transport: 'messages', gateway: 'file' });
    n.receive({ payload: Buffer.from(sampleEvents) });
    await waitFor(() => got.records.length === 2, 'two records');
    n.receive({ flush: true });
    await waitFor(() => got.records.length === 3, 'the flushed call');
    assert.equal(got.records[2].payload['Close Reason'], 'flush');
    n.receive({ payload: { not: 'lines' } });
    await waitFor(() => got.errors.length === 1, 'bad input');
    assert.match(String(got.errors[0].text), /gw-cdr-in\.errors\.bad-input/);
  });

  it('follows a growing file and, across a restart mid-call, sends the open call whole and nothing twice', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-file-'));
    try {
      const file = path.join(dir, 'events.tsv');
      fs.writeFileSync(file, sampleEvents);
      const settings = { transport: 'file', path: file, startAt: 'beginning', checkpoint: path.join(dir, 'cp'), gateway: '8200' };
      let { got } = await start(settings);
      // Calls 1 and 2 end in the file; call 3 is left ringing.
      await waitFor(() => got.records.length === 2, 'calls 1 and 2');
      assert.equal(got.records[0].source.transport, 'file');
      assert.equal(got.records[0].source.file, file);
      await helper.unload(); // stops mid-call 3: its lines must be read again
      // The stored position is held back to call 3's first line (PSTN_CALL_IN), with the call's key.
      const [cpFile] = fs.readdirSync(path.join(dir, 'cp')).filter((f) => f.endsWith('.json'));
      const cp = JSON.parse(fs.readFileSync(path.join(dir, 'cp', cpFile), 'utf8'));
      const state = cp.state ?? cp;
      assert.equal(state.offset, sampleEvents.indexOf('2004/01/26 23:57:24\t3'));
      assert.deepEqual(state.gateway, { committed: Buffer.byteLength(sampleEvents), open: ['8200\u00013'] });

      // While stopped, call 3 goes on and ends; and a new call 4 is written.
      fs.appendFileSync(file, [
        '2004/01/26 23:57:29\t3\t\tTALK\t\t\tC(18) M(17)\t',
        '2004/01/26 23:58:29\t3\t\tREMOTE_HOOK_ON\t\t\t\t',
        '2004/01/26 23:58:29\t3\t\tPSTN_HOOK_ON\t\t\t\t',
        '2004/01/26 23:58:29\t3\t\tHOOK_ON\t\t\t\t',
        '2004/01/27 00:01:00\t4\t2\tHOOK_OFF\t\t\t\t',
        '2004/01/27 00:01:02\t4\t2\tHOOK_ON\t\t\t\t',
        '',
      ].join('\n'));
      ({ got } = await start(settings));
      await waitFor(() => got.records.length === 2, 'calls 3 and 4');
      const [c3, c4] = got.records.map((m) => m.payload);
      // Call 3 whole, from its first line (read again) to its end.
      assert.equal(c3['Call-Ref'], 3);
      assert.equal(c3.Begin, '23:57:24');
      assert.equal(c3.Notation, 'Call out');
      assert.equal(c3['PSTN Caller ID'], '15');
      assert.equal(c3.Dialed, '2252');
      assert.equal(c3.Time, '00:01:00');
      assert.equal(c3.Incomplete, false);
      assert.equal(c3.Events.length, 9);
      assert.equal(c4.Notation, 'Hook On/Off');
      assert.equal(got.errors.length, 0);
      // Calls 1 and 2 are not sent again.
      assert.ok(got.records.every((m) => m.payload['Call-Ref'] >= 3));
    } finally {
      await helper.unload();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses invalid settings with a red status and no listener', async () => {
    const flow = [{ id: 'gwnode', type: 'gw-cdr-in', transport: 'tcp', port: 99999, separator: 'semicolon', filter: 'nope', openTimeoutSec: 0, wires: [[], []] }];
    await helper.load(gwNode, flow);
    const n = helper.getNode('gwnode');
    const errors = [];
    n.on('call:error', (c) => errors.push(c.args[0]));
    // The errors were raised during construction; the status says so.
    await waitFor(() => n.status.called, 'status');
    const last = n.status.lastCall.args[0];
    assert.equal(last.fill, 'red');
    assert.equal(n.listening instanceof Promise, true);
  });

  it('has every message it uses in its locale file', () => {
    const src = fs.readFileSync(path.join(__dirname, '../../src/lib/source/gateway-source.ts'), 'utf8');
    const catalog = JSON.parse(fs.readFileSync(path.join(__dirname, '../../nodes/locales/en-US/gw-cdr-in.json'), 'utf8'))['gw-cdr-in'];
    const keys = [...src.matchAll(/\bt\('([A-Za-z0-9.-]+)'/g)].map((m) => m[1]);
    assert.ok(keys.length > 10);
    for (const k of keys) assert.equal(typeof k.split('.').reduce((o, p) => (o ? o[p] : undefined), catalog), 'string', k);
    const html = fs.readFileSync(path.join(__dirname, '../../nodes/gw-cdr-in.html'), 'utf8');
    // gw-cdr-in.svg is the icon file, not a message.
    for (const m of html.matchAll(/gw-cdr-in\.(?!svg\b)([A-Za-z0-9.-]+[A-Za-z0-9])/g)) {
      assert.equal(typeof m[1].split('.').reduce((o, p) => (o ? o[p] : undefined), catalog), 'string', m[1]);
    }
  });

  it('releases its port on close', async () => {
    const { port } = await start({ transport: 'tcp' });
    await helper.unload();
    const again = net.createServer();
    await new Promise((resolve, reject) => {
      again.once('error', reject);
      again.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((r) => again.close(r));
  });
});

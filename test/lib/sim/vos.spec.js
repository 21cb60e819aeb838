'use strict';
const assert = require('node:assert/strict');
const dgram = require('node:dgram');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const sim = require('../../../nodes/lib/sim/vos');
const { parseVosCliArgs, runVosCli } = require('../../../nodes/lib/sim/vos-cli');
const { parseVosLine } = require('../../../nodes/lib/formats/vos');
const { mapVos3000 } = require('../../../nodes/lib/cdr/normalize/vos3000');

/** Resolve when `cond()` holds; reject after `ms`. */
function until(cond, ms = 5000) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => {
      if (cond()) return resolve();
      if (Date.now() - t0 > ms) return reject(new Error('timed out waiting'));
      setTimeout(tick, 5);
    };
    tick();
  });
}

function lineServer(port = 0) {
  const lines = [];
  const server = net.createServer((s) => {
    let buf = '';
    s.setEncoding('utf8');
    s.on('data', (d) => {
      buf += d;
      const parts = buf.split('\n');
      buf = parts.pop();
      lines.push(...parts);
    });
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({ server, lines, port: server.address().port })));
}

describe('sim/vos', () => {
  it('generates repeatable calls whose lines parse and map back in every time format', () => {
    const a = sim.generateCalls(50, { startMs: 1700000000000, cps: 100, seed: 3 });
    const b = sim.generateCalls(50, { startMs: 1700000000000, cps: 100, seed: 3 });
    assert.deepEqual(a, b);
    for (const timeFormat of ['ms', 's', 'wall']) {
      for (const c of a) {
        const line = sim.formatLine(c, { timeFormat, timeZone: 'Asia/Shanghai', pddUnit: 's' });
        const rec = parseVosLine(line, { pddUnit: 's' });
        const cdr = mapVos3000(rec, { timeZone: 'Asia/Shanghai' }).legs[0];
        assert.equal(Date.parse(cdr.startTime), Math.floor(c.startMs / 1000) * 1000 + (timeFormat === 'ms' ? c.startMs % 1000 : 0));
        assert.equal(cdr.billSec, c.holdTime);
        assert.equal(cdr.disposition === 'answered', c.holdTime > 0);
        assert.equal(cdr.timing.pddSec, c.callerPddMs / 1000);
      }
    }
  });

  it('formats wall-clock times in a zone', () => {
    assert.equal(sim.formatTime(Date.UTC(2024, 0, 2, 3, 4, 5), 'wall', 'Asia/Shanghai'), '2024-01-02 11:04:05');
    assert.equal(sim.hourlyFileName(Date.UTC(2024, 0, 2, 23, 59, 59), 'UTC'), '2024010223.txt');
  });

  it('resend queue drops the oldest when full and resends out of order', () => {
    const q = new sim.ResendQueue(100);
    for (let i = 0; i < 150; i++) q.offer(String(i));
    assert.equal(q.size, 100);
    assert.equal(q.dropped, 50);
    const out = q.drainOutOfOrder(4, sim.prng(1)).map(Number);
    assert.equal(q.size, 0);
    assert.deepEqual([...out].sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i + 50));
    assert.notDeepEqual(out, [...out].sort((x, y) => x - y)); // out of order
  });

  it('sends lines over TCP, paced or as fast as possible', async () => {
    const { server, lines, port } = await lineServer();
    try {
      const calls = sim.generateCalls(300, { startMs: 1700000000000, cps: 100, seed: 1 }).map((c) => sim.formatLine(c));
      assert.equal(await sim.sendTcp(calls, { host: '127.0.0.1', port }), 300);
      assert.equal(await sim.sendTcp(calls.slice(0, 20), { host: '127.0.0.1', port, rate: 2000, eol: '\r\n' }), 20);
      await until(() => lines.length === 320);
      assert.deepEqual(lines.slice(0, 300), calls);
      assert.deepEqual(lines.slice(300).map((l) => l.replace(/\r$/, '')), calls.slice(0, 20));
    } finally {
      server.close();
    }
  });

  it('sends one datagram per line over UDP', async () => {
    const sock = dgram.createSocket('udp4');
    const got = [];
    sock.on('message', (m) => got.push(m.toString()));
    await new Promise((r) => sock.bind(0, '127.0.0.1', r));
    try {
      const calls = sim.generateCalls(100, { startMs: 1700000000000, cps: 100, seed: 2 }).map((c) => sim.formatLine(c));
      assert.equal(await sim.sendUdp(calls, { host: '127.0.0.1', port: sock.address().port, rate: 5000 }), 100);
      await until(() => got.length === 100);
      assert.deepEqual(got.sort(), [...calls].sort());
    } finally {
      sock.close();
    }
  });

  it('a TCP forwarder queues while the receiver is down (bounded) and resends when it returns', async () => {
    const probe = await lineServer();
    const port = probe.port;
    await new Promise((r) => probe.server.close(r)); // nothing listens there now
    const fwd = new sim.TcpForwarder({ host: '127.0.0.1', port, queueSize: 30, retryMs: 20 });
    for (let i = 0; i < 50; i++) fwd.send(`line-${i}`);
    assert.equal(fwd.queue.size, 30);
    assert.equal(fwd.queue.dropped, 20);
    const { server, lines } = await lineServer(port);
    try {
      await until(() => fwd.isConnected);
      fwd.send('live');
      await until(() => lines.length === 31);
      assert.deepEqual([...lines.slice(0, 30)].sort(), Array.from({ length: 30 }, (_, i) => `line-${i + 20}`).sort());
      assert.equal(lines[30], 'live');
    } finally {
      await fwd.stop();
      server.close();
    }
  });

  it('appends calls to hourly files named by their stop hour', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vos-sim-'));
    try {
      const calls = sim.generateCalls(40, { startMs: Date.UTC(2024, 0, 2, 3, 59, 0), cps: 0.5, seed: 4 });
      const files = sim.appendHourly(dir, calls, { eol: '\r\n' });
      assert.deepEqual(files.sort(), fs.readdirSync(dir).sort());
      assert.ok(files.length >= 2);
      const all = files.flatMap((f) => fs.readFileSync(path.join(dir, f), 'utf8').split('\r\n').filter(Boolean));
      assert.equal(all.length, 40);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('cdr-sim vos: live TCP at a rate, and an outage resent out of order with the oldest dropped', async () => {
    const { server, lines, port } = await lineServer();
    const logs = [];
    try {
      await runVosCli(['--to', `127.0.0.1:${port}`, '--rate', '2000', '--count', '40', '--seed', '1'], undefined, (s) => logs.push(s));
      await until(() => lines.length === 40);
      assert.ok(lines.every((l) => parseVosLine(l).callerE164.startsWith('86138')));
      lines.length = 0;
      // 1 s outage at 300/s = 300 calls; a 100-record queue keeps the newest 100.
      await runVosCli(['--port', String(port), '--outage', '1', '--rate', '300', '--queue-size', '100', '--count', '5', '--crlf', '--seed', '2'], undefined, (s) => logs.push(s));
      await until(() => lines.length === 105);
      assert.ok(logs.some((l) => /outage: 300 calls, 200 dropped by the full queue, 100 to resend/.test(l)));
      const starts = lines.slice(0, 100).map((l) => parseVosLine(l).startTime);
      assert.notDeepEqual(starts, [...starts].sort((a, b) => a - b)); // resent out of order
    } finally {
      server.close();
    }
  });

  it('cdr-sim vos: UDP datagrams, and hourly files', async () => {
    const sock = dgram.createSocket('udp4');
    const got = [];
    sock.on('message', (m) => got.push(m.toString()));
    await new Promise((r) => sock.bind(0, '127.0.0.1', r));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vos-cli-'));
    try {
      await runVosCli(['--transport', 'udp', '--port', String(sock.address().port), '--rate', '1000', '--count', '30'], undefined, () => undefined);
      await until(() => got.length === 30);
      await runVosCli(['--files', dir, '--rate', '1000', '--count', '12', '--time-format', 'wall'], undefined, () => undefined);
      const text = fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('');
      assert.ok(fs.readdirSync(dir).every((f) => /^\d{10}\.txt$/.test(f)));
      assert.equal(text.split('\n').filter(Boolean).length, 12);
      assert.match(text, /\|\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\|/);
    } finally {
      sock.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('cdr-sim vos stops when its signal aborts', async () => {
    const { server, lines, port } = await lineServer();
    const ac = new AbortController();
    try {
      const run = runVosCli(['--port', String(port), '--rate', '100'], ac.signal, () => undefined);
      await until(() => lines.length >= 3);
      ac.abort();
      await run;
    } finally {
      server.close();
    }
  });

  it('reads CLI options and refuses bad ones', () => {
    const o = parseVosCliArgs(['--transport', 'udp', '--rate', '1000', '--outage', '600', '--queue-size', '100000', '--files', '/tmp/x']);
    assert.equal(o.transport, 'udp');
    assert.equal(o.rate, 1000);
    assert.equal(o.outage, 600);
    assert.equal(o.queueSize, 100000);
    assert.equal(o.files, '/tmp/x');
    assert.equal(parseVosCliArgs(['--help']), null);
    assert.throws(() => parseVosCliArgs(['--transport', 'sctp']), /tcp or udp/);
    assert.throws(() => parseVosCliArgs(['--rate', 'x']), /number/);
    assert.throws(() => parseVosCliArgs(['--bogus']), /unknown option/);
    assert.throws(() => parseVosCliArgs(['--to', 'nohost']), /host:port/);
    assert.deepEqual([parseVosCliArgs(['--to', '[::1]:9100']).host, parseVosCliArgs(['--to', '[::1]:9100']).port], ['::1', 9100]);
  });
});

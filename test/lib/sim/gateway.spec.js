'use strict';
const assert = require('node:assert/strict');
const net = require('node:net');
const dgram = require('node:dgram');
const { generateGatewayTraffic, sendGatewayTcp, sendGatewayUdp, formatWall, ALL_NOTATIONS } = require('../../../nodes/lib/sim/gateway');
const { parseGatewayCliArgs, runGatewayCli } = require('../../../nodes/lib/sim/gateway-cli');
const { waitFor } = require('../../support/wait');
const { parseGatewayLine, CallAssembler } = require('../../../nodes/lib/formats/gateway');

/** Lines → records through the real parser and assembler. */
function assemble(lines, separator = 'tab') {
  let now = 0;
  const asm = new CallAssembler({ now: () => now, openTimeoutMs: 1000 });
  const records = [];
  const statuses = [];
  for (const line of lines) {
    const parsed = parseGatewayLine(line, { separator });
    if (parsed.type === 'status') statuses.push(parsed.status);
    else {
      const out = asm.push(parsed.event.Gateway, parsed.event);
      assert.equal(out.late.length, 0);
      records.push(...out.records);
    }
  }
  const ended = records.length;
  now = 1000;
  records.push(...asm.sweep());
  return { records, statuses, ended };
}

describe('sim/gateway', () => {
  it('makes every notation, interleaved over several gateways and ports, that assembles back', () => {
    const t = generateGatewayTraffic({ calls: 60, gateways: ['8200', '8378', '9001'], ports: 4, spacingSec: 2, log: true, seed: 7 });
    const { records, statuses, ended } = assemble(t.lines);
    assert.equal(ended, 60);
    assert.equal(records.length, 60);
    assert.equal(statuses.length, t.logLines);
    assert.ok(statuses.some((s) => s.kind === 'login') && statuses.some((s) => s.kind === 'bad-packet'));
    assert.deepEqual([...new Set(records.map((r) => r.Notation))].sort(), [...ALL_NOTATIONS].sort());
    for (const c of t.calls) {
      const r = records.find((x) => x.Gateway === c.gateway && x['Call-Ref'] === c.callRef);
      assert.ok(r, `${c.gateway}/${c.callRef}`);
      assert.equal(r.Notation, c.notation, `${c.gateway}/${c.callRef}`);
      assert.equal(r.Port, c.port);
      assert.equal(r.Incomplete, false);
    }
    assert.equal(new Set(records.map((r) => r.Gateway)).size, 3);
    // Interleaved: some call starts before the previous one (in the stream) ended.
    const firstGw = t.lines.filter((l) => !/Login!|Bad Packet/.test(l)).map((l) => l.split('\t')[0] + '/' + l.split('\t')[2]);
    const switches = firstGw.filter((k, i) => i > 0 && k !== firstGw[i - 1]).length;
    assert.ok(switches > 60, `calls interleave (${switches} switches)`);
  });

  it('is deterministic per seed and honours separator, prefix and never-ending calls', () => {
    const a = generateGatewayTraffic({ calls: 10, seed: 3 });
    assert.deepEqual(generateGatewayTraffic({ calls: 10, seed: 3 }).lines, a.lines);
    assert.notDeepEqual(generateGatewayTraffic({ calls: 10, seed: 4 }).lines, a.lines);
    const p = generateGatewayTraffic({ calls: 12, neverEnding: 3, separator: 'pipe', prefix: false, seed: 3 });
    assert.ok(p.lines.every((l) => l.includes('|') && !l.includes('\t')));
    let now = 0;
    const asm = new CallAssembler({ now: () => now, openTimeoutMs: 10 });
    const recs = [];
    for (const l of p.lines) recs.push(...asm.push('cfg', parseGatewayLine(l, { separator: 'pipe' }).event).records);
    assert.equal(recs.length, 12);
    now = 10;
    const timedOut = asm.sweep();
    assert.equal(timedOut.length, 3);
    assert.ok(timedOut.every((r) => r.Incomplete && r.Gateway === 'cfg'));
  });

  it('sends lines over TCP and UDP to a real socket', async () => {
    const lines = generateGatewayTraffic({ calls: 5, seed: 9 }).lines;
    let received = '';
    const server = net.createServer((s) => s.on('data', (d) => { received += d; }));
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const closed = new Promise((r) => server.on('connection', (s) => s.on('close', r)));
    await sendGatewayTcp(lines, { host: '127.0.0.1', port: server.address().port });
    await closed;
    await new Promise((r) => server.close(r));
    assert.equal(received, lines.map((l) => `${l}\n`).join(''));

    const udp = dgram.createSocket('udp4');
    const datagrams = [];
    const all = new Promise((r) => udp.on('message', (m) => { datagrams.push(String(m)); if (datagrams.length === lines.length) r(); }));
    await new Promise((r) => udp.bind(0, '127.0.0.1', r));
    await sendGatewayUdp(lines, { host: '127.0.0.1', port: udp.address().port });
    await all;
    udp.close();
    assert.deepEqual(datagrams.sort(), [...lines].sort());
  });

  it('cdr-sim gateway sends the generated traffic to --to over TCP and UDP', async () => {
    const want = generateGatewayTraffic({ calls: 4, seed: 2, log: true }).lines;
    let received = '';
    const server = net.createServer((s) => s.on('data', (d) => { received += d; }));
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const closed = new Promise((r) => server.on('connection', (s) => s.on('close', r)));
    const quiet = process.stderr.write;
    process.stderr.write = () => true;
    try {
      await runGatewayCli(['--to', `127.0.0.1:${server.address().port}`, '--calls', '4', '--seed', '2', '--log', '--replay']);
      await closed;
      const udp = dgram.createSocket('udp4');
      const datagrams = [];
      const all = new Promise((r) => udp.on('message', (m) => { datagrams.push(String(m)); if (datagrams.length === want.length) r(); }));
      await new Promise((r) => udp.bind(0, '127.0.0.1', r));
      await runGatewayCli(['--to', `127.0.0.1:${udp.address().port}`, '--transport', 'udp', '--calls', '4', '--seed', '2', '--log', '--replay']);
      await all;
      udp.close();
      assert.deepEqual(datagrams.sort(), [...want].sort());
    } finally {
      process.stderr.write = quiet;
      await new Promise((r) => server.close(r));
    }
    assert.equal(received, want.map((l) => `${l}\n`).join(''));
  });

  it('gives the wall-clock time of every line, in order (what --live sends them at)', () => {
    const t = generateGatewayTraffic({ calls: 12, seed: 4, log: true, start: '2026/03/02 10:00:00' });
    assert.equal(t.times.length, t.lines.length);
    assert.deepEqual(t.times, [...t.times].sort((a, b) => a - b));
    for (let i = 0; i < t.lines.length; i++) assert.ok(t.lines[i].includes(formatWall(t.times[i])), `line ${i} carries its time: ${t.lines[i]}`);
    assert.equal(formatWall(t.times[0]), '2026/03/02 09:59:59', 'the login line, a second before the start');
  });

  it('with sendAt sends each line at its time, and a stop ends the wait', async () => {
    const arrived = [];
    const server = net.createServer((s) => s.on('data', (d) => String(d).split('\n').filter(Boolean).forEach((l) => arrived.push([l, Date.now()]))));
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const port = server.address().port;
    try {
      const t0 = Date.now() + 50;
      await sendGatewayTcp(['a', 'b', 'c'], { host: '127.0.0.1', port, rate: 1000, sendAt: [t0, t0 + 200, t0 + 400] });
      await waitFor(() => arrived.length === 3, 'three lines');
      assert.deepEqual(arrived.map(([l]) => l), ['a', 'b', 'c']);
      arrived.forEach(([, at], i) => assert.ok(at >= t0 + i * 200, `line ${i} not before its time`));

      arrived.length = 0;
      const stop = new AbortController();
      const began = Date.now();
      const sending = sendGatewayTcp(['d', 'e'], { host: '127.0.0.1', port, sendAt: [began, began + 60000], signal: stop.signal });
      await waitFor(() => arrived.length === 1, 'the first line');
      stop.abort();
      await sending;
      assert.ok(Date.now() - began < 5000, 'stopped without waiting a minute');
      assert.deepEqual(arrived.map(([l]) => l), ['d']);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('reads CLI options and refuses bad ones', () => {
    assert.equal(parseGatewayCliArgs([]).live, true, 'live traffic by default');
    assert.equal(parseGatewayCliArgs(['--replay']).live, false);
    assert.equal(parseGatewayCliArgs(['--live']).live, true);
    assert.deepEqual(parseGatewayCliArgs(['--to', '[::1]:9200']).port, 9200);
    const o = parseGatewayCliArgs(['--port', '9100', '--transport', 'udp', '--calls', '3', '--gateways', '1,2', '--separator', 'comma', '--no-prefix', '--log']);
    assert.equal(o.port, 9100);
    assert.equal(o.transport, 'udp');
    assert.deepEqual(o.gateways, ['1', '2']);
    assert.equal(o.prefix, false);
    assert.throws(() => parseGatewayCliArgs(['--transport', 'sctp']), /tcp or udp/);
    assert.throws(() => parseGatewayCliArgs(['--port', '70000']), /65535/);
    assert.throws(() => parseGatewayCliArgs(['--bogus']), (e) => e.name === 'UsageError' && /unknown option/.test(e.message));
  });
});

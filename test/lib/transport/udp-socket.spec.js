'use strict';
const assert = require('node:assert/strict');
const dgram = require('node:dgram');
const { UdpSocket } = require('../../../nodes/lib/transport/udp-socket');
const { parseAllowList } = require('../../../nodes/lib/transport/allow-list');
const { waitFor } = require('../../support/wait');

function send(port, text) {
  const c = dgram.createSocket('udp4');
  return new Promise((resolve, reject) => c.send(Buffer.isBuffer(text) ? text : Buffer.from(text), port, '127.0.0.1', (err) => {
    c.close();
    err ? reject(err) : resolve();
  }));
}

describe('transport/udp-socket', () => {
  let sock;
  afterEach(async () => sock && (await sock.close()));

  it('splits each datagram into lines and reports the sender', async () => {
    const frames = [];
    sock = new UdpSocket({ host: '127.0.0.1', port: 0, maxDatagramBytes: 1000 }, { onFrame: (t, p) => frames.push([t, p.address]), onFrameError() {} });
    const { port } = await sock.listen();
    await send(port, 'a|1\r\nb|2\n');
    await send(port, 'c|3');
    await waitFor(() => frames.length === 3, 'three lines');
    assert.deepEqual(frames.map((f) => f[0]).sort(), ['a|1', 'b|2', 'c|3']);
    assert.equal(frames[0][1], '127.0.0.1');
  });

  it('drops and reports an oversize datagram, then reads the next', async () => {
    const frames = [];
    const errors = [];
    sock = new UdpSocket({ host: '127.0.0.1', port: 0, maxDatagramBytes: 100 }, { onFrame: (t) => frames.push(t), onFrameError: (e) => errors.push(e) });
    const { port } = await sock.listen();
    await send(port, 'x'.repeat(500));
    await send(port, 'ok');
    await waitFor(() => frames.length === 1 && errors.length === 1, 'error then frame');
    assert.equal(errors[0].code, 'oversize');
  });

  it('ignores senders outside the allow-list', async () => {
    const frames = [];
    const refused = [];
    sock = new UdpSocket({ host: '127.0.0.1', port: 0, maxDatagramBytes: 100, allow: parseAllowList('192.0.2.0/24') }, { onFrame: (t) => frames.push(t), onFrameError() {}, onRefused: (r) => refused.push(r) });
    const { port } = await sock.listen();
    await send(port, 'nope');
    await waitFor(() => refused.length === 1, 'refusal');
    assert.equal(frames.length, 0);
  });
});

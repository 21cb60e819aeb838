'use strict';
const assert = require('node:assert/strict');
const net = require('node:net');
const { TcpServer } = require('../../../nodes/lib/transport/tcp-server');
const { parseAllowList } = require('../../../nodes/lib/transport/allow-list');
const { waitFor } = require('../../support/wait');
const { connect, write } = require('../../support/net');

/** A client bound to another loopback address (Linux routes all of 127/8 to lo). */
function connectFrom(port, localAddress) {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1', localAddress });
    s.gone = new Promise((r) => s.once('close', r));
    s.on('error', () => undefined);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

function start(options = {}) {
  const seen = { frames: [], errors: [], refused: [], disconnects: [], connects: 0, internal: [] };
  const server = new TcpServer(
    {
      host: '127.0.0.1',
      port: 0,
      framing: 'auto',
      maxFrameBytes: 64 * 1024,
      maxConnections: 10,
      idleTimeoutMs: 0,
      ...options,
    },
    {
      onFrame: (text, peer) => {
        if (text.includes('"throw"')) throw new Error('handler failed');
        seen.frames.push({ text, peer });
      },
      onFrameError: (err, peer) => seen.errors.push({ err, peer }),
      onConnect: () => seen.connects++,
      onDisconnect: (peer, reason) => seen.disconnects.push(reason),
      onRefused: (reason) => seen.refused.push(reason),
      onError: (err) => seen.internal.push(err),
    },
  );
  return server.listen().then(({ port }) => ({ server, port, seen }));
}

describe('transport/tcp-server', () => {
  let ctx;
  afterEach(async () => {
    if (ctx) await ctx.server.close();
    ctx = null;
  });

  it('delivers frames from several connections with the peer address', async () => {
    ctx = await start();
    const a = await connect(ctx.port);
    const b = await connect(ctx.port);
    await write(a, '{"n":1}');
    await write(b, '<r>2</r>{"n":3}');
    await waitFor(() => ctx.seen.frames.length === 3, '3 frames');
    assert.deepEqual(ctx.seen.frames.map((f) => f.text).sort(), ['<r>2</r>', '{"n":1}', '{"n":3}']);
    assert.equal(ctx.seen.frames[0].peer.address, '127.0.0.1');
    assert.notEqual(ctx.seen.frames.find((f) => f.text === '{"n":1}').peer.connection, ctx.seen.frames.find((f) => f.text === '{"n":3}').peer.connection);
    a.destroy();
    b.destroy();
  });

  it('flushes the last line when the peer closes without a newline', async () => {
    ctx = await start({ framing: 'line' });
    const a = await connect(ctx.port);
    await write(a, 'one\ntwo');
    a.end();
    await waitFor(() => ctx.seen.frames.length === 2, 'both lines');
    assert.deepEqual(ctx.seen.frames.map((f) => f.text), ['one', 'two']);
  });

  it('reports a frame cut short when the peer vanishes mid-frame', async () => {
    ctx = await start();
    const a = await connect(ctx.port);
    await write(a, '{"n":1}{"n":');
    a.destroy();
    await waitFor(() => ctx.seen.errors.length === 1, 'truncated error');
    assert.equal(ctx.seen.errors[0].err.code, 'truncated');
    assert.equal(ctx.seen.frames.length, 1);
  });

  it('keeps reading a connection after a handler throws', async () => {
    ctx = await start();
    const a = await connect(ctx.port);
    await write(a, '{"throw":1}{"n":2}');
    await waitFor(() => ctx.seen.frames.length === 1, 'the frame after the throw');
    assert.equal(ctx.seen.internal.length, 1);
    a.destroy();
  });

  it('over the limit, the longest-idle connection yields to a new one and the others are still served', async () => {
    ctx = await start({ maxConnections: 2, maxPerAddress: 2 });
    const a = await connect(ctx.port);
    await write(a, '{"first":1}');
    await waitFor(() => ctx.seen.frames.length === 1, 'a delivered');
    const b = await connect(ctx.port);
    await waitFor(() => ctx.seen.connects === 2, 'two connections');
    const c = await connect(ctx.port);
    // b never delivered a record: it yields, not a.
    await b.gone;
    assert.ok(ctx.seen.disconnects.includes('evicted'));
    await write(a, '{"still":"served"}');
    await write(c, '{"new":"served"}');
    await waitFor(() => ctx.seen.frames.length === 3, 'frames on a and c');
    a.destroy();
    c.destroy();
  });

  it('one address at its share makes room among its own connections, not the others\'', async () => {
    ctx = await start({ maxConnections: 4, maxPerAddress: 2 });
    const other = await connect(ctx.port, '127.0.0.1');
    const own1 = await connectFrom(ctx.port, '127.0.0.2');
    const own2 = await connectFrom(ctx.port, '127.0.0.2');
    await waitFor(() => ctx.seen.connects === 3, 'three connections');
    const own3 = await connectFrom(ctx.port, '127.0.0.2');
    await own1.gone;
    await write(other, '{"other":"served"}');
    await write(own3, '{"own3":"served"}');
    await waitFor(() => ctx.seen.frames.length === 2, 'both served');
    for (const s of [other, own2, own3]) s.destroy();
  });

  it('closes a connection whose record does not complete in time (a trickle cannot hold a slot)', async () => {
    ctx = await start({ framing: 'json', frameTimeoutMs: 300 });
    const a = await connect(ctx.port);
    await write(a, '{"slow":');
    const timer = setInterval(() => a.write('1'), 50);
    await a.gone;
    clearInterval(timer);
    await waitFor(() => ctx.seen.disconnects.includes('slow'), 'slow disconnect');
  });

  it('an idle timer counts records, not bytes', async () => {
    ctx = await start({ framing: 'line', idleTimeoutMs: 300, frameTimeoutMs: 60_000 });
    const a = await connect(ctx.port);
    // Blank lines are bytes but no record.
    const timer = setInterval(() => a.write('\n'), 50);
    await a.gone;
    clearInterval(timer);
    await waitFor(() => ctx.seen.disconnects.includes('idle'), 'idle disconnect');
  });

  it('refuses addresses outside the allow-list', async () => {
    ctx = await start({ allow: parseAllowList('10.0.0.0/8') });
    const a = await connect(ctx.port);
    await a.gone;
    assert.match(ctx.seen.refused[0], /127\.0\.0\.1 is not in the allow-list/);
    await ctx.server.close();
    ctx = await start({ allow: parseAllowList('127.0.0.1') });
    const b = await connect(ctx.port);
    await write(b, '{"ok":1}');
    await waitFor(() => ctx.seen.frames.length === 1, 'allowed frame');
    b.destroy();
  });

  it('closes a connection that stays idle', async () => {
    ctx = await start({ idleTimeoutMs: 150 });
    const a = await connect(ctx.port);
    await a.gone;
    await waitFor(() => ctx.seen.disconnects.includes('idle'), 'idle disconnect');
  });

  it('close() releases the port and every connection at once', async () => {
    ctx = await start();
    const a = await connect(ctx.port);
    await waitFor(() => ctx.seen.connects === 1, 'connected');
    const port = ctx.port;
    await ctx.server.close();
    await a.gone;
    // The same port can be bound again immediately (a redeploy).
    const again = net.createServer();
    await new Promise((resolve, reject) => again.once('error', reject).listen(port, '127.0.0.1', resolve));
    await new Promise((r) => again.close(r));
    ctx = null;
  });

  it('rejects listen() on a port in use', async () => {
    ctx = await start();
    const other = new TcpServer({ host: '127.0.0.1', port: ctx.port, framing: 'json', maxFrameBytes: 1000, maxConnections: 1, idleTimeoutMs: 0 }, { onFrame() {}, onFrameError() {} });
    await assert.rejects(other.listen(), { code: 'EADDRINUSE' });
  });
});

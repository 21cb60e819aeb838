'use strict';
// Batch output of the five source nodes (batchSize / batchMs), each fed over
// its real transport: batches in the order the records would have gone one by
// one, counted as records in the status, a partial batch on close, a redeploy
// with a batch in hand (journal on: replayed; off: sent before close ends), and
// cdr-normalize taking a source batch record by record, acknowledgements and all.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { helper, core, load, collect } = require('../support/red');
const { waitFor } = require('../support/wait');
const { assertValidCdr } = require('../support/cdr-schema');
const { connect, write, freePort } = require('../support/net');
const { request } = require('../support/http');
const { UcmGenerator, ucmToJson } = require('../../nodes/lib/sim/ucm');
const fsSim = require('../../nodes/lib/sim/freeswitch');
const vosSim = require('../../nodes/lib/sim/vos');
const gwSim = require('../../nodes/lib/sim/gateway');
const { AmiSimServer } = require('../../nodes/lib/sim/ami');

const nodes = {
  ucm: require('../../nodes/ucm-cdr-in.js'),
  fs: require('../../nodes/fs-cdr-in.js'),
  vos: require('../../nodes/vos-cdr-in.js'),
  gw: require('../../nodes/gw-cdr-in.js'),
  amiServer: require('../../nodes/ami-server.js'),
  ami: require('../../nodes/ami-cdr-in.js'),
  normalize: require('../../nodes/cdr-normalize.js'),
  ack: require('../../nodes/cdr-ack.js'),
};

/**
 * One driver per source node: its node (id `src`, first output wired to
 * `wire`), what else it needs, and `send(n)`, which makes the PBX side send
 * n records (different on each call) over the node's own transport.
 */
const drivers = [
  {
    type: 'ucm-cdr-in',
    // What the status counts: records sent ('sent'), or records taken in whether sent yet or not ('taken').
    counts: 'sent',
    modules: [nodes.ucm],
    async setup() {
      const port = await freePort();
      const gen = new UcmGenerator({ seed: 11 });
      let socket = null;
      return {
        node: { type: 'ucm-cdr-in', transport: 'tcp', host: '127.0.0.1', port, format: 'json' },
        async send(n) {
          if (!socket) socket = await connect(port);
          await write(socket, Array.from({ length: n }, () => ucmToJson(gen.next('leg'))).join('\n') + '\n');
        },
        stop: () => socket?.destroy(),
      };
    },
  },
  {
    type: 'fs-cdr-in',
    counts: 'sent',
    modules: [nodes.fs],
    async setup() {
      const port = await freePort();
      const gen = new fsSim.FsCallGenerator({ seed: 12 });
      return {
        node: { type: 'fs-cdr-in', mode: 'http', host: '127.0.0.1', port, path: '/cdr' },
        // One POST per leg, one after the other, as FreeSWITCH does: each answered once durable.
        async send(n) {
          for (let i = 0; i < n; i++) {
            const { body, contentType } = fsSim.postBody(fsSim.toJson(gen.call().a), 'json', 'urlencoded');
            const res = await request({ port, path: '/cdr', body, headers: { 'Content-Type': contentType } });
            assert.equal(res.status, 200);
          }
        },
      };
    },
  },
  {
    type: 'vos-cdr-in',
    // Its status text is built from locale keys the test helper does not fill in.
    counts: null,
    modules: [nodes.vos],
    async setup() {
      const port = await freePort();
      const gen = vosSim.callGenerator({ startMs: Date.UTC(2024, 4, 1, 10), cps: 5, seed: 13 });
      let socket = null;
      return {
        node: { type: 'vos-cdr-in', tcp: true, udp: false, host: '127.0.0.1', tcpPort: port },
        async send(n) {
          if (!socket) socket = await connect(port);
          await write(socket, Array.from({ length: n }, () => vosSim.formatLine(gen.next()) + '\r\n').join(''));
        },
        stop: () => socket?.destroy(),
      };
    },
  },
  {
    type: 'gw-cdr-in',
    counts: 'taken',
    modules: [nodes.gw],
    async setup() {
      const port = await freePort();
      let seed = 14;
      let socket = null;
      return {
        node: { type: 'gw-cdr-in', transport: 'tcp', host: '127.0.0.1', port },
        // n whole calls (each several event lines), a new run of calls each time.
        async send(n) {
          if (!socket) socket = await connect(port);
          const traffic = gwSim.generateGatewayTraffic({ calls: n, seed: seed++, start: `2004/01/${String(10 + seed).padStart(2, '0')} 00:00:00` });
          await write(socket, traffic.lines.join('\r\n') + '\r\n');
        },
        stop: () => socket?.destroy(),
      };
    },
  },
  {
    type: 'ami-cdr-in',
    counts: 'sent',
    modules: [nodes.amiServer, nodes.ami],
    async setup() {
      const sim = new AmiSimServer({ users: { cdruser: { secret: 'cdrpass', read: 'cdr,call,system' } } });
      const port = await sim.listen(0, '127.0.0.1');
      let sent = 0;
      return {
        node: { type: 'ami-cdr-in', server: 'srv' },
        extra: [{ id: 'srv', type: 'ami-server', name: 'pbx-a', host: '127.0.0.1', port, events: 'cdr', pingSec: 20, pingTimeoutSec: 10, backoffMaxSec: 1 }],
        credentials: { srv: { username: 'cdruser', secret: 'cdrpass' } },
        ready: () => waitFor(() => sim.loggedIn >= 1, 'AMI login'),
        // Cdr events on a clock of their own: the same records in every run.
        async send(n) {
          await waitFor(() => sim.loggedIn >= 1, 'AMI login');
          for (let i = 0; i < n; i++) sim.sendCdr(sim.nextCdr(Date.UTC(2024, 4, 1, 10) + sent++ * 60000));
        },
        stop: () => sim.stop(),
      };
    },
  },
];

const key = (payload) => JSON.stringify(payload);
const dirs = [];
function journalDir() {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'cdrflow-srcbatch-'));
  dirs.push(d);
  return d;
}

/** The flow: the source (and what it needs) → `out`, or → `wire` when given; `more` nodes beside. */
function flowOf(ctx, props, { wire = 'out', more = [] } = {}) {
  return [{ id: 'src', wires: [[wire]], ...ctx.node, ...props }, ...(ctx.extra || []), { id: 'out', type: 'helper' }, ...more];
}

async function start(d, ctx, props, opts) {
  const flow = flowOf(ctx, props, opts);
  await load([...d.modules, ...(opts?.modules || [])], flow, ctx.credentials || {});
  const src = helper.getNode('src');
  if (src.listening) await src.listening;
  if (ctx.ready) await ctx.ready();
  const statuses = [];
  src.on('call:status', (call) => statuses.push(String(call.args[0]?.text ?? '')));
  return { flow, src, statuses };
}

/** The records as they went one by one with the batch off: the order a batch must keep. */
async function unbatched(d, n) {
  const ctx = await d.setup();
  try {
    await start(d, ctx, { journal: false });
    const out = collect('out');
    await ctx.send(n);
    await waitFor(() => out.length === n, `${n} records one by one`);
    return out.map((m) => key(m.payload));
  } finally {
    await helper.unload();
    await ctx.stop?.();
  }
}

describe('source nodes: batch output', function () {
  this.timeout(60000);
  let ctx = null;
  afterEach(async () => {
    await helper.unload();
    await ctx?.stop?.();
    ctx = null;
  });
  after(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  for (const d of drivers) {
    describe(d.type, () => {
      it('batches of batchSize in the order the records go one by one, merged handles, counted as records in the status', async () => {
        const order = await unbatched(d, 10);
        ctx = await d.setup();
        const { statuses } = await start(d, ctx, { journal: true, journalDir: journalDir(), journalFsync: 'never', batchSize: 4, batchMs: 3600000 });
        const out = collect('out');
        await ctx.send(10);
        await waitFor(() => out.length === 2, 'two full batches');
        assert.deepEqual(out.map((m) => m.batch.count), [4, 4]);
        for (const m of out) {
          assert.equal(m.payload.length, 4);
          assert.equal(m.batch.parts.length, 4);
          // One handle per record (journaled), all of them on the batch too.
          const perRecord = m.batch.parts.map((p) => p.cdrAck);
          assert.ok(perRecord.every((h) => Array.isArray(h) && h.length === 1), 'a handle per record');
          assert.deepEqual(m.cdrAck, perRecord.flat());
          assert.ok(m.source && m.source.vendor, 'the first record’s source on top');
          assert.ok(m.batch.parts.every((p) => p.source && p.source.vendor === m.source.vendor));
        }
        assert.deepEqual(out.flatMap((m) => m.payload.map(key)), order.slice(0, 8));
        // The status counts records, not the 2 messages: the 8 sent, or all 10 taken in.
        const n = d.counts === 'sent' ? 8 : 10;
        if (d.counts) await waitFor(() => statuses.some((t) => new RegExp(`(^|[^\\d,])${n} rec`).test(t)), `a status counting ${n} records (got ${JSON.stringify(statuses.slice(-3))})`);
      });

      it('a partial batch goes after batchMs', async () => {
        ctx = await d.setup();
        await start(d, ctx, { journal: false, batchSize: 100, batchMs: 50 });
        const out = collect('out');
        await ctx.send(3);
        await waitFor(() => out.length === 1, 'the timed partial batch');
        assert.equal(out[0].payload.length, 3);
        assert.equal(out[0].batch.count, 3);
      });

      it('journal off: a redeploy with a batch in hand sends it before close ends', async () => {
        ctx = await d.setup();
        const { flow } = await start(d, ctx, { journal: false, batchSize: 4, batchMs: 3600000 });
        const out = collect('out');
        await ctx.send(6);
        await waitFor(() => out.length === 1, 'the full batch');
        ctx.stop?.();
        await helper.setFlows(flow.map((n) => (n.id === 'src' ? { ...n, name: 'changed' } : n)), 'nodes');
        await waitFor(() => out.length === 2, 'the batch held at the redeploy');
        assert.deepEqual(out.map((m) => m.payload.length), [4, 2]);
        assert.equal(new Set(out.flatMap((m) => m.payload.map(key))).size, 6, 'every record once');
      });

      it('journal on: a redeploy with a batch in hand loses nothing (it is replayed), and sends nothing twice', async () => {
        ctx = await d.setup();
        const dir = journalDir();
        const { flow } = await start(d, ctx, { journal: true, journalDir: dir, journalFsync: 'never', batchSize: 4, batchMs: 3600000 });
        const out = collect('out');
        await ctx.send(6);
        await waitFor(() => out.length === 1, 'the full batch');
        ctx.stop?.();
        // The same node id and journal, a short batch wait: the replay goes out as a partial batch.
        await helper.setFlows(flow.map((n) => (n.id === 'src' ? { ...n, batchMs: 50 } : n)), 'nodes');
        await waitFor(() => out.length === 2, 'the held records, replayed');
        assert.equal(out[1].batch.count, 2);
        assert.ok(out[1].batch.parts.every((p) => p.redelivered === true), 'replayed records say so');
        const all = out.flatMap((m) => m.payload.map(key));
        assert.equal(all.length, 6);
        assert.equal(new Set(all).size, 6, 'every record once: the first batch was acknowledged on send');
      });

      it('cdr-normalize takes a source batch record by record; one cdr-ack lets every record go', async () => {
        const order = await unbatched(d, 8);
        ctx = await d.setup();
        const more = [
          { id: 'norm', type: 'cdr-normalize', vendor: 'auto', timeZone: 'UTC', output: 'leg', format: 'cdr', dedupe: 'drop', wires: [['out', 'ack']] },
          { id: 'ack', type: 'cdr-ack', wires: [[]] },
        ];
        const { statuses } = await start(d, ctx, { journal: true, journalDir: journalDir(), journalFsync: 'never', batchSize: 4, batchMs: 3600000 }, { wire: 'norm', more, modules: [nodes.normalize, nodes.ack] });
        const out = collect('out');
        await ctx.send(8);
        await waitFor(() => statuses.some((t) => /via cdr-ack · 0 unacked/.test(t)) && out.length > 0, 'every record acknowledged downstream');
        // As cdr-normalize had them one by one: a Cdr per message, from a record sent, with that record's own handle.
        for (const m of out) {
          assertValidCdr(m.payload);
          assert.equal(m.batch, undefined);
          assert.ok(Array.isArray(m.cdrAck) && m.cdrAck.length === 1, 'the handle of its own record, not the batch');
          assert.equal(m.source.vendor, out[0].source.vendor);
        }
        const normalized = out.map((m) => key(m.vendorRecord));
        assert.deepEqual([...new Set(normalized)], order, 'every record normalized, in order');
      });
    });
  }
});

'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { helper, core } = require('../support/red');
const { withMessages } = require('../support/locale');
const { testCertificate } = require('../support/tls');

const amiServerNode = withMessages(require('../../nodes/ami-server.js'), 'ami-server', 'ami-cdr-in');
const amiCdrInNode = withMessages(require('../../nodes/ami-cdr-in.js'), 'ami-server', 'ami-cdr-in');
const { AmiSimServer } = require('../../nodes/lib/sim/ami');
const ami = require('../../nodes/lib/formats/ami');
const { sample } = require('../support/asterisk-samples');
const { waitFor } = require('../support/wait');

function flow(port, { server = {}, nodes = [{ id: 'in1' }], creds = {} } = {}) {
  const f = [{ id: 'srv', type: 'ami-server', name: 'pbx-a', host: '127.0.0.1', port, events: 'cdr', pingSec: 20, pingTimeoutSec: 10, backoffMaxSec: 1, ...server }];
  for (const n of nodes) {
    const outs = n.celOutput ? [[`${n.id}-cdr`], [`${n.id}-cel`]] : [[`${n.id}-cdr`]];
    f.push({ id: n.id, type: 'ami-cdr-in', server: 'srv', celOutput: !!n.celOutput, topic: n.topic || '', wires: outs });
    f.push({ id: `${n.id}-cdr`, type: 'helper' });
    if (n.celOutput) f.push({ id: `${n.id}-cel`, type: 'helper' });
  }
  return { flow: f, creds: { srv: { username: 'cdruser', secret: 'cdrpass', ...creds } } };
}

async function load(port, opts = {}) {
  const { flow: f, creds } = flow(port, opts);
  await helper.load([amiServerNode, amiCdrInNode, core.catch, core.tls], [...f, ...(opts.extra || [])], creds);
}

/** Everything a helper node receives. */
function collect(id) {
  const got = [];
  helper.getNode(id).on('input', (msg) => got.push(msg));
  return got;
}

/** Every status a node shows. */
function statuses(id) {
  const list = [];
  helper.getNode(id).on('call:status', (call) => list.push(call.args[0]));
  return list;
}

describe('ami-server + ami-cdr-in nodes', function () {
  this.timeout(10000);
  let sim;
  beforeEach(async () => {
    sim = new AmiSimServer({ users: { cdruser: { secret: 'cdrpass', read: 'cdr,call,system' } } });
    await sim.listen(0);
  });
  afterEach(async () => {
    await helper.unload();
    await sim.stop();
  });

  it('sends one message per Cdr event: the record as sent, topic and source naming the PBX', async () => {
    await load(sim.port);
    const got = collect('in1-cdr');
    const st = statuses('in1');
    await waitFor(() => sim.loggedIn === 1, 'login');
    sim.burst(3);
    await waitFor(() => got.length === 3, '3 messages');
    const m = got[0];
    assert.equal(m.topic, 'asterisk');
    assert.equal(m.payload.Event, 'Cdr');
    assert.equal(typeof m.payload.UniqueID, 'string');
    assert.deepEqual(Object.keys(m.source).sort(), ['address', 'format', 'pbx', 'port', 'receivedAt', 'transport', 'vendor']);
    assert.equal(m.source.vendor, 'asterisk');
    assert.equal(m.source.format, 'ami');
    assert.equal(m.source.transport, 'ami');
    assert.equal(m.source.address, '127.0.0.1');
    assert.equal(m.source.port, sim.port);
    assert.equal(m.source.pbx, 'pbx-a');
    assert.ok(!Number.isNaN(Date.parse(m.source.receivedAt)));
    await waitFor(() => st.some((s) => s.fill === 'green' && s.text === `127.0.0.1:${sim.port} · 3 rec · ack on send`), 'green status with counts');
    assert.equal(st[0].fill, 'yellow');
    assert.equal(st[0].text, `connecting to 127.0.0.1:${sim.port}`);
  });

  it('replays the real capture byte for byte: 50 messages with the capture\'s values', async () => {
    await load(sim.port);
    const got = collect('in1-cdr');
    await waitFor(() => sim.loggedIn === 1, 'login');
    const capture = sample('ami-cdr-only-session-part1.txt');
    sim.replay(capture);
    await waitFor(() => got.length === 50, '50 messages');
    const expected = new ami.AmiFramer().push(capture).filter((f) => f.kind === 'message' && ami.eventName(f.message) === 'Cdr')
      .map((f) => ami.cdrRecord(f.message));
    assert.deepEqual(got.map((m) => m.payload), expected);
  });

  it('two ami-cdr-in nodes on one ami-server share one TCP connection and both get every record', async () => {
    await load(sim.port, { nodes: [{ id: 'in1' }, { id: 'in2', topic: 'pbx-a-cdr' }] });
    const a = collect('in1-cdr');
    const b = collect('in2-cdr');
    await waitFor(() => sim.loggedIn === 1, 'login');
    sim.burst(4);
    await waitFor(() => a.length === 4 && b.length === 4, 'both nodes');
    assert.equal(sim.connections, 1);
    assert.equal(b[0].topic, 'pbx-a-cdr');
    assert.deepEqual(a.map((m) => m.payload.UniqueID), b.map((m) => m.payload.UniqueID));
  });

  it('sends CEL on the second output when asked for, and logs in with Events: cdr,call', async () => {
    await load(sim.port, { server: { events: 'cdr,cel' }, nodes: [{ id: 'in1', celOutput: true }] });
    const cdr = collect('in1-cdr');
    const cel = collect('in1-cel');
    await waitFor(() => sim.loggedIn === 1, 'login');
    sim.burst(2, { cel: true });
    await waitFor(() => cdr.length === 2 && cel.length === 4, 'cdr and cel');
    assert.equal(cel[0].payload.Event, 'CEL');
    assert.equal(cel[0].payload.EventName, 'CHAN_START');
    assert.equal(cdr[0].payload.Event, 'Cdr');
  });

  it('reports a bad Cdr event with its raw text and reads the next one', async () => {
    await load(sim.port);
    const got = collect('in1-cdr');
    const n = helper.getNode('in1');
    const errors = [];
    n.on('call:error', (call) => errors.push(call));
    await waitFor(() => sim.loggedIn === 1, 'login');
    sim.sendRaw('Event: Cdr\r\nPrivilege: cdr,all\r\nStartTime: 2026-11-22 11:56:40\r\nEndTime: 2026-11-22 11:56:41\r\nDuration: x\r\nBillableSeconds: 0\r\nDisposition: BUSY\r\nUniqueID: 1.1\r\n\r\n');
    sim.burst(1);
    await waitFor(() => got.length === 1 && errors.length === 1, 'error then record');
    assert.match(String(errors[0].args[0]), /Duration is not an integer/);
    assert.match(errors[0].args[1].payload, /^Event: Cdr\r\n.*Duration: x\r\n/s);
    assert.equal(errors[0].args[1].source.pbx, 'pbx-a');
  });

  it('gets the events after the PBX restarts mid-stream (reconnect and login again)', async () => {
    await load(sim.port);
    const got = collect('in1-cdr');
    const st = statuses('in1');
    await waitFor(() => sim.loggedIn === 1, 'login');
    sim.burst(2);
    await waitFor(() => got.length === 2, 'before restart');
    await sim.restart();
    await waitFor(() => st.some((s) => s.fill === 'red'), 'red while down');
    await waitFor(() => sim.loggedIn === 1, 'login after restart');
    sim.burst(2);
    await waitFor(() => got.length === 4, 'after restart');
    assert.equal(sim.logins, 2);
    assert.equal(st[st.length - 1].fill, 'green');
  });

  it('detects a half-open PBX (no Pong) in the status and reconnects when it answers again', async () => {
    await load(sim.port, { server: { pingSec: 1, pingTimeoutSec: 1 } });
    const got = collect('in1-cdr');
    const st = statuses('in1');
    await waitFor(() => sim.loggedIn === 1, 'login');
    sim.answering = false;
    await waitFor(() => st.some((s) => s.fill === 'red' && /no answer to Ping within 1000 ms · retry in/.test(s.text)), 'red: no Pong');
    sim.answering = true;
    await waitFor(() => sim.logins === 2 && sim.loggedIn === 1, 'login again');
    sim.burst(1);
    await waitFor(() => got.length === 1, 'record after reconnect');
    await waitFor(() => sim.openSockets === 1, 'the dead socket closed');
  });

  it('shows a wrong secret as a red ring with the server\'s message, backs off, and keeps running', async () => {
    const t0 = Date.now();
    await load(sim.port, { creds: { secret: 'wrong' } });
    const st = statuses('in1');
    await waitFor(() => st.some((s) => s.fill === 'red' && /login failed: Authentication failed · retry in \d+s/.test(s.text)), 'red login status');
    assert.ok(sim.loginFailures >= 1);
    // Backing off, not a loop: the first retry waits at least 0.5 s (1 s, jitter ±50 %), later ones longer.
    assert.ok(sim.loginFailures <= 1 + Math.floor((Date.now() - t0) / 500), String(sim.loginFailures));
    assert.equal(st[0].fill, 'yellow');
  });

  it('shows an unreachable port and a name that does not resolve in red', async () => {
    const port = sim.port;
    await sim.stop();
    await load(port);
    const st = statuses('in1');
    await waitFor(() => st.some((s) => s.fill === 'red' && /connection refused by 127\.0\.0\.1/.test(s.text)), 'refused');
    await helper.unload();
    await load(5038, { server: { host: 'no-such-pbx.invalid' } });
    const st2 = statuses('in1');
    await waitFor(() => st2.some((s) => s.fill === 'red' && /cannot resolve host name "no-such-pbx\.invalid"/.test(s.text)), 'not resolved');
    await sim.listen(port); // for afterEach
  });

  it('redeploy (stop of the flow) logs off and closes the shared connection before close returns', async () => {
    await load(sim.port, { nodes: [{ id: 'in1' }, { id: 'in2' }] });
    await waitFor(() => sim.loggedIn === 1, 'login');
    await helper.unload();
    await waitFor(() => sim.openSockets === 0, 'server side closed');
    assert.equal(sim.connections, 1);
  });

  it('opens a new connection when a node is redeployed alone after the last one stopped', async () => {
    await load(sim.port);
    await waitFor(() => sim.loggedIn === 1, 'first login');
    const srv = helper.getNode('srv');
    const first = srv.client;
    await new Promise((resolve) => helper.getNode('in1').close(false).then(resolve));
    assert.equal(srv.client, null);
    await waitFor(() => sim.openSockets === 0, 'closed with the last user');
    const user = { statuses: [], items: [], connection(r) { this.statuses.push(r('')); }, item(i) { this.items.push(i); } };
    srv.register(user);
    await waitFor(() => sim.loggedIn === 1, 'second login');
    assert.notEqual(srv.client, first);
    sim.burst(1);
    await waitFor(() => user.items.length === 1, 'item');
    await new Promise((r) => srv.deregister(user, r));
  });

  it('pushes the connection state to every node that uses the server', async () => {
    await load(sim.port, { creds: { secret: 'wrong' }, nodes: [{ id: 'in1' }, { id: 'in2' }] });
    const a = statuses('in1');
    const b = statuses('in2');
    const red = (l) => l.some((s) => s.fill === 'red' && s.shape === 'ring' && /^login failed: Authentication failed/.test(s.text));
    await waitFor(() => red(a) && red(b), 'both red');
    assert.equal(sim.connections, sim.loginFailures, 'one connection per attempt, shared by both nodes');
  });

  it('a catch node gets a bad event with its raw text in msg.payload', async () => {
    await load(sim.port, { extra: [{ id: 'c', type: 'catch', scope: ['in1'], uncaught: false, wires: [['err']] }, { id: 'err', type: 'helper' }] });
    const errs = collect('err');
    const got = collect('in1-cdr');
    await waitFor(() => sim.loggedIn === 1, 'login');
    sim.sendRaw('Event: Cdr\r\nPrivilege: cdr,all\r\nUniqueID: 9.9\r\n\r\n');
    sim.burst(1);
    await waitFor(() => errs.length === 1 && got.length === 1, 'caught error and next record');
    assert.equal(errs[0].payload, 'Event: Cdr\r\nPrivilege: cdr,all\r\nUniqueID: 9.9\r\n\r\n');
    assert.match(errs[0].error.message, /bad Cdr\/CEL event from pbx-a: Cdr event without StartTime/);
    assert.equal(errs[0].topic, 'asterisk');
  });

  it('connects over TLS with a tls-config node', async () => {
    const cert = testCertificate();
    await sim.stop();
    sim = new AmiSimServer({ tls: { key: cert.key, cert: cert.cert } });
    await sim.listen(0);
    await load(sim.port, {
      server: { host: 'localhost', useTls: true, tls: 't' },
      extra: [{ id: 't', type: 'tls-config', cert: '', key: '', ca: cert.certFile, verifyservercert: true }],
    });
    const got = collect('in1-cdr');
    await waitFor(() => sim.loggedIn === 1, 'TLS login');
    sim.burst(1);
    await waitFor(() => got.length === 1, 'record over TLS');
    assert.equal(got[0].source.transport, 'ami-tls');
  });

  it('the example flow runs against the fake Asterisk: Cdr on output 1, CEL on output 2', async () => {
    const example = JSON.parse(fs.readFileSync(require.resolve('../../examples/ami-cdr-in.json'), 'utf8'));
    const f = example
      .filter((n) => n.type !== 'comment')
      .map((n) => (n.type === 'debug' ? { id: n.id, z: n.z, type: 'helper' } : n.type === 'ami-server' ? { ...n, port: sim.port } : n));
    const server = example.find((n) => n.type === 'ami-server');
    const input = example.find((n) => n.type === 'ami-cdr-in');
    await helper.load([amiServerNode, amiCdrInNode, core.catch], f, { [server.id]: { username: 'cdruser', secret: 'cdrpass' } });
    const cdr = collect(input.wires[0][0]);
    const cel = collect(input.wires[1][0]);
    await waitFor(() => sim.loggedIn === 1, 'login');
    sim.burst(2, { cel: true });
    await waitFor(() => cdr.length === 2 && cel.length === 4, 'both outputs');
    assert.equal(cdr[0].source.pbx, server.name);
  });

  it('without an ami-server, or with invalid settings, shows red and does not crash', async () => {
    await helper.load([amiServerNode, amiCdrInNode], [{ id: 'in1', type: 'ami-cdr-in', server: '', wires: [[]] }]);
    const n = helper.getNode('in1');
    await waitFor(() => n.status.getCalls().some((c) => c.args[0].fill === 'red'), 'red');
    await helper.unload();
    await load('not-a-port');
    const n2 = helper.getNode('in1');
    await waitFor(() => n2.status.getCalls().some((c) => c.args[0].fill === 'red'), 'red for bad settings');
    assert.ok(helper.getNode('srv').error.getCalls().some((c) => /port must be a whole number/.test(String(c.args[0]))));
    await helper.unload();
    await load(sim.port, { creds: { username: '' } });
    assert.ok(helper.getNode('srv').error.getCalls().some((c) => /username/.test(String(c.args[0]))));
  });
  it('warns about the CEL output only when the server truly asks for Cdr alone, even when its other settings are wrong', async () => {
    const warned = () => helper.getNode('in1').warn.getCalls().some((c) => /CEL output is on/.test(String(c.args[0])));
    // Events Cdr and CEL, a wrong port: the server is red, and the CEL output is no lie.
    await load('not-a-port', { server: { events: 'cdr,cel' }, nodes: [{ id: 'in1', celOutput: true }] });
    await waitFor(() => helper.getNode('in1').status.getCalls().some((c) => c.args[0].fill === 'red'), 'red for bad settings');
    assert.equal(warned(), false, 'no CEL warning for a server that asks for cdr,cel');
    await helper.unload();
    await load('not-a-port', { server: { events: 'cdr' }, nodes: [{ id: 'in1', celOutput: true }] });
    assert.equal(warned(), true, 'the warning where the server asks for Cdr only');
  });

  it('a login of ${NAME} variables that are not set waits, grey, with no error and no connection; once set it logs in', async () => {
    const names = { username: '${CDRFLOW_TEST_AMI_USER}', secret: '${CDRFLOW_TEST_AMI_SECRET}' };
    delete process.env.CDRFLOW_TEST_AMI_USER;
    delete process.env.CDRFLOW_TEST_AMI_SECRET;
    await load(sim.port, { creds: names });
    const srv = helper.getNode('srv');
    const st = helper.getNode('in1').status.getCalls().map((c) => c.args[0]);
    assert.deepEqual(st.at(-1), { fill: 'grey', shape: 'ring', text: 'waiting for the login: set CDRFLOW_TEST_AMI_USER, CDRFLOW_TEST_AMI_SECRET' });
    assert.ok(srv.log.getCalls().some((c) => /CDRFLOW_TEST_AMI_USER, CDRFLOW_TEST_AMI_SECRET, which are not set/.test(String(c.args[0]))));
    assert.equal(srv.client, null, 'no connection attempt');
    for (const id of ['srv', 'in1']) {
      assert.equal(helper.getNode(id).error.callCount, 0, `${id}: no error`);
      assert.equal(helper.getNode(id).warn.callCount, 0, `${id}: no warning`);
    }
    await helper.unload();
    process.env.CDRFLOW_TEST_AMI_USER = 'cdruser';
    process.env.CDRFLOW_TEST_AMI_SECRET = 'cdrpass';
    try {
      await load(sim.port, { creds: names });
      await waitFor(() => sim.loggedIn === 1, 'login with the variables Node-RED filled in');
    } finally {
      delete process.env.CDRFLOW_TEST_AMI_USER;
      delete process.env.CDRFLOW_TEST_AMI_SECRET;
    }
  });
});

'use strict';
const assert = require('node:assert/strict');
const net = require('node:net');
const { AmiSimServer, eventClasses, captureEvents } = require('../../../nodes/lib/sim/ami');
const { sample } = require('../../support/asterisk-samples');
const { waitFor } = require('../../support/wait');

/** A raw TCP peer that records every byte the fake PBX sends. */
async function rawPeer(port) {
  const s = net.connect(port, '127.0.0.1');
  s.bytes = '';
  s.gone = false;
  s.on('data', (d) => { s.bytes += d.toString('latin1'); });
  s.on('close', () => { s.gone = true; });
  await new Promise((r) => s.once('connect', r));
  return s;
}

describe('sim/ami (fake Asterisk)', () => {
  let sim;
  beforeEach(async () => {
    sim = new AmiSimServer({ users: { cdruser: { secret: 'cdrpass', read: 'cdr,call,system' }, cdronly: { secret: 'cdrpass', read: 'cdr' } } });
    await sim.listen(0);
  });
  afterEach(() => sim.stop());

  it('answers a wrong secret exactly as Asterisk 22 did, then closes', async () => {
    const s = await rawPeer(sim.port);
    s.write('Action: Login\r\nUsername: cdruser\r\nSecret: nope\r\nActionID: wrongsecret-1\r\n\r\n');
    await waitFor(() => s.gone, 'server close');
    assert.equal(s.bytes, sample('failures/transcript-fail-badauth-wrongsecret.txt').toString('latin1'));
  });

  it('answers an unknown user exactly as Asterisk 22 did, then closes', async () => {
    const s = await rawPeer(sim.port);
    s.write('Action: Login\r\nUsername: mallory\r\nSecret: x\r\nActionID: unknownuser-2\r\n\r\n');
    await waitFor(() => s.gone, 'server close');
    assert.equal(s.bytes, sample('failures/transcript-fail-badauth-unknownuser.txt').toString('latin1'));
  });

  it('answers a good login of a cdr-only user exactly as the capture shows (no FullyBooted)', async () => {
    const s = await rawPeer(sim.port);
    s.write('Action: Login\r\nUsername: cdronly\r\nSecret: cdrpass\r\nActionID: cdronly-2\r\n\r\n');
    const capture = sample('ami-cdr-only-session-part1.txt').toString('latin1');
    const head = capture.slice(0, capture.indexOf('\r\n\r\n') + 4);
    await waitFor(() => s.bytes.length >= head.length, 'login answer');
    assert.equal(s.bytes, head);
    s.destroy();
  });

  it('answers actions before login, login, FullyBooted and Logoff as the pre-login transcript shows', async () => {
    const s = await rawPeer(sim.port);
    const t = sample('failures/transcript-fail-badauth-prelogin-action.txt').toString('latin1');
    s.write('Action: Ping\r\nActionID: prelogin-3\r\n\r\nAction: Status\r\nActionID: prelogin-4\r\n\r\n');
    s.write('Action: Login\r\nUsername: cdruser\r\nSecret: cdrpass\r\nActionID: prelogin-5\r\n\r\n');
    s.write('Action: Command\r\nCommand: core show uptime\r\nActionID: prelogin-6\r\n\r\n');
    s.write('Action: Logoff\r\nActionID: prelogin-7\r\n\r\n');
    await waitFor(() => s.gone, 'server close after Logoff');
    // Uptime differs from the capture's 119 s; everything else is byte for byte.
    const norm = (x) => x.replace(/(Uptime|LastReload): \d+/g, '$1: N');
    // The fake has no write=command permission model: Command is refused as unknown instead of denied.
    assert.equal(norm(s.bytes).replace('Message: Invalid/unknown command', 'Message: Permission denied'), norm(t));
  });

  it('answers Ping with Pong and a Timestamp', async () => {
    const s = await rawPeer(sim.port);
    s.write('Action: Login\r\nUsername: cdronly\r\nSecret: cdrpass\r\n\r\nAction: Ping\r\nActionID: p1\r\n\r\n');
    await waitFor(() => s.bytes.includes('Ping: Pong'), 'pong');
    assert.match(s.bytes, /Response: Success\r\nActionID: p1\r\nPing: Pong\r\nTimestamp: \d+\.\d{6}\r\n\r\n$/);
    s.destroy();
  });

  it('sends events only to sessions whose read classes and Events header allow them', async () => {
    const full = await rawPeer(sim.port);
    const only = await rawPeer(sim.port);
    const off = await rawPeer(sim.port);
    full.write('Action: Login\r\nUsername: cdruser\r\nSecret: cdrpass\r\n\r\n');
    only.write('Action: Login\r\nUsername: cdronly\r\nSecret: cdrpass\r\n\r\n');
    off.write('Action: Login\r\nUsername: cdruser\r\nSecret: cdrpass\r\nEvents: off\r\n\r\n');
    await waitFor(() => sim.loggedIn === 3, 'three logins');
    sim.burst(1, { cel: true });
    await waitFor(() => full.bytes.split('Event: CEL').length === 3 && only.bytes.includes('Event: Cdr'), 'events');
    assert.ok(!only.bytes.includes('Event: CEL'));
    assert.ok(!off.bytes.includes('Event: C'));
    assert.deepEqual([...eventClasses('cdr,call', 'cdr')], ['cdr']);
    assert.deepEqual([...eventClasses('all', 'cdr,call')].sort(), ['call', 'cdr']);
    for (const x of [full, only, off]) x.destroy();
  });

  it('replays a capture\'s events byte for byte to logged-in sessions', async () => {
    const s = await rawPeer(sim.port);
    s.write('Action: Login\r\nUsername: cdronly\r\nSecret: cdrpass\r\n\r\n');
    // The login's answer must have arrived before the replay is measured from here.
    await waitFor(() => sim.loggedIn === 1 && s.bytes.includes('Authentication accepted\r\n\r\n'), 'login');
    const capture = sample('ami-cdr-only-session-part1.txt');
    const start = s.bytes.length;
    sim.replay(capture);
    const events = captureEvents(capture).toString('latin1');
    await waitFor(() => s.bytes.length - start >= events.length, 'replay');
    assert.equal(s.bytes.slice(start), events);
    assert.ok(events.startsWith('Event: Cdr\r\n'));
    s.destroy();
  });

  it('stop closes every session (Shutdown to system sessions first); restart listens on the same port', async () => {
    const s = await rawPeer(sim.port);
    s.write('Action: Login\r\nUsername: cdruser\r\nSecret: cdrpass\r\n\r\n');
    await waitFor(() => sim.loggedIn === 1, 'login');
    const port = sim.port;
    await sim.restart();
    assert.ok(s.gone);
    assert.match(s.bytes, /Event: Shutdown\r\nPrivilege: system,all\r\nShutdown: Cleanly\r\nRestart: False\r\n\r\n$/);
    assert.equal(sim.port, port);
    const again = await rawPeer(port);
    await waitFor(() => again.bytes.startsWith('Asterisk Call Manager/11.0.0\r\n'), 'banner');
    again.destroy();
  });

  it('generates Cdr events at a rate', async () => {
    const s = await rawPeer(sim.port);
    s.write('Action: Login\r\nUsername: cdronly\r\nSecret: cdrpass\r\n\r\n');
    await waitFor(() => sim.loggedIn === 1, 'login');
    sim.startRate(200);
    await waitFor(() => s.bytes.split('Event: Cdr').length > 10, 'ten events');
    sim.stopRate();
    s.destroy();
  });
});

describe('sim/ami Local-channel calls', () => {
  let sim;
  afterEach(() => sim && sim.stop());

  it('sends calls placed through Local channels like a real Asterisk, and cdr-normalize counts the unanswered ones as failed for ASR', async () => {
    const ami = require('../../../nodes/lib/formats/ami');
    const { normalize } = require('../../../nodes/lib/cdr/normalize');
    const { LegGrouper } = require('../../../nodes/lib/cdr/legs');
    sim = new AmiSimServer({ localChannels: true });
    await sim.listen(0);
    const s = await rawPeer(sim.port);
    s.write('Action: Login\r\nUsername: cdruser\r\nSecret: cdrpass\r\nEvents: cdr\r\n\r\n');
    await waitFor(() => sim.loggedIn === 1, 'login');
    sim.burst(14);
    await waitFor(() => s.bytes.endsWith('\r\n\r\n') && s.bytes.split('Event: Cdr\r\n').length - 1 === expectedEvents(14), 'the calls');
    const records = new ami.AmiFramer().push(Buffer.from(s.bytes, 'latin1'))
      .filter((f) => f.kind === 'message' && ami.eventName(f.message) === 'Cdr').map((f) => ami.cdrRecord(f.message));
    const g = new LegGrouper({ waitMs: 0, maxCalls: 100, maxLegsPerCall: 10 });
    for (const r of records) g.add(normalize('asterisk', r, { timeZone: 'UTC' }).legs[0], 0);
    const calls = g.flush();
    assert.equal(calls.length, 14);
    for (const call of calls) {
      const dial = call.legs.find((l) => l.extra.LastApplication === 'Dial');
      assert.ok(call.legs.some((l) => /;2$/.test(l.extra.Channel) && l.disposition === 'answered'), 'the caller\'s Local half logs ANSWERED');
      const want = { ANSWERED: 'answered', 'NO ANSWER': 'no_answer', BUSY: 'busy', FAILED: 'failed', CONGESTION: 'congestion' }[dial.extra.Disposition];
      assert.equal(call.disposition, want, `call ${call.callId}`);
      if (want === 'answered') assert.equal(call.billSec, dial.billSec);
      else assert.deepEqual([call.answerTime, call.billSec], [null, 0]);
    }
    // The generator's mix: 6 of these 14 answered, so ASR is 43 %, not the 100 % every call's Local half claims.
    assert.equal(calls.filter((c) => c.disposition === 'answered').length, 6);
    s.destroy();
  });
});

/** Cdr events of n Local-channel calls: 3 for an answered one, 4 for the others (the Hangup record after the dial). */
function expectedEvents(n) {
  let total = 0;
  for (let i = 0; i < n; i++) {
    // The generator cycles 3 ANSWERED then NO ANSWER, BUSY, FAILED, CONGESTION; its counter moves by 3 a call (two more channels).
    total += (i * 3) % 7 < 3 ? 3 : 4;
  }
  return total;
}

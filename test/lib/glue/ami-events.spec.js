'use strict';
// What the ami-server config node does with its connection's events, without
// Node-RED (src/lib/glue/ami-events.ts): items for its users, the arrival
// time, and one log line per change of state.
const assert = require('node:assert/strict');
const ami = require('../../../nodes/lib/formats/ami');
const { amiItemOf, IsoClock, AmiStateLog } = require('../../../nodes/lib/glue/ami-events');
const { sample } = require('../../support/asterisk-samples');

function messages() {
  return new ami.AmiFramer()
    .push(sample('ami-full-session-part1.txt'))
    .filter((f) => f.kind === 'message')
    .map((f) => f.message);
}

describe('glue/ami-events', () => {
  it('a Cdr or Cel event becomes a record item, any other event none, a broken Cdr a bad item with its text and reason', () => {
    const all = messages();
    const cdr = all.find((m) => ami.eventName(m) === 'Cdr');
    const cel = all.find((m) => ami.eventName(m) === 'CEL');
    const other = all.find((m) => !/^(cdr|cel)$/i.test(ami.eventName(m) ?? ''));
    assert.equal(amiItemOf(cdr).kind, 'cdr');
    assert.deepEqual(amiItemOf(cdr).record, ami.cdrRecord(cdr));
    if (cel) assert.equal(amiItemOf(cel).kind, 'cel');
    assert.ok(other, 'the sample has events other than Cdr and CEL');
    assert.equal(amiItemOf(other), null);
    const broken = { headers: cdr.headers.filter(([k]) => k !== 'StartTime') };
    const bad = amiItemOf(broken);
    assert.equal(bad.kind, 'bad');
    assert.equal(bad.eventName, 'Cdr');
    assert.match(bad.reason, /StartTime/);
    assert.equal(bad.raw, ami.messageText(broken));
  });

  it('the clock gives the current time as ISO text', () => {
    const clock = new IsoClock();
    const before = Date.now();
    const text = clock.now();
    const at = Date.parse(text);
    assert.ok(at >= before && at <= Date.now(), text);
    assert.equal(new Date(at).toISOString(), text);
  });

  it('logs a state once per change of state and reason, never connecting or idle, and again after a reset', () => {
    const lines = [];
    const log = new AmiStateLog({
      connected: () => lines.push('connected'),
      loginFailed: (r) => lines.push(`login-failed ${r}`),
      disconnected: (r) => lines.push(`disconnected ${r}`),
    });
    const states = [
      { state: 'connecting', attempt: 1 },
      { state: 'connected', attempt: 1 },
      { state: 'disconnected', attempt: 1, reason: 'ECONNRESET' },
      { state: 'connecting', attempt: 2 },
      { state: 'disconnected', attempt: 2, reason: 'ECONNRESET' },
      { state: 'disconnected', attempt: 3, reason: 'ECONNREFUSED' },
      { state: 'login-failed', attempt: 4, reason: 'bad secret' },
      { state: 'login-failed', attempt: 5, reason: 'bad secret' },
      { state: 'idle', attempt: 0 },
    ];
    for (const s of states) log.record(s);
    assert.deepEqual(lines, ['connected', 'disconnected ECONNRESET', 'disconnected ECONNREFUSED', 'login-failed bad secret']);
    log.record({ state: 'login-failed', attempt: 6, reason: 'bad secret' });
    assert.equal(lines.length, 4);
    log.reset();
    log.record({ state: 'login-failed', attempt: 1, reason: 'bad secret' });
    assert.equal(lines.length, 5);
  });
});

'use strict';
const assert = require('node:assert/strict');
const { LegGrouper } = require('../../../nodes/lib/cdr/legs');
const { mapUcm } = require('../../../nodes/lib/cdr/normalize/ucm');
const { assertValidCdr } = require('../../support/cdr-schema');
const { ucmLegs } = require('../../support/ucm-samples');
const { rng, shuffle } = require('../../support/random');

const legsOf = (records) => records.map((r) => mapUcm(r, { timeZone: 'UTC' }).legs[0]);

describe('cdr/legs', () => {
  it('groups legs arriving one by one and out of order into calls by callId', () => {
    const legs = legsOf(shuffle(ucmLegs(), rng(3)));
    const g = new LegGrouper({ waitMs: 5000, maxCalls: 1000, maxLegsPerCall: 100 });
    legs.forEach((leg) => assert.deepEqual(g.add(leg, 100), []));
    const sessions = new Set(ucmLegs().map((l) => l.session));
    assert.equal(g.size, sessions.size);
    assert.deepEqual(g.due(100 + 4999), [], 'nothing is due before the wait has passed');
    const calls = g.due(100 + 5000);
    assert.equal(calls.length, sessions.size);
    assert.equal(g.size, 0);
    for (const call of calls) {
      assertValidCdr(call);
      const expected = ucmLegs().filter((l) => l.session === call.callId).map((l) => l.AcctId).sort();
      assert.deepEqual(call.legs.map((l) => l.extra.AcctId).sort(), expected);
      const starts = call.legs.map((l) => l.startTime);
      assert.deepEqual(starts, [...starts].sort(), 'legs in time order whatever the arrival order');
    }
    // The ring group call: 11 legs, answered by 203 after the ring-group fork.
    const ring = calls.find((c) => c.callId === '1661159737924521-01632960102');
    assert.equal(ring.legs.length, 11);
    assert.equal(ring.disposition, 'answered');
    assert.equal(ring.extra.answeredBy, '203');
  });

  it('gives the same call (same id) whatever order the legs came in', () => {
    const session = '1661175956244577-07700900104';
    const records = ucmLegs().filter((l) => l.session === session);
    const ids = [1, 2, 3].map((seed) => {
      const g = new LegGrouper({ waitMs: 10, maxCalls: 10, maxLegsPerCall: 100 });
      for (const leg of legsOf(shuffle(records, rng(seed)))) g.add(leg, 0);
      return g.flush()[0];
    });
    assert.equal(ids[0].id, ids[1].id);
    assert.deepEqual(ids[1], ids[2]);
  });

  it('waits for the configured time after the LAST leg', () => {
    const [a, b] = legsOf(ucmLegs().filter((l) => l.session === '1661159737924521-01632960102').slice(0, 2));
    const g = new LegGrouper({ waitMs: 1000, maxCalls: 10, maxLegsPerCall: 100 });
    g.add(a, 0);
    assert.equal(g.nextDueAt(), 1000);
    g.add(b, 900);
    assert.equal(g.nextDueAt(), 1900);
    assert.deepEqual(g.due(1000), []);
    const [call] = g.due(1900);
    assert.equal(call.legs.length, 2);
    assert.equal(g.nextDueAt(), null);
  });

  it('keeps a leg sent twice once', () => {
    const [a] = legsOf([ucmLegs()[0]]);
    const g = new LegGrouper({ waitMs: 1, maxCalls: 10, maxLegsPerCall: 100 });
    g.add(a, 0);
    g.add(structuredClone(a), 0);
    assert.equal(g.legCount, 1);
  });

  it('bounds memory: the longest-idle call is closed early, a call at maxLegsPerCall is closed at once', () => {
    const legs = legsOf(ucmLegs());
    const g = new LegGrouper({ waitMs: 60_000, maxCalls: 3, maxLegsPerCall: 1000 });
    const early = [];
    legs.forEach((leg, i) => early.push(...g.add(leg, i)));
    assert.ok(g.size <= 3);
    const all = [...early, ...g.flush()];
    assert.equal(all.reduce((n, c) => n + c.legs.length, 0), legs.length, 'no leg lost');
    const small = new LegGrouper({ waitMs: 60_000, maxCalls: 10, maxLegsPerCall: 4 });
    const ring = legsOf(ucmLegs().filter((l) => l.session === '1661159737924521-01632960102'));
    const out = [];
    ring.forEach((leg) => out.push(...small.add(leg, 0)));
    out.push(...small.flush());
    assert.deepEqual(out.map((c) => c.legs.length), [4, 4, 3]);
    assert.ok(out.every((c) => c.callId === '1661159737924521-01632960102'));
    assert.equal(new Set(out.map((c) => c.id)).size, 3);
  });
});

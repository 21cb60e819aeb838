'use strict';
const assert = require('node:assert/strict');
const { Deduper } = require('../../../nodes/lib/cdr/dedupe');
const { mapUcm } = require('../../../nodes/lib/cdr/normalize/ucm');
const { ucmLegs } = require('../../support/ucm-samples');
const { ucmStreamWithRepeats } = require('../../support/random');

describe('cdr/dedupe', () => {
  it('10,000 records with 30 % sent again: exactly the distinct ones pass', () => {
    const stream = ucmStreamWithRepeats(ucmLegs()[0], 10000, 0.3);
    assert.equal(stream.length, 13000);
    const d = new Deduper({ maxEntries: 20000, maxAgeMs: 3600_000 });
    const passed = [];
    let flagged = 0;
    stream.forEach(({ record, repeat }, i) => {
      const cdr = mapUcm(record, { timeZone: 'UTC' }).legs[0];
      const dup = d.check(cdr.id, 1_000_000 + i);
      assert.equal(dup, repeat, `position ${i}`);
      if (dup) flagged++;
      else passed.push(cdr.id);
    });
    assert.equal(passed.length, 10000);
    assert.equal(new Set(passed).size, 10000);
    assert.equal(flagged, 3000);
  });

  it('is bounded by count: the oldest id is forgotten first', () => {
    const d = new Deduper({ maxEntries: 3, maxAgeMs: 1e9 });
    for (const id of ['a', 'b', 'c', 'd']) assert.equal(d.check(id, 1), false);
    assert.equal(d.size, 3);
    assert.equal(d.has('a', 1), false);
    assert.equal(d.check('b', 2), true);
    assert.equal(d.check('a', 2), false, 'forgotten, so it passes again');
  });

  it('is bounded by age, counted from the first sighting', () => {
    const d = new Deduper({ maxEntries: 100, maxAgeMs: 1000 });
    d.check('a', 0);
    assert.equal(d.check('a', 999), true);
    assert.equal(d.check('a', 1000), false, 'a repeat does not extend the window; expired at 1000');
    d.check('b', 1500);
    assert.equal(d.size, 2);
    d.has('x', 2600);
    assert.equal(d.size, 0);
  });

  it('survives a restart through its JSON state, with new bounds applied', () => {
    const d = new Deduper({ maxEntries: 100, maxAgeMs: 10_000 });
    for (let i = 0; i < 10; i++) d.check(`id${i}`, i * 100);
    const text = JSON.stringify(d);
    const again = Deduper.fromJSON(JSON.parse(text), { maxEntries: 100, maxAgeMs: 10_000 }, 1000);
    for (let i = 0; i < 10; i++) assert.equal(again.check(`id${i}`, 1000), true);
    const smaller = Deduper.fromJSON(JSON.parse(text), { maxEntries: 4, maxAgeMs: 10_000 }, 1000);
    assert.deepEqual(smaller.toJSON().entries.map((e) => e[0]), ['id6', 'id7', 'id8', 'id9'], 'keeps the newest');
    const aged = Deduper.fromJSON(JSON.parse(text), { maxEntries: 100, maxAgeMs: 500 }, 1000);
    assert.deepEqual(aged.toJSON().entries.map((e) => e[0]), ['id6', 'id7', 'id8', 'id9']);
  });

  it('starts empty from a corrupt or foreign state instead of failing', () => {
    const o = { maxEntries: 10, maxAgeMs: 1000 };
    for (const bad of [undefined, null, 'x', 42, {}, { v: 2, entries: [] }, { v: 1, entries: 'no' }]) assert.equal(Deduper.fromJSON(bad, o).size, 0);
    const mixed = Deduper.fromJSON({ v: 1, entries: [['ok', 5], [1, 2], ['n', 'x'], null] }, o, 10);
    assert.deepEqual(mixed.toJSON().entries, [['ok', 5]]);
  });

  it('rejects bounds that make no sense', () => {
    assert.throws(() => new Deduper({ maxEntries: 0, maxAgeMs: 1 }), RangeError);
    assert.throws(() => new Deduper({ maxEntries: 1.5, maxAgeMs: 1 }), RangeError);
    assert.throws(() => new Deduper({ maxEntries: 1, maxAgeMs: 0 }), RangeError);
  });
  // The earlier design, kept here as the reference: a Map in first-seen order.
  class MapDeduper {
    constructor(o) { this.o = o; this.m = new Map(); }
    expire(now) { for (const [id, t] of this.m) { if (t > now - this.o.maxAgeMs) break; this.m.delete(id); } }
    check(id, now) {
      this.expire(now);
      if (this.m.has(id)) return true;
      this.m.set(id, now);
      if (this.m.size > this.o.maxEntries) this.m.delete(this.m.keys().next().value);
      return false;
    }
    has(id, now) { this.expire(now); return this.m.has(id); }
  }

  it('answers exactly as the Map-ordered window did, through growth, eviction by count and by age', () => {
    let x = 7;
    const rnd = (n) => ((x = (x * 1103515245 + 12345) % 2147483648) % n);
    for (const o of [{ maxEntries: 1, maxAgeMs: 50 }, { maxEntries: 5, maxAgeMs: 1e9 }, { maxEntries: 3000, maxAgeMs: 400 }, { maxEntries: 5000, maxAgeMs: 1e9 }]) {
      const d = new Deduper(o);
      const ref = new MapDeduper(o);
      let now = 0;
      for (let i = 0; i < 40000; i++) {
        now += rnd(3);
        const id = `id${rnd(i % 1000 === 0 ? 20 : 8000)}`;
        if (rnd(10) === 0) assert.equal(d.has(id, now), ref.has(id, now), `has ${id} at ${i}`);
        else assert.equal(d.check(id, now), ref.check(id, now), `check ${id} at ${i}`);
        assert.equal(d.size, ref.m.size, `size at ${i}`);
      }
      assert.deepEqual(d.toJSON().entries, [...ref.m], 'same ids, same order, same times');
      const again = Deduper.fromJSON(JSON.parse(JSON.stringify(d)), o, now);
      assert.deepEqual(again.toJSON().entries, [...ref.m]);
    }
  });

  it('keeps working after clear(), and keeps the newest place of an id listed twice in a state', () => {
    const d = new Deduper({ maxEntries: 3, maxAgeMs: 1e9 });
    for (const id of ['a', 'b', 'c', 'd']) d.check(id, 1);
    d.clear();
    assert.equal(d.size, 0);
    assert.equal(d.check('b', 2), false);
    for (const id of ['e', 'f', 'g']) d.check(id, 3);
    assert.deepEqual(d.toJSON().entries.map((e) => e[0]), ['e', 'f', 'g']);
    const twice = Deduper.fromJSON({ v: 1, entries: [['a', 1], ['b', 2], ['a', 3]] }, { maxEntries: 10, maxAgeMs: 1e9 }, 3);
    assert.deepEqual(twice.toJSON().entries, [['b', 2], ['a', 3]]);
  });

  it('a full window of 200,000 ids takes a million more, forgetting exactly the oldest', () => {
    const d = new Deduper({ maxEntries: 200000, maxAgeMs: 1e12 });
    for (let i = 0; i < 1_200_000; i++) d.check(`ucm:${i}`, i);
    assert.equal(d.size, 200000);
    assert.equal(d.has('ucm:999999', 1_200_000), false);
    assert.equal(d.has('ucm:1000000', 1_200_000), true);
  }).timeout(60000);
});

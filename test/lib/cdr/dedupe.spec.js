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
});

'use strict';
const assert = require('node:assert/strict');
const { ReorderWindow } = require('../../../nodes/lib/cdr/reorder');

const keys = (rs) => rs.map((r) => r.key);

describe('cdr/reorder', () => {
  it('holds records for the window and lets them out sorted by key', () => {
    const w = new ReorderWindow({ windowMs: 1000, maxHeld: 100 });
    assert.deepEqual(w.push('c', 30, 0), []);
    assert.deepEqual(w.push('a', 10, 100), []);
    assert.deepEqual(w.push('b', 20, 200), []);
    assert.equal(w.size, 3);
    assert.equal(w.nextDueAt(), 1000);
    assert.deepEqual(w.drain(999), []);
    // 'c' (key 30) is due at 1000: everything up to key 30 leaves, in order.
    const out = w.drain(1000);
    assert.deepEqual(out.map((r) => r.item), ['a', 'b', 'c']);
    assert.ok(out.every((r) => !r.late));
    assert.equal(w.size, 0);
    assert.equal(w.nextDueAt(), null);
  });

  it('lets a due record out with the smaller keys only, keeping larger ones held', () => {
    const w = new ReorderWindow({ windowMs: 1000, maxHeld: 100 });
    w.push('x', 50, 0);
    w.push('y', 70, 500);
    w.push('z', 40, 600);
    assert.deepEqual(keys(w.drain(1000)), [40, 50]);
    assert.equal(w.nextDueAt(), 1500);
    assert.deepEqual(keys(w.drain(1500)), [70]);
  });

  it('sends a record older than what already left at once, flagged late', () => {
    const w = new ReorderWindow({ windowMs: 1000, maxHeld: 100 });
    w.push('a', 100, 0);
    w.drain(1000);
    const out = w.push('old', 90, 1100);
    assert.deepEqual(out, [{ item: 'old', key: 90, late: true }]);
    assert.equal(w.late, 1);
    assert.deepEqual(w.push('same', 100, 1100), []); // equal key is still in order
  });

  it('caps held records: past the cap the smallest keys leave early', () => {
    const w = new ReorderWindow({ windowMs: 60000, maxHeld: 3 });
    w.push('d', 4, 0);
    w.push('b', 2, 0);
    w.push('c', 3, 0);
    assert.deepEqual(keys(w.push('a', 1, 0)), [1]);
    assert.deepEqual(keys(w.push('e', 5, 0)), [2]);
    assert.equal(w.size, 3);
    assert.deepEqual(keys(w.flush()), [3, 4, 5]);
  });

  it('keeps equal keys in arrival order', () => {
    const w = new ReorderWindow({ windowMs: 10, maxHeld: 10 });
    w.push('first', 5, 0);
    w.push('second', 5, 1);
    w.push('third', 5, 2);
    assert.deepEqual(w.drain(100).map((r) => r.item), ['first', 'second', 'third']);
  });

  it('sorts a shuffled 60,000-record burst arriving within the window, losing none', () => {
    const n = 60000;
    const w = new ReorderWindow({ windowMs: 5000, maxHeld: 100000 });
    const order = Array.from({ length: n }, (_, i) => i);
    let seed = 7;
    for (let i = n - 1; i > 0; i--) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const j = seed % (i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    const out = [];
    order.forEach((k, i) => out.push(...w.push(k, k, Math.floor(i / 100))));
    out.push(...w.drain(10000));
    assert.equal(out.length, n);
    assert.ok(out.every((r, i) => r.key === i && !r.late));
  });

  it('refuses settings that cannot work', () => {
    assert.throws(() => new ReorderWindow({ windowMs: 0, maxHeld: 1 }), RangeError);
    assert.throws(() => new ReorderWindow({ windowMs: 10, maxHeld: 0 }), RangeError);
  });
});

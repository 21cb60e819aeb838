'use strict';
// The ring of Cdr ids a stats bucket keeps: the last `cap` ids, oldest first,
// across rings taken one after the other.
const assert = require('node:assert/strict');
const { pushId, orderedIds, lastIds } = require('../../../nodes/lib/stats/id-sample');

function ringOf(ids, cap) {
  const ring = [];
  ids.forEach((id, n) => pushId(ring, n, cap, id));
  return { ring, n: ids.length };
}

describe('stats/id-sample: the last Cdr ids of a bucket', () => {
  it('keeps the last cap ids, oldest first, however many were pushed', () => {
    for (let count = 0; count <= 12; count++) {
      const ids = Array.from({ length: count }, (_, i) => `c${i}`);
      const { ring, n } = ringOf(ids, 4);
      assert.ok(ring.length <= 4, 'never more than the cap');
      assert.deepEqual(orderedIds(ring, n), ids.slice(-4), `${count} pushed`);
    }
  });

  it('the last ids of several buckets, the newest bucket last', () => {
    const rings = [ringOf(['a1', 'a2', 'a3'], 3), ringOf([], 3), ringOf(['b1', 'b2', 'b3', 'b4', 'b5'], 3), ringOf(['c1'], 3)];
    assert.deepEqual(lastIds(rings, 5), ['a3', 'b3', 'b4', 'b5', 'c1']);
    assert.deepEqual(lastIds(rings, 2), ['b5', 'c1']);
    assert.deepEqual(lastIds(rings, 0), []);
    assert.deepEqual(lastIds(rings, 100), ['a1', 'a2', 'a3', 'b3', 'b4', 'b5', 'c1']);
  });
});

'use strict';
// The queue a source hands journal batches on through: order kept across jobs,
// at most one slice per turn of the event loop, small jobs at once when idle.
const assert = require('node:assert/strict');
const { SlicedQueue } = require('../../../nodes/lib/source/sliced-queue');

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('SlicedQueue', () => {
  it('runs a small job at once when idle, and a large one a slice per turn, in order, resolving after its last slice', async () => {
    const q = new SlicedQueue(10);
    const ran = [];
    assert.equal(q.push(3, (from, to) => ran.push([from, to])), undefined);
    assert.deepEqual(ran, [[0, 3]], 'small job on an idle queue: synchronously');
    const big = q.push(25, (from, to) => ran.push(['big', from, to]));
    assert.ok(q.busy);
    assert.deepEqual(ran.slice(1), [['big', 0, 10]], 'one slice now');
    // Pushed while busy, even a small job waits behind the big one.
    const small = q.push(2, (from, to) => ran.push(['small', from, to]));
    await nextTurn();
    assert.deepEqual(ran.slice(2), [['big', 10, 20]], 'the next slice on the next turn');
    await Promise.all([big, small]);
    assert.deepEqual(ran.slice(3), [['big', 20, 25], ['small', 0, 2]], 'the rest of the slice budget goes to the next job');
    assert.equal(q.busy, false);
  });

  it('takes an empty job in its turn', async () => {
    const q = new SlicedQueue(4);
    const ran = [];
    const a = q.push(9, (f, t) => ran.push(`a${f}-${t}`));
    const b = q.push(0, (f, t) => ran.push(`b${f}-${t}`));
    await Promise.all([a, b]);
    assert.deepEqual(ran, ['a0-4', 'a4-8', 'a8-9', 'b0-0']);
  });
});

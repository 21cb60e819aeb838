'use strict';
const assert = require('node:assert/strict');
const { Batcher, batchMessage, batchSettingsOf } = require('../../../nodes/lib/cdr/batch');
const { waitFor } = require('../../support/wait');

describe('cdr/batch', () => {
  it('hands over full batches in arrival order, and the rest on flush', () => {
    const got = [];
    const b = new Batcher({ maxRecords: 3, maxMs: 3600_000 }, (items) => got.push(items));
    for (let i = 0; i < 8; i++) b.add(i);
    assert.deepEqual(got, [[0, 1, 2], [3, 4, 5]]);
    assert.equal(b.held, 2);
    b.flush();
    assert.deepEqual(got, [[0, 1, 2], [3, 4, 5], [6, 7]]);
    b.flush();
    assert.equal(got.length, 3, 'an empty flush sends nothing');
  });

  it('a partial batch goes when its first record has waited maxMs', async () => {
    const got = [];
    const b = new Batcher({ maxRecords: 1000, maxMs: 20 }, (items) => got.push(items));
    const t0 = Date.now();
    b.add('a');
    b.add('b');
    await waitFor(() => got.length === 1, 'the timed batch');
    assert.deepEqual(got[0], ['a', 'b']);
    assert.ok(Date.now() - t0 >= 15);
    b.add('c');
    b.flush();
    assert.deepEqual(got[1], ['c']);
  });

  it('an error thrown while sending from the timer is reported, not thrown', async () => {
    const errors = [];
    const b = new Batcher({ maxRecords: 10, maxMs: 5 }, () => { throw new Error('boom'); }, (e) => errors.push(e.message));
    b.add(1);
    await waitFor(() => errors.length === 1, 'the reported error');
    assert.deepEqual(errors, ['boom']);
  });

  it('one message per batch: the first message\'s properties, the payloads in order, repeats by position', () => {
    const m = batchMessage([
      { topic: 'ucm', source: { vendor: 'ucm' }, payload: { id: 'a' }, vendorRecord: {} },
      { topic: 'ucm', payload: { id: 'b' }, duplicate: true },
      { topic: 'ucm', payload: { id: 'c' } },
    ]);
    assert.deepEqual(m, { topic: 'ucm', source: { vendor: 'ucm' }, payload: [{ id: 'a' }, { id: 'b' }, { id: 'c' }], batch: { count: 3 }, duplicates: [1] });
  });

  it('reads its settings: off by default, bad values named', () => {
    const problems = [];
    assert.deepEqual(batchSettingsOf({}, problems), { maxRecords: 0, maxMs: 1000 });
    assert.deepEqual(batchSettingsOf({ batchSize: '500', batchMs: '200' }, problems), { maxRecords: 500, maxMs: 200 });
    assert.equal(problems.length, 0);
    batchSettingsOf({ batchSize: 'x', batchMs: 0 }, problems);
    assert.equal(problems.length, 2);
  });
});

'use strict';
const assert = require('node:assert/strict');
const { heldBackOffset, heldBackStore } = require('../../../nodes/lib/glue/gateway-file-checkpoint');

function memoryStore() {
  let saved = null;
  return {
    file: '/tmp/x.json',
    saved: () => saved,
    load: async () => (saved ? { status: 'ok', state: saved } : { status: 'missing' }),
    save: async (s) => { saved = JSON.parse(JSON.stringify(s)); },
    remove: async () => { saved = null; },
  };
}

const identity = { dev: '1', ino: '2', headLength: 10, headHash: 'ab' };

describe('glue/gateway-file-checkpoint', () => {
  it('holds the position back to the oldest open call of the current file', () => {
    const starts = new Map([['a', { file: '/f', offset: 300 }], ['b', { file: '/f', offset: 120 }]]);
    assert.equal(heldBackOffset(500, starts, '/f'), 120);
    assert.equal(heldBackOffset(100, starts, '/f'), 100);
    assert.equal(heldBackOffset(500, new Map(), '/f'), 500);
    // A call begun in the rotated file: read all of the current one again.
    assert.equal(heldBackOffset(500, new Map([['c', { file: '/f.1', offset: 9 }]]), '/f'), 0);
  });

  it('saves the held-back position with the replay plan, and loads the plan back', async () => {
    const inner = memoryStore();
    const starts = new Map([['8200\u00011', { file: '/f', offset: 40 }]]);
    let plan;
    const store = heldBackStore(inner, { openCallStarts: () => starts, currentFile: () => '/f', onReplayPlan: (p) => { plan = p; } });
    await store.save({ version: 1, path: '/f', file: identity, offset: 900 });
    assert.deepEqual(inner.saved(), { version: 1, path: '/f', file: identity, offset: 40, gateway: { committed: 900, open: ['8200\u00011'] } });
    const loaded = await store.load();
    assert.equal(loaded.state.offset, 40);
    assert.deepEqual(plan, { until: 900, keys: ['8200\u00011'] });

    starts.clear();
    await store.save({ version: 1, path: '/f', file: identity, offset: 950 });
    assert.deepEqual(inner.saved(), { version: 1, path: '/f', file: identity, offset: 950 });
    await store.load();
    assert.equal(plan, null);
  });

  it('ignores a malformed replay plan', async () => {
    const inner = memoryStore();
    await inner.save({ version: 1, path: '/f', file: identity, offset: 5, gateway: { committed: 'x', open: [1] } });
    let plan = 'unset';
    await heldBackStore(inner, { openCallStarts: () => new Map(), currentFile: () => null, onReplayPlan: (p) => { plan = p; } }).load();
    assert.equal(plan, null);
  });
});

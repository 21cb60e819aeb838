'use strict';
// A source batch taken apart (what cdr-normalize does with it): every record's
// message is the one it would have had without batches, whatever a flow put on
// the batch's message on the way, and a record's own value wins over the batch's.
const assert = require('node:assert/strict');
const { sourceBatchMessage, partsOfSourceBatch } = require('../../../nodes/lib/source/batch-output');

describe('partsOfSourceBatch', () => {
  const record = (i, extra = {}) => ({ payload: { n: i }, topic: 'ucm', source: { vendor: 'ucm', address: `10.0.0.${i}` }, cdrAck: [`h${i}`], ...extra });

  it('gives each record its payload, its own source and handles, and the batch message’s other properties', () => {
    const batch = sourceBatchMessage([record(1), record(2, { redelivered: true }), record(3)]);
    batch._msgid = 'm1';
    batch.site = 'berlin'; // set by a change node between the source and cdr-normalize
    const parts = partsOfSourceBatch(batch);
    assert.deepEqual(
      parts.map((p) => [p.payload.n, p.source.address, p.cdrAck, p.topic, p._msgid, p.site, p.redelivered === true]),
      [
        [1, '10.0.0.1', ['h1'], 'ucm', 'm1', 'berlin', false],
        [2, '10.0.0.2', ['h2'], 'ucm', 'm1', 'berlin', true],
        [3, '10.0.0.3', ['h3'], 'ucm', 'm1', 'berlin', false],
      ],
    );
    for (const p of parts) assert.equal(p.batch, undefined, 'a record is not a batch');
  });

  it('keeps a record’s own value over the batch message’s', () => {
    const batch = sourceBatchMessage([record(1, { late: true }), record(2)]);
    batch.late = false;
    const [a, b] = partsOfSourceBatch(batch);
    assert.equal(a.late, true);
    assert.equal(b.late, false);
  });

  it('takes a part that is not an object as an empty one, and refuses what is not a source batch', () => {
    const batch = sourceBatchMessage([record(1), record(2)]);
    batch.batch.parts[1] = null;
    const parts = partsOfSourceBatch(batch);
    assert.deepEqual(parts[1], { topic: 'ucm', payload: { n: 2 } });
    assert.equal(partsOfSourceBatch({ payload: [1, 2], batch: { count: 2 } }), null);
    assert.equal(partsOfSourceBatch({ payload: [1], batch: { count: 2, parts: [{}, {}] } }), null);
  });
});

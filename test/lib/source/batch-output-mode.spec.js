'use strict';
// A source batch output whose mode changes while it holds a batch (a redeploy
// that added or removed the cdr-ack after the source): each record follows the
// mode it was taken under. One taken in 'ack on send' mode is acknowledged when
// its batch goes; one taken while a cdr-ack is after the source waits for it.
const assert = require('node:assert/strict');
const { BatchOutput } = require('../../../nodes/lib/source/batch-output');
const { registerAckOwner } = require('../../../nodes/lib/source/ack-registry');

describe('BatchOutput: records keep the acknowledgement mode they were taken under', () => {
  it('acknowledges on send only the records taken while ack-on-send held', () => {
    const acked = [];
    const owner = registerAckOwner((seqs) => acked.push(...seqs));
    try {
      const sent = [];
      const out = new BatchOutput({ settings: { maxRecords: 4, maxMs: 3600000 }, journaled: true, ackOnSend: true, send: (m, n) => sent.push([m, n]), onError: (err) => assert.fail(err) });
      const msg = (seq) => ({ payload: { seq }, topic: 't', source: {}, cdrAck: [owner.token(seq)] });
      out.add(msg(1));
      out.add(msg(2));
      out.setAckOnSend(false);
      out.add(msg(3));
      assert.deepEqual(acked, [], 'nothing before the batch goes');
      out.setAckOnSend(true);
      out.add(msg(4)); // the fourth fills the batch: it goes now
      assert.equal(sent.length, 1);
      assert.equal(sent[0][1], 4);
      assert.deepEqual(acked.sort(), [1, 2, 4], 'record 3 waits for its cdr-ack');
    } finally {
      owner.release();
    }
  });
});

'use strict';
// The parts cdr-normalize wires (src/lib/glue): the call timer, the output
// delivery (direct or batched) and the status text. Timers are waited on
// through the callbacks they run, never through sleeps.
const assert = require('node:assert/strict');
const { CallTimer } = require('../../../nodes/lib/glue/call-timer');
const { OutputDelivery } = require('../../../nodes/lib/glue/output-delivery');
const { DeferredRender, normalizeCountsText } = require('../../../nodes/lib/glue/normalize-status');

const out = (n) => ({ payload: { n }, meta: null, metas: [], vendorRecords: [], grouped: false, duplicate: false });

describe('glue/call-timer', () => {
  it('fires when the next call is due, then schedules the one after; an error in fire is reported and the timer goes on', async () => {
    const due = [Date.now(), Date.now() + 5];
    const fired = [];
    const errors = [];
    await new Promise((resolve) => {
      const timer = new CallTimer(
        () => (due.length ? due[0] : null),
        (now) => {
          fired.push(now);
          due.shift();
          if (fired.length === 1) throw new Error('boom');
          if (due.length === 0) resolve();
        },
        (err) => errors.push(err.message),
      );
      timer.schedule();
      timer.schedule(); // a running timer is left alone: one fire per due call
    });
    assert.equal(fired.length, 2);
    assert.deepEqual(errors, ['boom']);
  });

  it('schedules nothing when no call waits, and stop() cancels a scheduled fire', async () => {
    let asked = 0;
    const none = new CallTimer(() => (asked++, null), () => assert.fail('fired with nothing due'), assert.fail);
    none.schedule();
    assert.equal(asked, 1);
    let fired = 0;
    const timer = new CallTimer(() => Date.now(), () => fired++, assert.fail);
    timer.schedule();
    timer.stop();
    // A later timer of the same delay runs after the cancelled one would have.
    await new Promise((resolve) => setTimeout(resolve, 0));
    assert.equal(fired, 0);
  });
});

describe('glue/output-delivery', () => {
  it('without a batch size: one send per message, in order; those after the first of a push are copies', () => {
    const sent = [];
    const built = [];
    const d = new OutputDelivery(
      { maxRecords: 0, maxMs: 1000 },
      (o) => {
        const m = { payload: o.payload.n };
        built.push(m);
        return m;
      },
      () => assert.fail('batched'),
      assert.fail,
      (m) => ({ ...m, copied: true }),
    );
    d.deliver([out(1), out(2), out(3)], (m) => sent.push(m));
    d.deliver([], (m) => sent.push(m));
    d.deliver([out(4)], (m) => sent.push(m));
    d.flush();
    assert.deepEqual(sent, [{ payload: 1 }, { payload: 2, copied: true }, { payload: 3, copied: true }, { payload: 4 }]);
    // The first of each push goes as built (no copy); the others are not the objects built.
    assert.equal(sent[0], built[0]);
    assert.equal(sent[3], built[3]);
    assert.notEqual(sent[1], built[1]);
  });

  it('with a batch size: messages gathered in order, a full batch at once and the rest on flush', () => {
    const batches = [];
    const d = new OutputDelivery({ maxRecords: 2, maxMs: 60000 }, (o) => o.payload.n, (b) => batches.push(b), assert.fail);
    d.deliver([out(1), out(2), out(3)], () => assert.fail('sent unbatched'));
    assert.deepEqual(batches, [[1, 2]]);
    d.flush();
    assert.deepEqual(batches, [[1, 2], [3]]);
  });
});

describe('glue/normalize-status', () => {
  it('counts text: in and out always; repeats, open calls and errors when there are any', () => {
    assert.equal(normalizeCountsText({ in: 1234, out: 1230, duplicates: 0 }, null, 0), '1,234 in · 1,230 out');
    assert.equal(normalizeCountsText({ in: 5, out: 2, duplicates: 1 }, 0, 2), '5 in · 2 out · 1 dup · 0 open · 2 err');
  });

  it('renders once for many requests, and not at all once stopped', async () => {
    let renders = 0;
    await new Promise((resolve) => {
      const r = new DeferredRender(() => {
        renders++;
        resolve();
      }, 1);
      for (let i = 0; i < 100; i++) r.request();
    });
    assert.equal(renders, 1);
    const stopped = new DeferredRender(() => assert.fail('rendered after stop'), 1);
    stopped.request();
    stopped.stop();
    // Timers of one delay run in the order they were set: this one after the cancelled render.
    await new Promise((resolve) => setTimeout(resolve, 1));
  });
});

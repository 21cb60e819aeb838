'use strict';
// Re-sending records nobody acknowledged: each is sent again once per ack
// timeout, never twice in a row. (The webhook example found a record sent two
// to five times within milliseconds: a re-send pass armed the next timer for
// records it had not handed on yet, and two passes sent them both.)
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const lib = require('../../../nodes/lib/index');
const { acknowledge } = require('../../../nodes/lib/source/ack-registry');
const { waitFor } = require('../../support/wait');

describe('Delivery: re-sending unacknowledged records', function () {
  this.timeout(20000);
  let dir;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdrflow-resend-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('sends each record again once per ack timeout, and not at all once acknowledged', async () => {
    const timeoutMs = 300;
    const sends = new Map(); // handle → [time of each send]
    const d = await lib.Delivery.open({
      journal: { dir, maxBytes: 16 * 1024 * 1024, fsync: 'never' },
      ackMode: 'downstream',
      ackTimeoutMs: timeoutMs,
      emit: (_r, handles) => {
        for (const h of handles) (sends.get(h) ?? sends.set(h, []).get(h)).push(performance.now());
      },
    });
    try {
      const source = { vendor: 'ucm', format: 'json', transport: 'tcp', receivedAt: new Date().toISOString() };
      await Promise.all(Array.from({ length: 300 }, (_, i) => d.accept([{ payload: { i }, source }])));
      await waitFor(() => sends.size === 300 && [...sends.values()].every((t) => t.length >= 3), 'every record sent three times', 15000, 10);
      for (const [h, times] of sends) {
        for (let k = 1; k < times.length; k++) assert.ok(times[k] - times[k - 1] >= timeoutMs - 20, `${h}: send ${k + 1} came ${Math.round(times[k] - times[k - 1])} ms after send ${k}`);
      }
      acknowledge([...sends.keys()]);
      const counts = [...sends.values()].map((t) => t.length);
      await new Promise((r) => setTimeout(r, 3 * timeoutMs));
      assert.deepEqual([...sends.values()].map((t) => t.length), counts, 'nothing sent after the acknowledgement');
    } finally {
      await d.close();
    }
  });
});

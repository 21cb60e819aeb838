'use strict';
const assert = require('node:assert/strict');
const { compileVosFormat } = require('../../../nodes/lib/formats/vos');
const { VosStream } = require('../../../nodes/lib/formats/vos-stream');

const line = (caller, startSec) => `${caller}|200|${startSec}|${startSec + 10}|5|0|1`;

function harness(opts = {}) {
  let t = 1000;
  const out = { records: [], errors: [], alerts: [] };
  const s = new VosStream({
    format: compileVosFormat(),
    silenceMs: 0,
    now: () => t,
    onRecord: (r, src, late) => out.records.push({ caller: r.callerE164, src, late }),
    onError: (e, raw, src) => out.errors.push({ code: e.code, message: e.message, raw, src }),
    onAlert: (ev) => out.alerts.push(ev),
    ...opts,
  });
  return { s, out, advance: (ms) => (t += ms) };
}

describe('formats/vos-stream', () => {
  it('passes good lines straight through without a reorder window', () => {
    const { s, out } = harness();
    s.line(line('a', 1700000020), 'tcp');
    s.line(Buffer.from(`${line('b', 1700000010)}\r\n`), 'udp');
    assert.deepEqual(out.records, [
      { caller: 'a', src: 'tcp', late: false },
      { caller: 'b', src: 'udp', late: false },
    ]);
    assert.equal(s.liveness.count, 2);
  });

  it('reports each bad line with its raw text and reads the next good one', () => {
    const { s, out } = harness();
    const bad = ['1|2|3', `${line('x', 1700000000).replace('1700000000', 'soon')}`, Buffer.from([0, 1, 2, 0xff]), `${line('y', 1700000000)}${'|z'.repeat(40)}`];
    for (const b of bad) {
      s.line(b, 'src');
      s.line(line('ok', 1700000000), 'src');
    }
    s.line('\r\n', 'src'); // blank: skipped, not an error
    assert.deepEqual(out.errors.map((e) => e.code), ['too_few_fields', 'bad_time', 'binary', 'too_many_fields']);
    assert.equal(out.errors[0].raw, '1|2|3');
    assert.match(out.errors[1].message, /startTime: "soon"/);
    assert.equal(out.records.length, 4);
    assert.equal(s.errors, 4);
    assert.equal(s.liveness.count, 4); // garbage does not prove the forwarder alive
  });

  it('with a window, lets records out sorted by startTime and late ones at once, flagged', () => {
    const { s, out, advance } = harness({ reorder: { windowMs: 2000, maxHeld: 1000 } });
    s.line(line('c', 1700000030), 1);
    s.line(line('a', 1700000010), 2);
    s.line(line('b', 1700000020), 3);
    assert.equal(out.records.length, 0);
    assert.equal(s.held, 3);
    assert.equal(s.nextDueAt(), 3000);
    advance(2000);
    s.tick();
    assert.deepEqual(out.records.map((r) => r.caller), ['a', 'b', 'c']);
    s.line(line('old', 1700000005), 4);
    assert.deepEqual(out.records[3], { caller: 'old', src: 4, late: true });
    assert.equal(s.late, 1);
  });

  it('orders wall-clock start times in the configured zone', () => {
    const { s, out } = harness({ reorder: { windowMs: 10, maxHeld: 10 }, timeZone: 'Asia/Shanghai' });
    s.line('b|2|2024-01-01 10:00:01|2024-01-01 10:00:11|5', 0);
    s.line('a|2|2024-01-01 10:00:00|2024-01-01 10:00:11|5', 0);
    s.flush();
    assert.deepEqual(out.records.map((r) => r.caller), ['a', 'b']);
  });

  it('raises a silence alert from tick and a resume on the next record', () => {
    const { s, out, advance } = harness({ silenceMs: 5000 });
    s.line(line('a', 1700000000), 0);
    advance(4999);
    s.tick();
    assert.equal(out.alerts.length, 0);
    advance(1);
    s.tick();
    assert.deepEqual(out.alerts, [{ type: 'silent', silentForMs: 5000, lastRecordAt: 1000 }]);
    advance(1000);
    s.line(line('b', 1700000001), 0);
    assert.equal(out.alerts[1].type, 'resumed');
    assert.equal(out.alerts[1].silentForMs, 6000);
  });
});

describe('formats/vos-stream (bypassing the window)', () => {
  it('sends a line at once when asked not to reorder it, holding the others', () => {
    const { s, out } = harness({ reorder: { windowMs: 2000, maxHeld: 1000 } });
    s.line(line('held', 1700000030), 1);
    s.line(line('file', 1700000010), 2, false);
    assert.deepEqual(out.records.map((r) => r.caller), ['file']);
    assert.equal(s.held, 1);
  });
});

'use strict';
const assert = require('node:assert/strict');
const { Liveness, formatAge } = require('../../../nodes/lib/cdr/liveness');

describe('cdr/liveness', () => {
  it('counts records per minute over a sliding 60 s', () => {
    const l = new Liveness({ silenceMs: 0, startedAt: 0 });
    for (let t = 0; t < 30000; t += 100) l.record(t); // 300 records in 30 s
    assert.equal(l.perMinute(30000), 300);
    assert.equal(l.perMinute(59999), 300);
    assert.equal(l.perMinute(75000), 140); // seconds 16…75 count (1 s buckets): 0…15 have slid out
    assert.equal(l.perMinute(200000), 0);
    assert.equal(l.count, 300);
  });

  it('tells the time since the last record, counting from start before the first', () => {
    const l = new Liveness({ silenceMs: 0, startedAt: 1000 });
    assert.equal(l.silentFor(4000), 3000);
    l.record(5000);
    assert.equal(l.silentFor(12000), 7000);
    assert.equal(l.lastRecordAt, 5000);
  });

  it('alerts once when silent past the threshold and reports the resume', () => {
    const l = new Liveness({ silenceMs: 60000, startedAt: 0 });
    l.record(1000);
    assert.equal(l.check(60999), null);
    assert.deepEqual(l.check(61000), { type: 'silent', silentForMs: 60000, lastRecordAt: 1000 });
    assert.equal(l.check(90000), null); // once per silence
    assert.equal(l.silent, true);
    assert.deepEqual(l.record(100000), { type: 'resumed', silentForMs: 99000, lastRecordAt: 100000 });
    assert.equal(l.silent, false);
    assert.equal(l.check(120000), null);
    assert.equal(l.check(160000).type, 'silent');
  });

  it('alerts on a forwarder that never sent anything', () => {
    const l = new Liveness({ silenceMs: 5000, startedAt: 0 });
    assert.deepEqual(l.check(5000), { type: 'silent', silentForMs: 5000, lastRecordAt: null });
  });

  it('does not alert when the threshold is 0', () => {
    const l = new Liveness({ silenceMs: 0, startedAt: 0 });
    assert.equal(l.check(1e9), null);
  });

  it('formats an age for a status line', () => {
    assert.equal(formatAge(4500), '4 s');
    assert.equal(formatAge(125000), '2 min');
    assert.equal(formatAge(7200000), '2 h');
    assert.equal(formatAge(7500000), '2 h 5 min');
  });
});

'use strict';
const assert = require('node:assert/strict');
const { NormalizePipeline } = require('../../../nodes/lib/cdr/pipeline');
const { Deduper } = require('../../../nodes/lib/cdr/dedupe');
const { MapError } = require('../../../nodes/lib/cdr/normalize');
const { assertValidCdr } = require('../../support/cdr-schema');
const { ucmRecords, ucmLegs } = require('../../support/ucm-samples');

const settings = (over = {}) => ({ timeZone: 'UTC', output: 'leg', format: 'cdr', waitMs: 1000, maxOpenCalls: 100, dedupe: 'drop', ...over });
const deduper = () => new Deduper({ maxEntries: 1000, maxAgeMs: 3600_000 });
const ringLegs = () => ucmLegs().filter((l) => l.session === '1661159737924521-01632960102');

describe('cdr/pipeline (what cdr-normalize does)', () => {
  it('keeps apart the same Asterisk record from two PBXs (msg.source.pbx)', () => {
    const ami = require('../../../nodes/lib/formats/ami');
    const { sample } = require('../../support/asterisk-samples');
    const frames = new ami.AmiFramer().push(sample('ami-cdr-only-session-part1.txt'));
    const cdrEvent = frames.find((f) => f.kind === 'message' && ami.eventName(f.message) === 'Cdr');
    const record = ami.cdrRecord(cdrEvent.message);
    const p = new NormalizePipeline(settings(), deduper());
    const [a] = p.push('asterisk', record, 'pbx-a', 0, { pbx: 'pbx-a' });
    const [b] = p.push('asterisk', record, 'pbx-b', 0, { pbx: 'pbx-b' });
    assert.ok(a && b, 'neither is taken for a repeat of the other');
    assert.notEqual(a.cdr.id, b.cdr.id);
    assert.deepEqual(p.push('asterisk', record, 'pbx-a again', 1, { pbx: 'pbx-a' }), [], 'a resend from the same PBX is still a repeat');
  });

  it('leg mode: one output per leg, the vendor record and meta with each', () => {
    const p = new NormalizePipeline(settings(), deduper());
    const out = p.push('ucm', ucmRecords()[0], 'meta-1', 0);
    assert.equal(out.length, 2);
    assert.ok(out.every((o) => o.meta === 'meta-1' && o.vendorRecords.length === 1 && o.vendorRecords[0].main_cdr && !o.grouped));
    assert.deepEqual(p.counts, { in: 1, out: 2, duplicates: 0 });
    assert.deepEqual(p.push('ucm', ucmRecords()[0], 'again', 1), [], 'a resent group is dropped leg by leg');
    assert.equal(p.counts.duplicates, 2);
  });

  it('call mode, mark: a call made only of repeats is marked, a call with one new leg is not', () => {
    const p = new NormalizePipeline(settings({ output: 'call', dedupe: 'mark' }), deduper());
    const legs = ringLegs();
    legs.forEach((l) => p.push('ucm', l, 'first', 0));
    const [first] = p.due(1000);
    assert.equal(first.duplicate, false);
    assert.equal(first.vendorRecords.length, legs.length);
    assert.equal(first.grouped, true);
    legs.forEach((l) => p.push('ucm', l, 'resend', 2000));
    const [again] = p.due(3000);
    assert.equal(again.duplicate, true);
    assert.equal(again.cdr.id, first.cdr.id, 'same legs, same call id');
    legs.slice(0, 3).forEach((l) => p.push('ucm', l, 'mixed', 4000));
    p.push('ucm', { ...legs[3], AcctId: 'new' }, 'mixed', 4000);
    const [mixed] = p.due(5000);
    assert.equal(mixed.duplicate, false);
    assert.equal(p.openCalls, 0);
  });

  it('call mode, drop: repeated legs never reach the grouper; flush sends what is held', () => {
    const p = new NormalizePipeline(settings({ output: 'call', format: 'row' }), deduper());
    ringLegs().forEach((l) => p.push('ucm', l, 'm', 0));
    ringLegs().forEach((l) => p.push('ucm', l, 'm', 10));
    assert.equal(p.counts.duplicates, ringLegs().length);
    const [row] = p.flush();
    assert.equal(row.payload.leg_count, ringLegs().length);
    assertValidCdr(row.cdr);
    assert.equal(p.nextDueAt(), null);
  });

  it('dedupe off passes everything; a bad record throws MapError and changes no count', () => {
    const p = new NormalizePipeline(settings({ dedupe: 'off' }), null);
    p.push('ucm', ucmLegs()[0], 'm', 0);
    p.push('ucm', ucmLegs()[0], 'm', 0);
    assert.equal(p.counts.out, 2);
    assert.throws(() => p.push('ucm', { ...ucmLegs()[0], disposition: 'WHAT' }, 'm', 0), MapError);
    assert.equal(p.counts.in, 2);
  });
});

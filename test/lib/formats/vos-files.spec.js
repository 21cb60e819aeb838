'use strict';
const assert = require('node:assert/strict');
const { vosFilePattern, vosFileKey, backfillKey, VosFilesConfigError } = require('../../../nodes/lib/formats/vos-files');

describe('formats/vos-files', () => {
  it('turns YYYYMMDDHH.txt into a pattern whose key sorts by hour', () => {
    const p = vosFilePattern('');
    assert.ok(p instanceof RegExp);
    assert.ok(p.test('2024050110.txt'));
    assert.ok(!p.test('2024050110.txt.bak'));
    assert.ok(!p.test('x2024050110.txt'));
    assert.equal(vosFileKey(p, '2024050110.txt'), '2024050110');
    assert.equal(vosFileKey(p, 'notes.txt'), null);
  });

  it('accepts tokens apart and other text around them', () => {
    const p = vosFilePattern('cdr_YYYY-MM-DD_HH.log');
    assert.equal(vosFileKey(p, 'cdr_2024-05-01_09.log'), '2024050109');
    assert.equal(vosFileKey(p, 'cdr_2024-05-01_09.txt'), null);
    assert.equal(vosFileKey(vosFilePattern('YYYYMMDD.txt'), '20240501.txt'), '2024050100');
  });

  it('passes a glob or /regex/ through, sorted by name', () => {
    assert.equal(vosFilePattern('*.cdr'), '*.cdr');
    assert.equal(vosFilePattern('/^a(\\d+)$/'), '/^a(\\d+)$/');
    assert.equal(vosFileKey('*.cdr', 'x.cdr'), 'x.cdr');
  });

  it('refuses token orders and paths it cannot sort', () => {
    assert.throws(() => vosFilePattern('DDMMYYYY.txt'), VosFilesConfigError);
    assert.throws(() => vosFilePattern('cdr/YYYYMMDDHH.txt'), /not a path/);
  });

  it('reads "backfill from" as a key', () => {
    assert.equal(backfillKey('2024-05-01'), '2024050100');
    assert.equal(backfillKey('2024-05-01 13'), '2024050113');
    assert.equal(backfillKey('2024-05-01 13:00'), '2024050113');
    assert.equal(backfillKey('2024050113'), '2024050113');
    assert.throws(() => backfillKey('2024-02-30'), /not a date/);
    assert.throws(() => backfillKey('yesterday'), /not YYYY-MM-DD/);
    assert.throws(() => backfillKey('2024-05-01 25'), /not a date/);
  });
});

'use strict';
const assert = require('node:assert/strict');
const { createHash } = require('node:crypto');
const { stableId } = require('../../../nodes/lib/cdr/id');

// Users keep ids as primary keys: an id must never change, whatever makes the hash.
describe('cdr/id', () => {
  it('gives the ids it always gave (pinned values)', () => {
    assert.equal(stableId('ucm', ['acct', '1700000000.12', '1700000000.12']), 'ucm:7b3441e8cfcd28449209f21548b1bd09');
    assert.equal(stableId('vos3000', ['a', null, undefined, 5, 'é😀']), 'vos3000:f27d91cd12ac893c458a2a6b9e1fd265');
  });

  it('is the first 32 hex digits of sha256 over the parts, each ended by U+0001, a missing one as U+0000', () => {
    for (let i = 0; i < 200; i++) {
      const parts = ['leg', `s${i}`, i % 3 === 0 ? null : `u${i * 7}`, i, i % 5 === 0 ? undefined : '2024-03-31 02:30:00'];
      const text = parts.map((p) => (p === null || p === undefined ? '\u0000' : String(p)) + '\u0001').join('');
      assert.equal(stableId('gw', parts), `gw:${createHash('sha256').update(text).digest('hex').slice(0, 32)}`);
    }
  });

  it('keeps ["ab","c"] apart from ["a","bc"] and null apart from ""', () => {
    assert.notEqual(stableId('x', ['ab', 'c']), stableId('x', ['a', 'bc']));
    assert.notEqual(stableId('x', [null]), stableId('x', ['']));
  });
});

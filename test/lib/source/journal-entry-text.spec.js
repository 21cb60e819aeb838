'use strict';
// A record's journal entry is the JSON text replay parses back into the record.
// With the payload's received text put in as is and the last `source`'s text
// reused, every entry must still be exactly what serializing the record gives:
// a stale source text would replay a record with another peer or time.
const assert = require('node:assert/strict');
const { encode, entryPieces } = require('../../../nodes/lib/source/delivery');

/** The entry serialized the plain way (the text older journals hold too). */
function plain(r) {
  const { payloadJson, payload: _payload, ...rest } = r;
  return JSON.stringify({ payload: JSON.parse(payloadJson), ...rest });
}

describe('journal entry text', () => {
  const base = { vendor: 'ucm', format: 'json', transport: 'tcp', address: '10.0.0.1', port: 4000, receivedAt: '2026-12-02T10:00:00.000Z' };
  const record = (source, more = {}) => ({ payload: null, source, payloadJson: '{"AcctId":"1","src":"100"}', ...more });

  it('is the serialized record, for sources that follow one another alike and not', () => {
    const sources = [
      base,
      { ...base }, // same keys and values, another object
      { ...base, receivedAt: '2026-12-02T10:00:00.001Z' }, // one value moved on
      { ...base, port: 4001 },
      { receivedAt: base.receivedAt, vendor: 'ucm', format: 'json', transport: 'tcp', address: '10.0.0.1', port: 4000 }, // same fields, other order
      { vendor: 'ucm', format: 'json', transport: 'tcp', receivedAt: base.receivedAt }, // fewer fields
      { ...base, file: 'Master.csv' }, // more fields
      { ...base, note: { a: 1 } }, // a value that is not text or a number
      { ...base, note: { a: 2 } },
      { ...base, port: Number.NaN },
      { ...base, port: Number.NaN },
      base,
    ];
    for (const [i, s] of sources.entries()) {
      const r = record(s);
      assert.equal(encode(r), plain(r), `source ${i}`);
      assert.deepEqual(JSON.parse(encode(r)).source, JSON.parse(JSON.stringify(s)), `source ${i} replays as sent`);
    }
  });

  it('keeps extra, held and consumes, in that order', () => {
    const r = record(base, { extra: { late: true }, held: true, consumes: [3, 4] });
    assert.equal(encode(r), plain(r));
    const h = record(base, { held: false });
    assert.equal(encode(h), plain(h));
    assert.ok(Array.isArray(entryPieces(r)), 'written as pieces, not one joined copy');
  });

  it('is one JSON text for a record without its received text', () => {
    const r = { payload: { AcctId: '2' }, source: base };
    assert.equal(entryPieces(r), JSON.stringify(r));
  });
});

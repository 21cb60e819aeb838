'use strict';
// In call mode a record's acknowledgement handle rides on exactly one call: a
// whole handle on two calls would let the record go once the first call was
// stored, and a crash before the second is stored would lose that one. Leg mode
// splits a handle into shares for that; call mode needs none as long as every
// mapper gives a record either one leg or the whole call (a UCM group). This
// pins that over the records of every vendor.
const assert = require('node:assert/strict');
const { NormalizePipeline } = require('../../../nodes/lib/cdr/pipeline');
const { MapError } = require('../../../nodes/lib/cdr/normalize');
const { vendorRecords } = require('../../support/vendor-records');

describe('cdr/pipeline call mode: each record behind exactly one call', () => {
  for (const vendor of Object.keys(vendorRecords)) {
    it(`${vendor}: every record's meta is on one output (or one refused call), never on two`, () => {
      const p = new NormalizePipeline({ timeZone: 'UTC', output: 'call', format: 'cdr', waitMs: 1000, maxOpenCalls: 100000, dedupe: 'off' }, null);
      const seen = new Map();
      const pushed = [];
      const count = (metas) => {
        for (const m of new Set(metas)) seen.set(m, (seen.get(m) ?? 0) + 1);
      };
      vendorRecords[vendor]().forEach((record, i) => {
        const meta = { i };
        try {
          for (const o of p.push(vendor, record, meta, 0)) count(o.metas);
          pushed.push(meta);
        } catch (err) {
          if (!(err instanceof MapError)) throw err;
        }
      });
      for (const o of p.flush()) count(o.metas);
      for (const r of p.takeRejected()) count(r.metas);
      assert.ok(pushed.length > 0);
      const wrong = pushed.filter((m) => seen.get(m) !== 1).map((m) => `record ${m.i}: on ${seen.get(m) ?? 0} calls`);
      assert.deepEqual(wrong, []);
    });
  }
});

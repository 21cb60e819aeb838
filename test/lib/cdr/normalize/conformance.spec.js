'use strict';
// Every vendor's records, through the registry, give schema-valid Cdrs that
// cdr-calc and flat rows accept. Grows with each vendor added to the registry.
const assert = require('node:assert/strict');
const { normalize, mappedVendors } = require('../../../../nodes/lib/cdr/normalize');
const { calc } = require('../../../../nodes/lib/cdr/calc');
const { parseRateTable } = require('../../../../nodes/lib/cdr/rating');
const { toFlatRow, FLAT_COLUMNS } = require('../../../../nodes/lib/cdr/rows');
const { assertValidCdr } = require('../../../support/cdr-schema');
const { vendorRecords: sources } = require('../../../support/vendor-records');

const RATES = parseRateTable('prefix,rate\n0,0.02\n1,0.01\n8,0.05\n');

describe('cdr/normalize conformance (every mapped vendor)', () => {
  for (const vendor of ['ucm', 'vos3000', 'gateway', 'freeswitch', 'asterisk']) {
    it(`${vendor}: schema-valid Cdrs, stable ids, accepted by calc and flat rows`, function () {
      if (!mappedVendors().includes(vendor)) this.skip();
      const records = sources[vendor]();
      assert.ok(records.length > 0);
      let n = 0;
      for (const timeZone of ['UTC', 'America/Los_Angeles']) {
        for (const record of records) {
          const { legs, call } = normalize(vendor, record, { timeZone });
          const again = normalize(vendor, JSON.parse(JSON.stringify(record)), { timeZone });
          assert.deepEqual(again.legs.map((l) => l.id), legs.map((l) => l.id), 'same record, same ids');
          for (const cdr of call ? [...legs, call] : legs) {
            assert.equal(cdr.vendor, vendor);
            assertValidCdr(cdr);
            const rated = calc(cdr, { rates: RATES, rating: { currency: 'USD' } });
            assertValidCdr(rated);
            assert.deepEqual(Object.keys(toFlatRow(rated)), FLAT_COLUMNS.map((c) => c.name));
            n++;
          }
        }
      }
      assert.ok(n >= records.length * 2);
    });
  }
});

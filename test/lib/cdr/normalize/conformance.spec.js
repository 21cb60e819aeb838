'use strict';
// Every vendor's records, through the registry, give schema-valid Cdrs that
// cdr-calc and flat rows accept. Grows with each vendor added to the registry.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { normalize, mappedVendors } = require('../../../../nodes/lib/cdr/normalize');
const { calc } = require('../../../../nodes/lib/cdr/calc');
const { parseRateTable } = require('../../../../nodes/lib/cdr/rating');
const { toFlatRow, FLAT_COLUMNS } = require('../../../../nodes/lib/cdr/rows');
const { assertValidCdr } = require('../../../support/cdr-schema');
const { samplePath } = require('../../../support/samples');
const { ucmRecords } = require('../../../support/ucm-samples');
const { parseVosLine } = require('../../../../nodes/lib/formats/vos');
const vosSim = require('../../../../nodes/lib/sim/vos');
const fsFormats = require('../../../../nodes/lib/formats/freeswitch');
const { RECORDS: SAMPLE_RECORDS } = require('../../../support/sample-calls');
const fsSim = require('../../../../nodes/lib/sim/freeswitch');

const RATES = parseRateTable('prefix,rate\n0,0.02\n1,0.01\n8,0.05\n');

const sources = {
  ucm: () => ucmRecords(),
  vos3000: () => vosSim.generateCalls(300, { startMs: Date.UTC(2024, 2, 31, 0, 0), cps: 0.05, seed: 9 }).map((c) => parseVosLine(vosSim.formatLine(c))),
  // The gateway's event view and every Cdr event of the real Asterisk 22 capture.
  gateway: () => SAMPLE_RECORDS.gateway(),
  asterisk: () => SAMPLE_RECORDS.asterisk(),
  freeswitch: () => {
    // The real samples, then simulated calls in each of FreeSWITCH's three formats.
    const out = [
      fsFormats.parseXmlCdr(fs.readFileSync(samplePath('freeswitch', 'a_80183ec8-d424-11e3-8fb2-65b6c3cdac7d.cdr.xml'), 'utf8')),
      fsFormats.parseJsonCdr(fs.readFileSync(samplePath('freeswitch', 'answered-bridged-with-hold.cdr.json'), 'utf8')),
    ];
    const gen = new fsSim.FsCallGenerator({ seed: 5 });
    const template = fsFormats.compileTemplate(fsFormats.CSV_TEMPLATES.example);
    for (let i = 0; i < 40; i++) {
      const c = gen.call();
      for (const leg of c.b ? [c.a, c.b] : [c.a]) {
        out.push(fsFormats.parseXmlCdr(fsSim.toXml(leg)), fsFormats.parseJsonCdr(fsSim.toJson(leg)));
        out.push(...fsFormats.parseCsvText(fsSim.toCsvLine(leg, template), template).records);
      }
    }
    return out.map((r) => JSON.parse(JSON.stringify(r)));
  },
};

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

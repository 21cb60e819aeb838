'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const lib = require('../..'); // the package's main module, as a user requires it
const { assertValidCdr } = require('../support/cdr-schema');
const { samplePath } = require('../support/samples');

describe('library API (main module)', () => {
  it('parses, normalizes, calculates and flattens without Node-RED', () => {
    const text = fs.readFileSync(samplePath('ucm', 'cdrapi-ucm63xx.json'), 'utf8');
    const records = lib.parseUcm(text);
    assert.equal(records.length, 10);
    const rates = lib.parseRateTable('prefix,rate\n0,0.05\n');
    const grouper = new lib.LegGrouper({ waitMs: 0, maxCalls: 100, maxLegsPerCall: 100 });
    const dedupe = new lib.Deduper({ maxEntries: 1000, maxAgeMs: 60_000 });
    let calls = 0;
    for (const record of [...records, ...records]) {
      const { legs, call } = lib.normalize('ucm', record, { timeZone: 'Europe/London' });
      for (const leg of legs) if (!dedupe.check(leg.id, 0) && !call) grouper.add(leg, 0);
      if (call) {
        const rated = lib.calc(call, { rates, rating: { currency: 'GBP' } });
        assertValidCdr(rated);
        assert.equal(lib.toFlatRow(rated).id, call.id);
        calls++;
      }
    }
    assert.equal(calls, 12, 'six groups, twice');
    assert.equal(dedupe.size, require('../support/ucm-samples').ucmLegs().length, 'each leg once');
    const grouped = grouper.due(0);
    assert.equal(grouped.length, 4, 'the four flat legs are four calls');
    grouped.forEach((c) => assertValidCdr(lib.calc(c)));
  });

  it('exports the JSON Schema object and the path of the shipped file', () => {
    assert.deepEqual(JSON.parse(fs.readFileSync(lib.CDR_SCHEMA_FILE, 'utf8')), JSON.parse(JSON.stringify(lib.cdrJsonSchema)));
    assert.deepEqual(lib.VENDORS, ['ucm', 'asterisk', 'freeswitch', 'vos3000', 'gateway']);
    assert.equal(typeof lib.time.wallClockToIso, 'function');
  });
});

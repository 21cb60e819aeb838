'use strict';
// Property test (issue 14): real records of every vendor, mutated (fields
// deleted, types swapped, huge and negative numbers, garbage text, epoch units
// confused, times swapped or shifted, inherited names as keys), through
// normalize, call building and calc. Every Cdr that comes out passes the JSON
// Schema; every record refused is a MapError with a precise reason; nothing
// else is thrown. Deterministic: a fixed seed per vendor.
const assert = require('node:assert/strict');
const { normalize, MapError } = require('../../../nodes/lib/cdr/normalize');
const { calc } = require('../../../nodes/lib/cdr/calc');
const { parseRateTable } = require('../../../nodes/lib/cdr/rating');
const { NormalizePipeline } = require('../../../nodes/lib/cdr/pipeline');
const { assertValidCdr, cdrSchemaErrors } = require('../../support/cdr-schema');
const { vendorRecords } = require('../../support/vendor-records');
const { mutate } = require('../../support/mutate');
const { rng } = require('../../support/random');

const CASES_PER_VENDOR = 800;
const RATES = parseRateTable(`prefix,rate\n${[...'0123456789'].map((d, i) => `${d},0.0${i}`).join('\n')}\n`);
const SEEDS = { ucm: 11, asterisk: 12, freeswitch: 13, vos3000: 14, gateway: 15 };

/** Times in order, the record and its legs (what assertValidCdr adds to the schema). */
function ordered(c) {
  const s = Date.parse(c.startTime);
  const e = Date.parse(c.endTime);
  const a = c.answerTime === null ? s : Date.parse(c.answerTime);
  return e >= s && a >= s && a <= e && (c.legs ?? []).every(ordered);
}

// assertValidCdr writes its message (the whole record as JSON) up front: call it only to report a failure.
function assertValid(cdr, label) {
  if (cdrSchemaErrors(cdr).length > 0 || !ordered(cdr)) assertValidCdr(cdr, label);
}

function checkOut(cdr, label) {
  assertValid(cdr, label);
  const rated = calc(cdr, { rates: RATES, rating: { currency: 'USD' } });
  assertValid(rated, `${label} after calc`);
  for (const c of [rated, ...(rated.legs ?? [])]) {
    for (const k of ['durationSec', 'billSec']) assert.ok(Number.isFinite(c[k]) && c[k] >= 0, `${label}: ${k} ${c[k]}`);
    for (const [k, v] of Object.entries(c.metrics)) assert.ok(Number.isFinite(v) && v >= 0, `${label}: metrics.${k} ${v}`);
  }
  if (rated.cost) assert.ok(Number.isFinite(rated.cost.amount) && rated.cost.amount >= 0, `${label}: cost ${rated.cost.amount}`);
}

describe('cdr normalize + calc on mutated records of every vendor (property)', function () {
  this.timeout(60000);
  for (const vendor of Object.keys(SEEDS)) {
    it(`${vendor}: ${CASES_PER_VENDOR} mutated records give valid Cdrs or a precise MapError, never another throw`, () => {
      const random = rng(SEEDS[vendor]);
      const base = vendorRecords[vendor]();
      const pipeline = new NormalizePipeline({ timeZone: 'UTC', output: 'call', format: 'cdr', waitMs: 60000, maxOpenCalls: 50, dedupe: 'off' }, null);
      const seen = { valid: 0, refused: 0 };
      for (let i = 0; i < CASES_PER_VENDOR; i++) {
        const { record, mutations } = mutate(base[i % base.length], random);
        const label = `${vendor} case ${i} (${mutations.join('; ')})`;
        let mapped;
        try {
          mapped = normalize(vendor, record, { timeZone: 'UTC' });
        } catch (err) {
          assert.ok(err instanceof MapError, `${label}: threw ${err.name}: ${err.message}`);
          assert.doesNotMatch(err.message, /mapper failed/, `${label}: a vague reason`);
          seen.refused++;
          continue;
        }
        seen.valid++;
        for (const cdr of mapped.call ? [...mapped.legs, mapped.call] : mapped.legs) checkOut(cdr, label);
        // The same record through the pipeline, legs grouped into calls.
        let outs = [];
        try {
          outs = pipeline.push(vendor, record, { i }, i);
        } catch (err) {
          assert.ok(err instanceof MapError, `${label}: pipeline threw ${err.message}`);
        }
        for (const o of outs) checkOut(o.cdr, `${label} (pipeline)`);
      }
      for (const o of pipeline.flush()) checkOut(o.cdr, `${vendor} call`);
      assert.deepEqual(pipeline.takeRejected(), [], 'calls built from valid legs are valid');
      // The mutations do both: some records stay usable, many are refused.
      assert.ok(seen.valid > CASES_PER_VENDOR / 10 && seen.refused > CASES_PER_VENDOR / 10, JSON.stringify(seen));
    });
  }
});

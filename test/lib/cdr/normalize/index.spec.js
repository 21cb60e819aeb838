'use strict';
const assert = require('node:assert/strict');
const registry = require('../../../../nodes/lib/cdr/normalize');
const { MapError } = registry;
const { assertValidCdr } = require('../../../support/cdr-schema');
const { ucmRecords } = require('../../../support/ucm-samples');

describe('cdr/normalize (registry)', () => {
  it('dispatches to the vendor mapper', () => {
    const out = registry.normalize('ucm', ucmRecords()[1], { timeZone: 'Europe/Paris' });
    assert.equal(out.legs.length, 1);
    assertValidCdr(out.legs[0]);
    assert.ok(registry.mappedVendors().includes('ucm'));
  });

  it('reports an unknown vendor, a missing mapper, a non-object record and a bad zone as MapError', () => {
    const isMapError = (field) => (e) => e instanceof MapError && (field === undefined || e.field === field);
    assert.throws(() => registry.normalize('cisco', {}, { timeZone: 'UTC' }), isMapError('vendor'));
    for (const v of ['ucm', 'asterisk', 'freeswitch', 'vos3000', 'gateway']) assert.equal(registry.isVendor(v), true);
    for (const bad of [null, 'a,b,c', 42, [ucmRecords()[1]], undefined]) {
      assert.throws(() => registry.normalize('ucm', bad, { timeZone: 'UTC' }), isMapError(), String(bad));
    }
    assert.throws(() => registry.normalize('ucm', ucmRecords()[1], { timeZone: 'Mars/Olympus' }), isMapError('timeZone'));
  });

  it('turns an unexpected failure inside a mapper into a MapError', () => {
    const unmapped = ['asterisk', 'freeswitch', 'vos3000', 'gateway'].find((v) => !registry.mappedVendors().includes(v));
    if (unmapped) assert.throws(() => registry.normalize(unmapped, {}, { timeZone: 'UTC' }), /no mapper/);
    const vendor = unmapped ?? 'gateway';
    const before = registry.registerMapper(vendor, () => { throw new TypeError('boom'); });
    try {
      assert.throws(() => registry.normalize(vendor, {}, { timeZone: 'UTC' }), (e) => e instanceof MapError && /boom/.test(e.message));
    } finally {
      registry.registerMapper(vendor, before);
    }
    assert.equal(registry.mappedVendors().includes(vendor), before !== undefined);
  });
});

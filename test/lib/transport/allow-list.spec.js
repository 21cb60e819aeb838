'use strict';
const assert = require('node:assert/strict');
const { parseAllowList, AllowListError } = require('../../../nodes/lib/transport/allow-list');

describe('transport/allow-list', () => {
  it('is null (everyone) when empty', () => {
    assert.equal(parseAllowList(''), null);
    assert.equal(parseAllowList('  , '), null);
    assert.equal(parseAllowList(undefined), null);
  });

  it('matches addresses and CIDR ranges, IPv4 and IPv6, and IPv4-mapped IPv6', () => {
    const a = parseAllowList('192.0.2.10, 10.0.0.0/8; 2001:db8::/32 ::1');
    assert.equal(a.allows('192.0.2.10'), true);
    assert.equal(a.allows('192.0.2.11'), false);
    assert.equal(a.allows('10.200.3.4'), true);
    assert.equal(a.allows('::ffff:10.1.1.1'), true);
    assert.equal(a.allows('::ffff:11.1.1.1'), false);
    assert.equal(a.allows('2001:db8:1::5'), true);
    assert.equal(a.allows('2001:db9::5'), false);
    assert.equal(a.allows('::1'), true);
    assert.equal(a.allows(undefined), false);
  });

  it('rejects entries that are not addresses or ranges', () => {
    for (const bad of ['pbx.example.com', '10.0.0.0/33', '10.0.0.1/x', '1.2.3', '::1/129', '10.0.0.0/8/1']) {
      assert.throws(() => parseAllowList(bad), AllowListError, bad);
    }
  });
});

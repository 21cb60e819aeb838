'use strict';
const assert = require('node:assert/strict');
const { fsUrlDecode, looksUrlEncoded } = require('../../../../nodes/lib/formats/freeswitch');

describe('formats/freeswitch/url-decode', () => {
  it('decodes %XX as UTF-8 and keeps + and malformed escapes as written', () => {
    assert.equal(fsUrlDecode('8009%40host%3A5060'), '8009@host:5060');
    assert.equal(fsUrlDecode('+34%2B1%20x'), '+34+1 x');
    assert.equal(fsUrlDecode('Jos%C3%A9'), 'José');
    assert.equal(fsUrlDecode('50%'), '50%');
    assert.equal(fsUrlDecode('%zz%4'), '%zz%4');
    // Not UTF-8: read as Latin-1 rather than lost.
    assert.equal(fsUrlDecode('%E9t%E9'), 'été');
    assert.equal(fsUrlDecode('plain'), 'plain');
  });

  it('tells encoded value sets from plain ones', () => {
    assert.equal(looksUrlEncoded(['8009%40host', 'NORMAL_CLEARING']), true);
    assert.equal(looksUrlEncoded(['1001@host']), false);
    assert.equal(looksUrlEncoded(['2018-01-11 11:25:44']), false);
  });
});

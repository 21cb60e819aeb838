'use strict';
const assert = require('node:assert/strict');
const { sniffFirstBytes, bodyKindOf } = require('../../../nodes/lib/transport/protocol-sniff');
const { formatMismatch, mismatchMessagesFrom, DEFAULT_MISMATCH_MESSAGES } = require('../../../nodes/lib/transport/mismatch');

describe('transport/protocol-sniff and mismatch', () => {
  it('tells a TLS handshake, an HTTP request and data apart, waiting while the bytes are a prefix', () => {
    assert.equal(sniffFirstBytes(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00])), 'tls');
    assert.equal(sniffFirstBytes(Buffer.from([0x16])), 'more');
    assert.equal(sniffFirstBytes(Buffer.from('POST /cdr HTTP/1.1\r\n')), 'http');
    assert.equal(sniffFirstBytes(Buffer.from('GET / HTTP/1.0\r\n')), 'http');
    for (const prefix of ['P', 'PO', 'POS', 'POST', 'OPTIO']) assert.equal(sniffFirstBytes(Buffer.from(prefix)), 'more', prefix);
    for (const data of ['{"cdr_root":[]}', '<?xml version="1.0"?>', '1|2|3', 'POSTAL code', 'Pxx', '\u0000']) assert.equal(sniffFirstBytes(Buffer.from(data)), 'data', data);
  });

  it('judges JSON and XML by the first significant byte', () => {
    assert.equal(bodyKindOf(' \r\n{"a":1}'), 'json');
    assert.equal(bodyKindOf('[1]'), 'json');
    assert.equal(bodyKindOf('\ufeff<?xml?>'), 'xml');
    assert.equal(bodyKindOf('  '), 'empty');
    assert.equal(bodyKindOf('cdr=%7B'), 'other');
    assert.equal(formatMismatch('json', Buffer.from('<cdr/>')), 'xml-on-json');
    assert.equal(formatMismatch('xml', Buffer.from('{"a":1}')), 'json-on-xml');
    assert.equal(formatMismatch('auto', Buffer.from('<cdr/>')), null);
    assert.equal(formatMismatch('json', Buffer.from('{"a":1}')), null);
  });

  it('takes a node\'s own sentences from its locale and keeps the default where the locale has none', () => {
    const cat = { 'x.mismatch.http-on-tcp': 'set Delivery to HTTP' };
    const m = mismatchMessagesFrom((key) => cat[`x.${key}`] ?? `x.${key}`);
    assert.deepEqual(m, { 'http-on-tcp': 'set Delivery to HTTP' });
    assert.ok(DEFAULT_MISMATCH_MESSAGES['tls-on-plain']);
  });
});

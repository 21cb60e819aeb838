'use strict';
const assert = require('node:assert/strict');
const { parseUcm, ucmRecordsFrom, UcmFormatError, isUcmGroup } = require('../../../nodes/lib/formats/ucm');
const { parseUcmHttpBody } = require('../../../nodes/lib/formats/ucm-http');
const { ucmToXml } = require('../../../nodes/lib/sim/ucm');
const { ucmSampleRecords } = require('../../support/samples');

describe('formats/ucm', () => {
  const records = ucmSampleRecords();
  const leg = records.find((r) => !isUcmGroup(r));
  const group = records.find((r) => isUcmGroup(r));

  it('reads the sample cdr_root: 6 groups and 4 legs, values exactly as sent', () => {
    const out = parseUcm(JSON.stringify({ cdr_root: records }));
    assert.equal(out.length, 10);
    assert.deepEqual(out, records);
    assert.equal(out.filter(isUcmGroup).length, 6);
  });

  it('reads a flat leg, {cdr:[…]}, a group, and arrays of them', () => {
    assert.deepEqual(parseUcm(JSON.stringify(leg)), [leg]);
    assert.deepEqual(parseUcm(JSON.stringify({ cdr: [leg, leg] })), [leg, leg]);
    assert.deepEqual(parseUcm(JSON.stringify(group)), [group]);
    assert.deepEqual(parseUcm(JSON.stringify([leg, { cdr_root: [group] }])), [leg, group]);
  });

  it('keeps a group whose sub is an array or empty as one record', () => {
    const g = { cdr: '', main_cdr: leg, sub_cdr_1: [leg, leg], sub_cdr_2: [] };
    assert.deepEqual(parseUcm(JSON.stringify({ cdr_root: [g] })), [g]);
  });

  it('reads XML: legs and groups give the same records as JSON', () => {
    for (const r of records) assert.deepEqual(parseUcm(ucmToXml(r)), [r]);
    const two = `<root><cdr>${ucmToXml(leg).replace(/^.*?<cdr>|<\/cdr><\/cdr_root>$/g, '')}</cdr><cdr><src>1</src><dst>2</dst><start>2024-01-01 00:00:00</start></cdr></root>`;
    assert.equal(parseUcm(two, 'xml').length, 2);
  });

  it('keeps XML values as text: leading zeros, entities, empty elements', () => {
    const [r] = parseUcm('<cdr><src>007</src><dst>0044</dst><clid>&quot;A&amp;B&quot; &lt;1&gt;</clid><answer/><start>2024-01-01 10:00:00</start></cdr>');
    assert.deepEqual(r, { src: '007', dst: '0044', clid: '"A&B" <1>', answer: '', start: '2024-01-01 10:00:00' });
  });

  it('gives a typed error for text that is not JSON/XML or holds no CDR', () => {
    for (const [text, code] of [['hello', 'syntax'], ['{"src":', 'syntax'], ['<a><b></a>', 'syntax'], ['{"a":1}', 'not_cdr'], ['[]', 'not_cdr'], ['<x>1</x>', 'not_cdr'], ['{"cdr":""}', 'not_cdr']]) {
      assert.throws(() => parseUcm(text), (e) => e instanceof UcmFormatError && e.code === code, text);
    }
    assert.throws(() => parseUcm(JSON.stringify(leg), 'xml'), UcmFormatError);
    assert.throws(() => ucmRecordsFrom(null), UcmFormatError);
  });

  it('reads HTTP bodies: JSON, XML, a form field holding JSON, and form fields as the record', () => {
    assert.deepEqual(parseUcmHttpBody(Buffer.from(JSON.stringify(leg)), 'application/json', 'auto'), { records: [leg], format: 'json' });
    assert.deepEqual(parseUcmHttpBody(Buffer.from(ucmToXml(leg)), 'text/xml', 'auto'), { records: [leg], format: 'xml' });
    const wrapped = new URLSearchParams({ cdr: JSON.stringify(leg) }).toString();
    assert.deepEqual(parseUcmHttpBody(Buffer.from(wrapped), 'application/x-www-form-urlencoded', 'auto').records, [leg]);
    const fields = new URLSearchParams(leg).toString();
    assert.deepEqual(parseUcmHttpBody(Buffer.from(fields), 'application/x-www-form-urlencoded', 'auto'), { records: [leg], format: 'form' });
    assert.throws(() => parseUcmHttpBody(Buffer.from('  '), 'application/json', 'auto'), UcmFormatError);
  });
});

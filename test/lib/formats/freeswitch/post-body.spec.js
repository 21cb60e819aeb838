'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { samplePath } = require('../../../support/samples');
const { decodePostBody, parsePostBody, FsFormatError } = require('../../../../nodes/lib/formats/freeswitch');

const SAMPLES = samplePath('freeswitch');
const xml = fs.readFileSync(path.join(SAMPLES, 'a_80183ec8-d424-11e3-8fb2-65b6c3cdac7d.cdr.xml'), 'utf8');
const json = fs.readFileSync(path.join(SAMPLES, 'answered-bridged-with-hold.cdr.json'), 'utf8');

// The bodies mod_xml_cdr / mod_json_cdr send for each `encode` value (REFERENCE.md §3.2–3.3).
// FreeSWITCH's URL encoder escapes everything but unreserved characters, like encodeURIComponent.
const bodies = (doc) => ({
  urlencoded: ['application/x-www-form-urlencoded', 'cdr=' + encodeURIComponent(doc)],
  base64: ['application/x-www-form-base64-encoded', 'cdr=' + Buffer.from(doc).toString('base64')],
  plain: ['application/x-www-form-plaintext', 'cdr=' + doc],
  raw: [doc.startsWith('<') ? 'text/xml' : 'application/json', doc],
});

describe('formats/freeswitch/post-body', () => {
  for (const [encoding, [type, body]] of Object.entries(bodies(xml))) {
    it(`unwraps XML sent with encoding ${encoding}`, () => {
      const p = parsePostBody(Buffer.from(body), type, '?uuid=a_80183ec8-d424-11e3-8fb2-65b6c3cdac7d');
      assert.equal(p.encoding, encoding);
      assert.equal(p.format, 'xml');
      assert.equal(p.text.trim(), xml.trim());
      assert.equal(p.uuid, '80183ec8-d424-11e3-8fb2-65b6c3cdac7d');
      assert.equal(p.aLegPrefix, true);
      assert.equal(p.record.variables.RFC2822_DATE, 'Mon, 05 May 2014 07:11:38 +0000');
    });
  }
  for (const [encoding, [type, body]] of Object.entries(bodies(json))) {
    it(`unwraps JSON sent with encoding ${encoding}`, () => {
      const p = parsePostBody(body, type, 'uuid=3da8bf84-c133-4959-9e24-e72875cb33a1');
      assert.equal(p.encoding, encoding);
      assert.equal(p.format, 'json');
      assert.equal(p.aLegPrefix, false);
      assert.equal(p.record.variables.billsec, '68');
    });
  }

  it('keeps base64 + / = raw (not URL-decoded) and reads them right', () => {
    // Chosen so the base64 text holds + and /: bytes 0xfb 0xff encode to "+/".
    const doc = '<cdr><variables><uuid>u</uuid><n>\u00fb\u00ff~~~</n></variables></cdr>';
    const b64 = Buffer.from(doc).toString('base64');
    assert.match(b64, /[+/]/);
    const p = decodePostBody('cdr=' + b64, 'application/x-www-form-base64-encoded');
    assert.equal(p.text, doc);
  });

  it('reads a URL-encoded body where + stands for a space, and a plus written as %2B', () => {
    const p = decodePostBody('cdr=%3Ccdr%3E%3Cvariables%3E%3Ca%3Ex+y%3C%2Fa%3E%3Cb%3E%252B34%3C%2Fb%3E%3C%2Fvariables%3E%3C%2Fcdr%3E', 'application/x-www-form-urlencoded');
    assert.equal(p.text, '<cdr><variables><a>x y</a><b>%2B34</b></variables></cdr>');
  });

  it('trusts the body over a wrong content type', () => {
    assert.equal(decodePostBody('cdr=' + encodeURIComponent(xml), 'application/x-www-form-base64-encoded').encoding, 'urlencoded');
    assert.equal(decodePostBody(xml, 'application/x-www-form-urlencoded').encoding, 'raw');
    assert.equal(decodePostBody('cdr=' + Buffer.from(json).toString('base64'), undefined).encoding, 'base64');
  });

  it('finds cdr= after other form fields', () => {
    const p = decodePostBody('uuid=x&cdr=' + encodeURIComponent('<cdr/>'), 'application/x-www-form-urlencoded');
    assert.equal(p.text, '<cdr/>');
  });

  it('rejects bodies that are not a CDR', () => {
    for (const [body, type] of [
      ['', 'text/xml'],
      ['hello=world', 'application/x-www-form-urlencoded'],
      ['cdr=%%%%', 'application/x-www-form-urlencoded'],
      ['cdr=!!notbase64!!', 'application/x-www-form-base64-encoded'],
      ['cdr=' + Buffer.from('just text').toString('base64'), 'application/x-www-form-base64-encoded'],
      [Buffer.from([0, 1, 2, 255, 254]), 'application/octet-stream'],
    ]) {
      assert.throws(() => decodePostBody(body, type), FsFormatError, String(body));
    }
    // Unwraps, but the document inside is not a FreeSWITCH CDR.
    assert.throws(() => parsePostBody('<event/>', 'text/xml'), FsFormatError);
    assert.throws(() => parsePostBody('{"a":1}', 'application/json'), FsFormatError);
  });
});

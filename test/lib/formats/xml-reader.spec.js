'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { XMLParser, XMLValidator } = require('fast-xml-parser');
const { readXml, XmlSyntaxError, MAX_XML_DEPTH } = require('../../../nodes/lib/formats/xml-reader');
const { parseXmlCdr } = require('../../../nodes/lib/formats/freeswitch');
const { parseUcm } = require('../../../nodes/lib/formats/ucm');
const fsSim = require('../../../nodes/lib/sim/freeswitch');
const { UcmGenerator, ucmToXml } = require('../../../nodes/lib/sim/ucm');
const { samplePath, ucmSampleRecords } = require('../../support/samples');

// The parser this reader replaced, with the settings it had: the reference.
const fxp = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', parseTagValue: false, parseAttributeValue: false, trimValues: true, ignoreDeclaration: true, ignorePiTags: true, processEntities: true, htmlEntities: false });
function oldParse(text) {
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new Error(valid.err.msg);
  return fxp.parse(text);
}

function realDocuments() {
  const docs = [];
  const fsDir = samplePath('freeswitch');
  docs.push(fs.readFileSync(path.join(fsDir, 'a_80183ec8-d424-11e3-8fb2-65b6c3cdac7d.cdr.xml'), 'utf8'));
  for (const f of fs.readdirSync(path.join(fsDir, 'configs'))) if (f.endsWith('.xml')) docs.push(fs.readFileSync(path.join(fsDir, 'configs', f), 'utf8'));
  for (const r of ucmSampleRecords()) docs.push(ucmToXml(r));
  return docs;
}

function simulatedDocuments() {
  const docs = [];
  const gen = new fsSim.FsCallGenerator({ seed: 3 });
  for (let i = 0; i < 300; i++) {
    const call = gen.call();
    docs.push(fsSim.toXml(call.a));
    if (call.b) docs.push(fsSim.toXml(call.b));
  }
  const ucm = new UcmGenerator({ seed: 4 });
  for (let i = 0; i < 300; i++) docs.push(ucmToXml(ucm.next(i % 3 === 0 ? 'group' : 'leg')));
  return docs;
}

describe('formats/xml-reader', () => {
  it('gives exactly the old parser\'s tree for every real sample and 800+ simulated documents', () => {
    const docs = [...realDocuments(), ...simulatedDocuments()];
    assert.ok(docs.length > 800, `${docs.length} documents`);
    for (const [i, doc] of docs.entries()) assert.deepStrictEqual(readXml(doc), oldParse(doc), `document ${i}`);
  });

  it('parseXmlCdr and parseUcm read the real samples through it', () => {
    const doc = fs.readFileSync(samplePath('freeswitch', 'a_80183ec8-d424-11e3-8fb2-65b6c3cdac7d.cdr.xml'), 'utf8');
    const rec = parseXmlCdr(doc);
    assert.equal(rec.variables.uuid, '80183ec8-d424-11e3-8fb2-65b6c3cdac7d');
    assert.ok(rec.callflow.length >= 1);
    const legs = ucmSampleRecords();
    assert.deepStrictEqual(parseUcm(legs.map(ucmToXml).join('\n').split('\n')[0], 'xml')[0], legs[0]);
  });

  it('matches the old parser on the corners of the format: attributes, text beside children, CDATA, comments, entities, repeats', () => {
    const cases = [
      '<a>x</a>', '<a/>', '<a></a>', '<a b="1"/>', '<a b="1">t</a>', '<a><b>1</b><b>2</b></a>', '<a> <b>1</b> t <c/> u </a>',
      '<a b=" sp ">  t  </a>', '<a>&lt;&amp;&gt;&quot;&apos;</a>', '<a>&#65;&#x42;</a>', '<a>&foo;</a>', '<a b="&lt;&#65;"/>', '<a b="x&y"/>',
      '<a>x<!-- c -->y</a>', '<a><![CDATA[ <z> ]]></a>', '<a>p<![CDATA[q]]>r</a>', '<?xml version="1.0"?><a>1</a>', '<a>1</a><b/>',
      '<a c="1">\n</a>', "<a b='q\"'/>", '<a>x > y</a>', '<a><b c="1"/><b>x</b></a>', '<a><b>1</b>text</a>', '<a\n  b="1"\n/>',
      '<a:b x:y="1">t</a:b>', '<a>  </a>', '\ufeff<a>1</a>', '<a>x</a >', '<a b="x<y"/>', '<a>]]></a>', '<a>1</a><!-- c -->', '<a>&amp;lt;</a>',
      '<a><b>1</b><c>2</c><b>3</b></a>', '<a>t1<b/>t2</a>', '<a b=""/>', '<a><?pi x?>t</a>', '<a>\r\n x \r\n</a>', '<a b =  "1"/>',
      // Elements without children take a short path: end tags spelled every way, and what must leave it.
      '<a><b>1</b ></a>', '<a><b>1</b\n></a>', '<a><b c="1">x</b\t></a>', '<a><b>x<!-- c --></b></a>', '<a><b><![CDATA[y]]></b></a>',
      '<a><b>  &amp;  </b><b/><b c="&gt;"/></a>', '<a><b c="1"></b><b c="2"> </b></a>', '<a><bc>1</bc><b>2</b></a>',
    ];
    for (const c of cases) assert.deepStrictEqual(readXml(c), oldParse(c), c);
  });

  it('rejects what is not well-formed, with the place', () => {
    const bad = ['', '  ', 'garbage', '<a>1</a>  junk', 'x<a/>', '<a><b></a>', '<a>', '</a>', '<a></b>', '<a b=1/>', '<a b="1" b="2"/>', '<a b>', '<a>x & y</a>',
      '<a>x < y</a>', '< a/>', '<a>x</ a>', '<1a/>', '<a b="1"c="2"/>', '<a>&lt</a>', '<a><!-- x</a>', '<a><![CDATA[x</a>', '<a b="1', '<a', '<?xml'];
    for (const b of bad) {
      assert.throws(() => oldParse(b), undefined, `the old parser rejected ${JSON.stringify(b)} too`);
      assert.throws(() => readXml(b), (e) => e instanceof XmlSyntaxError && /not well-formed XML: .+ \(line \d+, column \d+\)/.test(e.message), JSON.stringify(b));
    }
    assert.throws(() => readXml('<a>\n  <b>\n</a>'), /line 3, column 1/);
    for (const b of ['<a><ab>x</a></a>', '<a><a>x</ab></a>', '<a><b>x</b</a>', '<a><b>x & y</b></a>', '<a><b>x</b>']) {
      assert.throws(() => readXml(b), XmlSyntaxError, JSON.stringify(b));
    }
  });

  it('refuses entity expansion: a DOCTYPE, and so any entity declaration, is an error', () => {
    const billionLaughs = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><lolz>&lol2;</lolz>';
    assert.throws(() => readXml(billionLaughs), (e) => e instanceof XmlSyntaxError && /DOCTYPE/.test(e.message));
    assert.throws(() => readXml('<!DOCTYPE cdr SYSTEM "file:///etc/passwd"><cdr>&xxe;</cdr>'), /DOCTYPE/);
    assert.deepStrictEqual(readXml('<a>&lol;</a>'), { a: '&lol;' }, 'an undeclared entity stays as written');
  });

  it('bounds the depth: nesting past the limit is an error, not a stack overflow', () => {
    const nest = (d) => '<a>'.repeat(d) + 'x' + '</a>'.repeat(d);
    assert.doesNotThrow(() => readXml(nest(MAX_XML_DEPTH)));
    assert.throws(() => readXml(nest(MAX_XML_DEPTH + 1)), /nested deeper than 64/);
    const leafAt = (d, leaf) => '<a>'.repeat(d) + leaf + '</a>'.repeat(d);
    for (const leaf of ['<b/>', '<b>x</b>', '<b c="1"/>']) {
      assert.doesNotThrow(() => readXml(leafAt(MAX_XML_DEPTH - 1, leaf)), leaf);
      assert.throws(() => readXml(leafAt(MAX_XML_DEPTH, leaf)), /nested deeper than 64/, leaf);
    }
    assert.throws(() => readXml(nest(100000)), /nested deeper than 64/);
    assert.throws(() => readXml('<a/>'.repeat(3) + '<b>' + '<c/>'.repeat(10) + '</b>' + nest(10), 3), /nested deeper than 3/);
  });

  it('refuses __proto__ as a name, and a name like toString stays an own field', () => {
    assert.throws(() => readXml('<a><__proto__><polluted>1</polluted></__proto__></a>'), /__proto__/);
    assert.throws(() => readXml('<a __proto__="1"/>'), /__proto__/);
    const v = readXml('<a><toString>1</toString><constructor>2</constructor><constructor>3</constructor></a>');
    assert.deepStrictEqual(v.a, { toString: '1', constructor: ['2', '3'] });
    assert.equal({}.polluted, undefined);
  });

  it('reads a name it has seen before exactly as a new one: the same tree, the same errors, whatever names share its hash', () => {
    // "Aa" and "BB" share a slot of the reader's name cache (31·65+97 = 31·66+66),
    // and so does "1ɑ" (31·49+593), which is not a name at all.
    for (let round = 0; round < 2; round++) {
      assert.deepStrictEqual(readXml('<r><Aa>1</Aa><BB>2</BB><Aa x="3"/></r>'), { r: { Aa: ['1', { x: '3' }], BB: '2' } });
      assert.deepStrictEqual(readXml('<r BB="1"><Aa Aa="2"/></r>'), { r: { BB: '1', Aa: { Aa: '2' } } });
      assert.throws(() => readXml('<r><Aa>1</Aa><1ɑ>2</1ɑ></r>'), (e) => e instanceof XmlSyntaxError && /Tag '1ɑ' is an invalid name/.test(e.message));
      assert.throws(() => readXml('<Aa><BB>1</Aa></BB>'), /Expected closing tag 'BB' instead of closing tag 'Aa'/);
      // A name that begins like a known one, or is the start of one.
      assert.deepStrictEqual(readXml('<abc><abcd>1</abcd><ab>2</ab><abc>3</abc></abc>'), { abc: { abcd: '1', ab: '2', abc: '3' } });
      assert.throws(() => readXml('<a><__proto__>1</__proto__></a>'), /__proto__/);
    }
    const long = 'n'.repeat(200);
    for (let round = 0; round < 2; round++) assert.deepStrictEqual(readXml(`<${long} ${long}="1">x</${long}>`), { [long]: { [long]: '1', '#text': 'x' } });
    // Thousands of made-up names (a flood of garbage documents) still read right, and the real ones after them.
    for (let i = 0; i < 5000; i++) assert.deepStrictEqual(readXml(`<n${i}><m${i}>${i}</m${i}></n${i}>`), { [`n${i}`]: { [`m${i}`]: String(i) } });
    for (const doc of realDocuments()) assert.deepStrictEqual(readXml(doc), oldParse(doc));
  });

  it('reads a wide element of a shape it has seen before exactly as a new one: values, order, repeats, text, attributes', () => {
    // Past 12 fields the reader keeps an empty object of each shape it has met
    // twice and copies it: every value must still be the document's own, in
    // its own order, and a shape that only looks alike must be read the long way.
    // The order of fields: attributes, then children as they first come, then '#text'.
    const expect = (names, value, attrs = [], tail = '') => {
      const doc = `<r><w${attrs.map(([k, v]) => ` ${k}="${v}"`).join('')}>${names.map((n) => `<${n}>${value(n)}</${n}>`).join('')}${tail}</w></r>`;
      const want = Object.fromEntries(attrs.map(([k, v]) => [k, String(v)]));
      for (const n of names) {
        if (!Object.hasOwn(want, n)) want[n] = value(n);
        else want[n] = [].concat(want[n], value(n));
      }
      if (tail !== '') want['#text'] = tail;
      const got = readXml(doc);
      assert.deepStrictEqual(got, { r: { w: want } }, doc);
      assert.deepStrictEqual(Object.keys(got.r.w), Object.keys(want), doc);
    };
    const names = Array.from({ length: 20 }, (_, i) => `f${i}`);
    for (let round = 0; round < 4; round++) {
      expect(names, (n) => `${n}-${round}`);
      expect(names, () => '');
      // The same names in another order, one more, one fewer, one repeated.
      expect([...names].reverse(), (n) => `${n}+${round}`);
      expect([...names, 'g'], (n) => n);
      expect(names.slice(1), (n) => n);
      expect([...names, 'f3'], (n) => `${n}.${round}`);
      // Text beside the children, attributes on the element, a name like toString.
      expect(names, (n) => n, [], 'text');
      expect(names, (n) => n, [['a', round], ['b', 'x']]);
      expect([...names, 'toString', 'hasOwnProperty'], (n) => `${n}${round}`);
    }
    // Far more shapes than slots, each met three times, interleaved: slots are
    // overwritten and shared, and no document takes another's names or values.
    const shapes = Array.from({ length: 600 }, (_, i) => Array.from({ length: 13 + (i % 7) }, (_, j) => `s${(i * 7 + j * 3) % 50}_${j}`));
    for (let round = 0; round < 3; round++) for (const [i, s] of shapes.entries()) expect(s, (n) => `${i}:${n}:${round}`);
    for (const doc of [...realDocuments(), ...simulatedDocuments()]) assert.deepStrictEqual(readXml(doc), oldParse(doc));
  });

  it('hands out a wide record (a UCM leg: 40+ fields) as an ordinary fast object, not a hash table kept by V8', () => {
    // A record held as a V8 dictionary is slower to read and to serialize and
    // bigger while it waits for its journal write: that cost XML sources about
    // 70 µs a record. Only V8's own test hook can see the shape, so a child asks.
    const script = `
      const { readXml } = require(${JSON.stringify(require.resolve('../../../nodes/lib/formats/xml-reader'))});
      const fields = Array.from({ length: 45 }, (_, i) => '<f' + i + '>v' + i + '</f' + i + '>').join('');
      // The first is read the long way, the later ones as copies of a shape seen before.
      const doc = '<root><cdr>' + fields + '</cdr><cdr a="1">' + fields + '</cdr>' + ('<cdr>' + fields + '</cdr>').repeat(3) + '</root>';
      const out = readXml(doc).root.cdr;
      process.stdout.write(JSON.stringify(out.map((o) => [%HasFastProperties(o), Object.keys(o).length])));`;
    const run = require('node:child_process').spawnSync(process.execPath, ['--allow-natives-syntax', '-e', script], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.deepStrictEqual(JSON.parse(run.stdout), [[true, 45], [true, 46], [true, 45], [true, 45], [true, 45]]);
  });
});

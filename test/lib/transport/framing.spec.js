'use strict';
const assert = require('node:assert/strict');
const { createFramer } = require('../../../nodes/lib/transport/framing');
const { ucmToXml, ucmToJson } = require('../../../nodes/lib/sim/ucm');
const { ucmSampleRecords } = require('../../support/samples');

function run(kind, chunks, max = 1 << 20) {
  const frames = [];
  const errors = [];
  const f = createFramer(kind, { frame: (t) => frames.push(t), error: (e) => errors.push(e) }, { maxFrameBytes: max });
  for (const c of chunks) f.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  f.end();
  return { frames, errors };
}

describe('transport/framing', () => {
  const records = ucmSampleRecords();

  for (const [kind, encode] of [['json', ucmToJson], ['xml', ucmToXml]]) {
    it(`${kind}: every sample record split at every byte boundary gives the record back (${encode.name})`, function () {
      // Every boundary of every record is O(n²) bytes scanned: seconds of CPU, not a timing check.
      this.timeout(180000);
      for (const record of records) {
        const bytes = Buffer.from(encode(record));
        for (let cut = 1; cut < bytes.length; cut++) {
          const { frames, errors } = run(kind, [bytes.subarray(0, cut), bytes.subarray(cut)]);
          assert.equal(errors.length, 0, `cut at ${cut}`);
          assert.equal(frames.length, 1, `cut at ${cut}`);
          assert.equal(frames[0], bytes.toString('utf8'));
        }
      }
    });
  }

  it('finds many frames coalesced in one chunk, with CRLF, NUL and commas between them', () => {
    const docs = records.map((r, i) => (i % 2 ? ucmToXml(r) : ucmToJson(r)));
    const { frames, errors } = run('auto', [docs.join('\r\n\u0000, ')]);
    assert.equal(errors.length, 0);
    assert.deepEqual(frames, docs);
  });

  it('keeps multi-byte characters that are split between chunks', () => {
    const doc = JSON.stringify({ caller_name: 'Zoë 😀 Ünal', src: '1' });
    const bytes = Buffer.from(doc);
    for (let cut = 1; cut < bytes.length; cut++) {
      const { frames } = run('json', [bytes.subarray(0, cut), bytes.subarray(cut)]);
      assert.equal(frames[0], doc);
    }
  });

  it('handles braces inside strings and escaped quotes', () => {
    const doc = '{"lastdata":"a}b{c\\"}]","x":["[",{"y":"\\\\"}]}';
    assert.deepEqual(run('json', [doc + doc]).frames, [doc, doc]);
  });

  it('handles XML comments, CDATA, attributes with ">" and self-closing roots', () => {
    const doc = '<?xml version="1.0"?><!-- <not/> a tag --><cdr a=">" b=\'/>\'><x><![CDATA[</cdr>]]></x><y/></cdr>';
    assert.deepEqual(run('xml', [doc, '<cdr/>']).frames, [doc, '<cdr/>']);
  });

  it('drops an oversize frame, reports its head, and reads the next frame', () => {
    const big = JSON.stringify({ src: 'x'.repeat(5000) });
    const { frames, errors } = run('json', [big, '{"ok":1}'], 1000);
    assert.deepEqual(frames, ['{"ok":1}']);
    assert.equal(errors.length, 1);
    assert.equal(errors[0].code, 'oversize');
    assert.equal(errors[0].bytes, big.length);
    assert.ok(big.startsWith(errors[0].raw));
  });

  it('reports binary garbage between frames and inside a frame, then reads on', () => {
    const garbage = Buffer.from([0xff, 0xfe, 0x01, 0x02, 0x80, 0x41]);
    const inFrame = Buffer.concat([Buffer.from('{"src":"1",'), Buffer.from([0x01, 0x02]), Buffer.from('}')]);
    const { frames, errors } = run('auto', [garbage, '{"a":1}', inFrame, '<r>1</r>']);
    assert.deepEqual(frames, ['{"a":1}', '<r>1</r>']);
    assert.ok(errors.length >= 2);
    assert.ok(errors.every((e) => e.code === 'garbage'));
  });

  it('a stray quote in garbage cannot open a "string" that runs on past a line end and swallows the next record', () => {
    const got = { frames: [], errors: [] };
    const f = createFramer('auto', { frame: (t) => got.frames.push(t), error: (e) => got.errors.push(e) }, { maxFrameBytes: 65536 });
    const record = '{"src":"1","dst":"2","clid":"\\"203\\" <203>"}';
    // `["` opens a bogus frame and a string; its quotes pair with the record's, which would invert them.
    f.push(Buffer.from('["\u0016junk {"x":\nmore junk\n'));
    f.push(Buffer.from(record));
    f.end();
    assert.deepEqual(got.frames, [record]);
    assert.ok(got.errors.length >= 1);
  });

  it('reports a frame cut short by the end of the stream', () => {
    const { frames, errors } = run('json', ['{"a":1}{"b":']);
    assert.deepEqual(frames, ['{"a":1}']);
    assert.equal(errors.length, 1);
    assert.equal(errors[0].code, 'truncated');
    assert.equal(errors[0].raw, '{"b":');
  });

  it('line: CRLF, blank lines, NUL, a last line without newline, oversize lines', () => {
    const { frames, errors } = run('line', ['a|b\r\n\r\n\u0000c|d\n', 'x'.repeat(50) + '\n', 'e|f'], 20);
    assert.deepEqual(frames, ['a|b', 'c|d', 'e|f']);
    assert.equal(errors.length, 1);
    assert.equal(errors[0].code, 'oversize');
  });

  it('line: only a last line with no line end is flagged as unterminated', () => {
    const seen = [];
    const f = createFramer('line', { frame: (t, unterminated) => seen.push([t, unterminated === true]), error: assert.fail }, { maxFrameBytes: 100 });
    f.push(Buffer.from('a|b\nc|'));
    f.push(Buffer.from('d'));
    f.end();
    assert.deepEqual(seen, [['a|b', false], ['c|d', true]]);
  });

  it('json framer does not take XML and xml framer does not take JSON', () => {
    assert.equal(run('json', ['<a/>']).errors[0].code, 'garbage');
    assert.equal(run('xml', ['{"a":1}']).errors[0].code, 'garbage');
  });
});

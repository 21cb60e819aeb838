'use strict';
const assert = require('node:assert/strict');
const { LineSplitter } = require('../../../nodes/lib/transport/line-splitter');

const lines = (items) => items.filter((i) => i.kind === 'line').map((i) => i.text);

describe('transport/line-splitter', () => {
  it('splits LF and CRLF lines and gives the position after each', () => {
    const s = new LineSplitter({ maxLineBytes: 100 });
    const items = s.push(Buffer.from('a,1\r\nb,2\nc,3\r\n'));
    assert.deepEqual(items, [
      { kind: 'line', text: 'a,1', start: 0, end: 5 },
      { kind: 'line', text: 'b,2', start: 5, end: 9 },
      { kind: 'line', text: 'c,3', start: 9, end: 14 },
    ]);
    assert.equal(s.position, 14);
  });

  it('holds back a partial last line until its newline arrives, across chunks', () => {
    const s = new LineSplitter({ maxLineBytes: 100 }, 10);
    assert.deepEqual(lines(s.push(Buffer.from('"x","y'))), []);
    assert.equal(s.pendingBytes, 6);
    assert.deepEqual(lines(s.push(Buffer.from('","z"'))), []);
    const items = s.push(Buffer.from('\r\nnext'));
    assert.deepEqual(items, [{ kind: 'line', text: '"x","y","z"', start: 10, end: 23 }]);
    assert.deepEqual(s.flush(), [{ kind: 'line', text: 'next', start: 23, end: 27 }]);
  });

  it('keeps a multi-byte character split across chunks intact', () => {
    const s = new LineSplitter({ maxLineBytes: 100 });
    const bytes = Buffer.from('Zoë→北京\n');
    assert.deepEqual(lines(s.push(bytes.subarray(0, 3))), []);
    assert.deepEqual(lines(s.push(bytes.subarray(3, 7))), []);
    assert.deepEqual(lines(s.push(bytes.subarray(7))), ['Zoë→北京']);
  });

  it('drops a BOM at the start of the file, and reports empty lines as skipped bytes', () => {
    const s = new LineSplitter({ maxLineBytes: 100 });
    const items = s.push(Buffer.from('\ufeffh1\n\r\n\nh2\n'));
    assert.deepEqual(lines(items), ['h1', 'h2']);
    assert.deepEqual(items.map((i) => i.kind), ['line', 'skip', 'skip', 'line']);
    assert.equal(items[3].end, s.position);
  });

  it('reports an oversize line with its start and skips to the next newline', () => {
    const s = new LineSplitter({ maxLineBytes: 10, oversizeHeadChars: 5 });
    let items = s.push(Buffer.from('ok\n0123456789ABC'));
    assert.deepEqual(items[0], { kind: 'line', text: 'ok', start: 0, end: 3 });
    assert.deepEqual(items[1], { kind: 'oversize', start: 3, head: '01234', end: 3 });
    items = s.push(Buffer.from('DEFGH'.repeat(1000)));
    assert.deepEqual(items, []);
    assert.equal(s.pendingBytes, 0, 'an oversize line is not buffered');
    items = s.push(Buffer.from('IJ\nnext\n'));
    assert.deepEqual(items, [
      { kind: 'skip', start: 3, end: 3 + 13 + 5000 + 3 },
      { kind: 'line', text: 'next', start: 5019, end: 5024 },
    ]);
  });

  it('accepts a line of exactly the limit, CR excluded, and rejects one byte more', () => {
    const s = new LineSplitter({ maxLineBytes: 4 });
    assert.deepEqual(lines(s.push(Buffer.from('abcd\r\n'))), ['abcd']);
    const items = s.push(Buffer.from('abcde\n'));
    assert.deepEqual(items.map((i) => i.kind), ['oversize', 'skip']);
    assert.equal(items[1].end, 12);
  });

  it('reset() forgets a partial line and continues at the given offset', () => {
    const s = new LineSplitter({ maxLineBytes: 100 });
    s.push(Buffer.from('abc'));
    s.reset(0);
    assert.deepEqual(s.push(Buffer.from('x\n')), [{ kind: 'line', text: 'x', start: 0, end: 2 }]);
  });
});

'use strict';
const assert = require('node:assert/strict');
const { createFramer } = require('../../../nodes/lib/transport/framing');
const { ucmToJson, ucmToXml } = require('../../../nodes/lib/sim/ucm');
const { ucmSampleRecords } = require('../../support/samples');

// The JSON fast path (a line that is one JSON value, parsed once) must find
// exactly the frames and errors of the bracket scan, on any stream cut anywhere.
function run(kind, chunks, opts) {
  const out = [];
  const f = createFramer(kind, { frame: (t, u, json) => out.push({ t, json }), error: (e) => out.push({ e: `${e.code}:${e.bytes}:${e.raw}` }) }, opts);
  for (const c of chunks) f.push(c);
  f.end();
  return out;
}

/** A small deterministic PRNG (the failing seed is named in the message). */
function prng(seed) {
  let s = seed >>> 0 || 1;
  return () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
}

describe('transport/framing: the JSON fast path', () => {
  const records = ucmSampleRecords();
  const pieces = [
    ...records.map((r) => JSON.stringify(r)),
    ...records.map((r) => ucmToJson(r)),
    ...records.slice(0, 3).map((r) => ucmToXml(r)),
    JSON.stringify({ a: 'x\\"}{', b: [1, { c: '}' }] }),
    JSON.stringify({ é: 'ünï ☎', n: null }),
    JSON.stringify({ pretty: { deep: [1, 2] } }, null, 2),
    '[{"a":1},{"b":2}]',
    '{"a":1}{"b":2}',
    '{"a":1}, {"b":2}',
    '{abc}',
    '{"a":01}',
    '{"tab":"a\tb"}',
    '{"nul":"a\u0000b"}',
    '{"a":\u0001}',
    '"stray {',
    '}{',
    '[1,',
    '{}',
    '[]',
    'garbage',
    '\u00ff\u00fe',
  ];
  const seps = ['\n', '\r\n', '\n\n', ', ', '\u0000\n', ' ', '', ',\n', '  \r\n'];

  for (const kind of ['json', 'auto']) {
    it(`${kind}: gives the frames and errors of the bracket scan on 300 random streams, cut at random`, () => {
      for (let seed = 1; seed <= 300; seed++) {
        const rnd = prng(seed);
        const parts = [];
        const count = 1 + Math.floor(rnd() * 12);
        for (let i = 0; i < count; i++) parts.push(pieces[Math.floor(rnd() * pieces.length)], seps[Math.floor(rnd() * seps.length)]);
        const bytes = Buffer.from(parts.join(''), rnd() < 0.1 ? 'latin1' : 'utf8');
        const chunks = [];
        for (let at = 0; at < bytes.length; ) {
          const n = rnd() < 0.3 ? bytes.length : 1 + Math.floor(rnd() * 200);
          chunks.push(bytes.subarray(at, at + n));
          at += n;
        }
        const max = rnd() < 0.2 ? 64 : 1 << 20;
        const fast = run(kind, chunks, { maxFrameBytes: max });
        const scan = run(kind, chunks, { maxFrameBytes: max, jsonFastPath: false });
        assert.deepEqual(fast.map(({ t, e }) => t ?? e), scan.map(({ t, e }) => t ?? e), `seed ${seed}`);
        for (const { t, json } of fast) if (json !== undefined) assert.deepEqual(json, JSON.parse(t), `seed ${seed}`);
      }
    });
  }

  it('hands the parsed value on with a frame that is one line, and none with one the scan found', () => {
    const out = run('json', [Buffer.from('{"a":1}\r\n{"b":\n2}\n{"c":3}{"d":4}\n[5]\n')], { maxFrameBytes: 1 << 20 });
    assert.deepEqual(
      out.map(({ t, json }) => [t, json]),
      [
        ['{"a":1}', { a: 1 }],
        ['{"b":\n2}', undefined],
        ['{"c":3}', undefined],
        ['{"d":4}', undefined],
        // After a line that was not one value the fast path rests: the scan finds it.
        ['[5]', undefined],
      ],
    );
  });
});

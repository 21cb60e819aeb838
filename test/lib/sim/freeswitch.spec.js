'use strict';
const assert = require('node:assert/strict');
const sim = require('../../../nodes/lib/sim/freeswitch');
const { parseXmlCdr, parseJsonCdr, parsePostBody, parseCsvLine, compileTemplate } = require('../../../nodes/lib/formats/freeswitch');

describe('sim/freeswitch', () => {
  it('makes varied, repeatable calls', () => {
    const a = new sim.FsCallGenerator({ seed: 3 });
    const b = new sim.FsCallGenerator({ seed: 3 });
    const calls = Array.from({ length: 200 }, () => a.call());
    assert.deepEqual(b.call(), calls[0]);
    const outcomes = new Set(calls.map((c) => c.outcome));
    const directions = new Set(calls.map((c) => c.direction));
    assert.deepEqual([...outcomes].sort(), ['answered', 'busy', 'failed', 'no_answer']);
    assert.deepEqual([...directions].sort(), ['inbound', 'internal', 'outbound']);
    assert.ok(calls.some((c) => c.a.variables.hold_events));
    // Unique uuids across all legs.
    const uuids = calls.flatMap((c) => [c.a.variables.uuid, c.b?.variables.uuid].filter(Boolean));
    assert.equal(new Set(uuids).size, uuids.length);
  });

  it('live: every call ends when it is made, its lengths as without live', () => {
    const plain = new sim.FsCallGenerator({ seed: 5 });
    const live = new sim.FsCallGenerator({ seed: 5, live: true });
    // In µs: the seconds fields round differently once moved.
    const since = (v, k) => (Number(v[`${k}_uepoch`]) ? Number(v[`${k}_uepoch`]) - Number(v.start_uepoch) : 0);
    const lengths = (v) => [v.uduration, v.billusec, since(v, 'progress'), since(v, 'answer'), since(v, 'end')];
    for (let i = 0; i < 50; i++) {
      const expected = plain.call();
      const before = Date.now() * 1000;
      const call = live.call();
      const after = Date.now() * 1000;
      // The A leg hangs up now, the B leg 1 ms after it.
      const end = Number(call.a.variables.end_uepoch);
      assert.ok(end >= before && end <= after, `call ${i} ends now (${end} in ${before}..${after})`);
      if (call.b) assert.equal(Number(call.b.variables.end_uepoch), end + 1000);
      assert.deepEqual(lengths(call.a.variables), lengths(expected.a.variables));
      assert.equal(call.a.variables.uuid, expected.a.variables.uuid);
      assert.equal(call.outcome, expected.outcome);
    }
  });

  it('writes texts our parsers read back to the same record', () => {
    const gen = new sim.FsCallGenerator({ seed: 9 });
    for (let i = 0; i < 30; i++) {
      const { a } = gen.call();
      const fromXml = parseXmlCdr(sim.toXml(a));
      assert.deepEqual(fromXml.variables, a.variables);
      assert.deepEqual(fromXml.callflow[0].times, a.callflow[0].times);
      assert.deepEqual(parseJsonCdr(sim.toJson(a, true)).variables, a.variables);
      assert.deepEqual(parseJsonCdr(sim.toJson(a, false)).variables, a.variables);
      for (const enc of ['urlencoded', 'base64', 'plain', 'raw']) {
        const { body, contentType } = sim.postBody(sim.toXml(a), 'xml', enc);
        assert.equal(parsePostBody(body, contentType).record.variables.uuid, a.variables.uuid, enc);
      }
      const line = sim.toCsvLine(a, 'example');
      const row = parseCsvLine(line, compileTemplate('example'));
      assert.equal(row.uuid, a.variables.uuid);
      assert.equal(row.start_stamp, a.variables.start_stamp);
    }
  });

  it('encodes like FreeSWITCH: + as %2B, space as %20', () => {
    assert.equal(sim.fsUrlEncode('+34 1@x'), '%2B34%201%40x');
  });

  it('formats *_stamp in the given zone', () => {
    // 2024-05-01T08:00:00Z is 10:00 in Madrid (CEST).
    assert.equal(sim.fsStamp(Date.UTC(2024, 4, 1, 8) * 1000, 'Europe/Madrid'), '2024-05-01 10:00:00');
    assert.equal(sim.fsStamp(0, 'UTC'), '');
  });
});

'use strict';
const assert = require('node:assert/strict');
const vos = require('../../../nodes/lib/formats/vos');

// 19 fields in the brief's order: an answered call, epoch ms times.
const LINE =
  '8613800000001|8613900000002|1700000000000|1700000065000|60|0|1|GW-IN|GW-OUT|10.0.0.1|10.0.0.2|013800000001|013900000002|8613800000001|13900000002|0|1|2300|1800';

describe('formats/vos', () => {
  it('reads the 19 brief fields with epoch-ms times, codes decoded to names', () => {
    const r = vos.parseVosLine(LINE);
    assert.deepEqual(Object.keys(r), vos.VOS_DEFAULT_FIELDS);
    assert.equal(r.callerE164, '8613800000001');
    assert.equal(r.calleeE164, '8613900000002');
    assert.equal(r.startTime, 1700000000000);
    assert.equal(r.stopTime, 1700000065000);
    assert.equal(r.holdTime, 60);
    assert.equal(r.endReason, 0);
    assert.equal(r.endDirection, 'callee');
    assert.equal(r.callerGatewayId, 'GW-IN');
    assert.equal(r.calleeIp, '10.0.0.2');
    assert.equal(r.billingMode, 'gateway');
    assert.equal(r.callerPdd, 2300);
    assert.equal(r.calleePdd, 1800);
  });

  it('accepts LF, CRLF and no line end alike', () => {
    const a = vos.parseVosLine(LINE);
    assert.deepEqual(vos.parseVosLine(`${LINE}\r\n`), a);
    assert.deepEqual(vos.parseVosLine(`${LINE}\n`), a);
    assert.deepEqual(vos.parseVosLine(Buffer.from(`${LINE}\r\n`)), a);
  });

  it('detects epoch seconds, epoch ms and wall-clock text per value', () => {
    const parts = LINE.split('|');
    parts[2] = '1700000000';
    parts[3] = '2023-11-14 22:14:25';
    const r = vos.parseVosLine(parts.join('|'));
    assert.equal(r.startTime, 1700000000000);
    assert.equal(r.stopTime, '2023-11-14 22:14:25');
    for (const none of ['', '0', '0000-00-00 00:00:00']) {
      parts[3] = none;
      assert.equal(vos.parseVosLine(parts.join('|')).stopTime, null, JSON.stringify(none));
    }
    assert.equal(vos.readVosTime('1700000000.5'), 1700000000500);
  });

  it('keeps unknown codes as numbers and text codes as sent', () => {
    const parts = LINE.split('|');
    parts[6] = '7';
    parts[16] = '-1';
    let r = vos.parseVosLine(parts.join('|'));
    assert.equal(r.endDirection, 7);
    assert.equal(r.billingMode, 'not_billed');
    parts[6] = '2';
    parts[16] = '9';
    r = vos.parseVosLine(parts.join('|'));
    assert.equal(r.endDirection, 'server');
    assert.equal(r.billingMode, 9);
    parts[5] = 'NoAnswer';
    parts[6] = '';
    r = vos.parseVosLine(parts.join('|'));
    assert.equal(r.endReason, 'NoAnswer');
    assert.equal(r.endDirection, null);
  });

  it('converts PDD given in seconds to milliseconds when configured', () => {
    const parts = LINE.split('|');
    parts[17] = '2.3';
    parts[18] = '1';
    const r = vos.parseVosLine(parts.join('|'), { pddUnit: 's' });
    assert.equal(r.callerPdd, 2300);
    assert.equal(r.calleePdd, 1000);
  });

  it('tolerates missing trailing fields and keeps extra ones as extraN', () => {
    const short = LINE.split('|').slice(0, 17).join('|');
    const r = vos.parseVosLine(short);
    assert.equal(r.billingMode, 'gateway');
    assert.equal('callerPdd' in r, false);
    const long = vos.parseVosLine(`${LINE}|abc|| 42 `);
    assert.equal(long.extra1, 'abc');
    assert.equal(long.extra2, '');
    assert.equal(long.extra3, ' 42 ');
  });

  it('follows a configured field order, known names matched case-insensitively', () => {
    const f = vos.compileVosFormat({ fields: ['starttime', 'CALLEEE164', 'callerE164', 'stoptime', 'holdtime', 'custom'] });
    assert.deepEqual(f.fields, ['startTime', 'calleeE164', 'callerE164', 'stopTime', 'holdTime', 'custom']);
    const r = f.parse('2024-01-02 03:04:05|200|100|2024-01-02 03:05:05|50|x');
    assert.deepEqual(r, { startTime: '2024-01-02 03:04:05', calleeE164: '200', callerE164: '100', stopTime: '2024-01-02 03:05:05', holdTime: 50, custom: 'x' });
  });

  it('gives a typed error for too few fields, naming the missing one', () => {
    assert.throws(() => vos.parseVosLine('8613800000001|8613900000002|1700000000000'), (e) => {
      assert.ok(e instanceof vos.VosParseError);
      assert.equal(e.code, 'too_few_fields');
      assert.match(e.message, /too few fields: 3, at least 5 needed \(stopTime is missing\)/);
      return true;
    });
    assert.throws(() => vos.parseVosLine('hello'), { code: 'too_few_fields' });
  });

  it('asks for every field of a line that may have been cut (whole), and only then', () => {
    const f = vos.compileVosFormat({ fields: ['callerE164', 'calleeE164', 'startTime', 'stopTime', 'holdTime', 'feeTime', 'fee'] });
    const short = '100|200|2024-01-02 03:04:05|2024-01-02 03:05:05|60|6';
    assert.equal(f.parse(short).feeTime, '6', 'a line with its line end may lack trailing fields');
    assert.throws(() => f.parse(short, true), { code: 'truncated', message: /6 of 7 fields, no line end \(feeTime may be cut\)/ });
    assert.equal(f.parse(`${short}|0.5`, true).fee, '0.5');
  });

  it('gives a typed error for too many fields (two lines run together)', () => {
    const two = `${LINE}${LINE}`; // the line end was lost
    assert.throws(() => vos.parseVosLine(two), { code: 'too_many_fields', message: /too many fields: 37, at most 35/ });
    assert.doesNotThrow(() => vos.parseVosLine(two, { maxExtraFields: 20 }));
  });

  it('gives a typed error for bad times, naming the field and the value', () => {
    for (const [bad, field, idx] of [['yesterday', 'startTime', 2], ['2023-02-30 10:00:00', 'stopTime', 3], ['12345', 'startTime', 2], ['99999999999999999', 'stopTime', 3], ['-5', 'startTime', 2]]) {
      const parts = LINE.split('|');
      parts[idx] = bad;
      assert.throws(() => vos.parseVosLine(parts.join('|')), (e) => {
        assert.equal(e.code, 'bad_time');
        assert.equal(e.field, field);
        assert.equal(e.value, bad);
        assert.match(e.message, new RegExp(`^${field}: `));
        return true;
      }, bad);
    }
  });

  it('gives a typed error for a bad number', () => {
    const parts = LINE.split('|');
    parts[4] = '6o';
    assert.throws(() => vos.parseVosLine(parts.join('|')), { code: 'bad_number', field: 'holdTime' });
  });

  it('refuses binary garbage and empty lines with a clear error', () => {
    assert.throws(() => vos.parseVosLine(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0xff, 0xfe])), { code: 'binary', message: /not a text line/ });
    assert.throws(() => vos.parseVosLine(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), { code: 'binary' }); // a PNG header
    // Undecodable bytes alone (GBK text read as UTF-8) do not cost the record.
    const gbk = LINE.replace('GW-IN', '\ufffd\ufffd');
    assert.equal(vos.parseVosLine(gbk).callerGatewayId, '\ufffd\ufffd');
    assert.throws(() => vos.parseVosLine('a|b\u0000|c|d|e'), { code: 'binary' });
    assert.throws(() => vos.parseVosLine('\r\n'), { code: 'empty' });
  });

  it('rejects settings that cannot work', () => {
    assert.throws(() => vos.compileVosFormat({ fields: ['a', 'A', 'a'] }), vos.VosConfigError);
    assert.throws(() => vos.compileVosFormat({ fields: ['startTime', 'starttime'] }), /appears twice/);
    assert.throws(() => vos.compileVosFormat({ fields: [] }), /empty/);
    assert.throws(() => vos.compileVosFormat({ fields: ['extra1'] }), /reserved/);
    assert.throws(() => vos.compileVosFormat({ pddUnit: 'us' }), /PDD unit/);
    assert.throws(() => vos.compileVosFormat({ separator: '' }), /separator/);
    assert.throws(() => vos.compileVosFormat({ minFields: 30 }), /minimum/);
    assert.equal(vos.compileVosFormat({ separator: ',' }).parse(LINE.replaceAll('|', ',')).calleePdd, 1800);
  });
});

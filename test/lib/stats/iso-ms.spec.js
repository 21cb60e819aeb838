'use strict';
// The digit-by-digit reader of Cdr times agrees with Date.parse on every form it
// takes, and hands every other string to Date.parse.
const assert = require('node:assert/strict');
const { isoMs } = require('../../../nodes/lib/stats/iso-ms');

describe('stats/iso-ms: Cdr times read without Date.parse', () => {
  it('agrees with Date.parse over 200 years, with 0 to 6 fraction digits', () => {
    let x = 12345;
    const rnd = () => ((x = (x * 1103515245 + 12345) % 2147483648), x / 2147483648);
    for (let i = 0; i < 20000; i++) {
      const t = Math.floor(Date.UTC(1900, 0, 1) + rnd() * 200 * 365.25 * 86400000);
      const iso = new Date(t).toISOString(); // 3 fraction digits
      const forms = [iso, iso.slice(0, 19) + 'Z', iso.slice(0, 21) + 'Z', iso.slice(0, 22) + 'Z', iso.slice(0, 23) + '4Z', iso.slice(0, 23) + '456Z'];
      for (const f of forms) assert.equal(isoMs(f), Date.parse(f), f);
    }
  });

  it('leap days, month ends and the epoch', () => {
    for (const f of ['2024-02-29T23:59:59.999Z', '2000-02-29T00:00:00Z', '1970-01-01T00:00:00.000Z', '2023-12-31T23:59:59Z', '2024-04-30T12:00:00.5Z', '1969-12-31T23:59:59.999Z']) {
      assert.equal(isoMs(f), Date.parse(f), f);
    }
  });

  it('what is not a Cdr time goes to Date.parse: other forms are read, nonsense is NaN', () => {
    for (const f of ['2024-05-01T10:00:00+02:00', '2024-05-01 10:00:00Z', '2024-05-01T10:00:00.Z', '2023-02-29T00:00:00Z', '2024-13-01T00:00:00Z', '2024-05-01T24:30:00Z', '2024-05-0xT10:00:00Z', '2024-05-01T10:00:00.12aZ', 'hello', '']) {
      assert.deepEqual(isoMs(f), Date.parse(f), f);
    }
  });
});

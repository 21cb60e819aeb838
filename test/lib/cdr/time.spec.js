'use strict';
const assert = require('node:assert/strict');
const time = require('../../../nodes/lib/cdr/time');

describe('cdr/time', () => {
  it('reads a wall-clock time in the given zone', () => {
    assert.equal(time.wallClockToIso('2022-08-22 09:34:32', 'UTC'), '2022-08-22T09:34:32.000Z');
    assert.equal(time.wallClockToIso('2022-08-22 09:34:32', 'Europe/London'), '2022-08-22T08:34:32.000Z');
    assert.equal(time.wallClockToIso('2022-08-22 09:34:32', 'Asia/Shanghai'), '2022-08-22T01:34:32.000Z');
    assert.equal(time.wallClockToIso('2022-01-22 09:34:32', 'America/New_York'), '2022-01-22T14:34:32.000Z');
    assert.equal(time.wallClockToIso('2022-08-22T09:34:32.25', 'UTC'), '2022-08-22T09:34:32.250Z');
  });

  it('puts a time in the skipped hour after the gap (spring forward)', () => {
    // Berlin 2024-03-31 02:00 CET → 03:00 CEST: 02:30 is read as 03:30 CEST.
    assert.equal(time.wallClockToIso('2024-03-31 02:30:00', 'Europe/Berlin'), '2024-03-31T01:30:00.000Z');
    assert.equal(time.wallClockToIso('2024-03-31 01:59:59', 'Europe/Berlin'), '2024-03-31T00:59:59.000Z');
    assert.equal(time.wallClockToIso('2024-03-31 03:00:00', 'Europe/Berlin'), '2024-03-31T01:00:00.000Z');
    // New York 2024-03-10 02:00 EST → 03:00 EDT.
    assert.equal(time.wallClockToIso('2024-03-10 02:30:00', 'America/New_York'), '2024-03-10T07:30:00.000Z');
  });

  it('takes the earlier instant of a repeated hour (fall back)', () => {
    // Berlin 2024-10-27 03:00 CEST → 02:00 CET: 02:30 happens twice; the first is 00:30Z.
    assert.equal(time.wallClockToIso('2024-10-27 02:30:00', 'Europe/Berlin'), '2024-10-27T00:30:00.000Z');
    assert.equal(time.wallClockToIso('2024-10-27 03:30:00', 'Europe/Berlin'), '2024-10-27T02:30:00.000Z');
    assert.equal(time.wallClockToIso('2024-11-03 01:30:00', 'America/New_York'), '2024-11-03T05:30:00.000Z');
  });

  it('handles zones with non-hour offsets and no DST', () => {
    assert.equal(time.wallClockToIso('2024-06-01 12:00:00', 'Asia/Kolkata'), '2024-06-01T06:30:00.000Z');
    assert.equal(time.wallClockToIso('2024-06-01 12:00:00', 'Asia/Kathmandu'), '2024-06-01T06:15:00.000Z');
  });

  it('gives null for empty, malformed and impossible times', () => {
    for (const bad of ['', '   ', null, undefined, '0000-00-00 00:00:00', '2023-02-30 01:00:00', '2023-13-01 00:00:00', 'yesterday', '2023-01-01 24:00:00']) {
      assert.equal(time.wallClockToIso(bad, 'UTC'), null, String(bad));
    }
  });

  it('reads exactly the texts WALL_CLOCK describes, as Date.UTC counts them (random texts near the format)', () => {
    let seed = 7;
    // The high bits of a small LCG (its low bits repeat with a short period).
    const rnd = (n) => Math.floor(((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32) * n);
    const pieces = ['2024', '1999', '0099', '12345', '-', '0', '1', '2', '29', '30', '31', '02', '13', '00', ' ', 'T', 't', ':', '59', '60', '23', '24', '.', ',', '5', '123', '123456789', '1234567890', '\u00a0', 'x', '٣'];
    const expected = (text) => {
      const m = time.WALL_CLOCK.exec(text.trim());
      if (!m) return null;
      const [y, mo, d, h, mi] = [1, 2, 3, 4, 5].map((i) => Number(m[i]));
      const sec = m[6] ? Number(m[6]) : 0;
      const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
      if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59) return null;
      const check = new Date(Date.UTC(y, mo - 1, d));
      if (check.getUTCDate() !== d || check.getUTCMonth() !== mo - 1) return null;
      return Date.UTC(y, mo - 1, d, h, mi, sec, ms);
    };
    let matched = 0;
    for (let i = 0; i < 20000; i++) {
      // Mostly well-formed times with one piece changed, and some random runs of pieces.
      const good = [pieces[rnd(3)], '-', String(1 + rnd(13)).padStart(1 + rnd(2), '0'), '-', String(rnd(33)).padStart(1 + rnd(2), '0'), [' ', 'T', 't', '_'][rnd(4)], String(rnd(25)), ':', String(rnd(61)).padStart(2, '0'), ...(rnd(3) ? [':', String(rnd(61)).padStart(2, '0'), ...(rnd(2) ? [['.', ',', ';'][rnd(3)], '1234567890'.slice(0, rnd(11))] : [])] : [])];
      if (rnd(3) === 0) good[rnd(good.length)] = pieces[rnd(pieces.length)];
      const text = rnd(5) === 0 ? Array.from({ length: 1 + rnd(8) }, () => pieces[rnd(pieces.length)]).join('') : (rnd(6) === 0 ? ' ' : '') + good.join('');
      const want = expected(text);
      if (want !== null) matched++;
      assert.equal(time.wallClockToEpochMs(text, 'UTC'), want, JSON.stringify(text));
    }
    assert.ok(matched > 2000, `enough valid times among the texts (${matched})`);
  });

  it('reads epoch values in seconds, milliseconds and microseconds', () => {
    assert.equal(time.epochToIso('1661157236', 's'), '2022-08-22T08:33:56.000Z');
    assert.equal(time.epochToIso(1661157236123, 'ms'), '2022-08-22T08:33:56.123Z');
    assert.equal(time.epochToIso('1347907323618493', 'us'), '2012-09-17T18:42:03.618Z');
    assert.equal(time.epochToIso('0', 's'), null);
    assert.equal(time.epochToIso('', 'ms'), null);
    assert.equal(time.epochToIso('abc', 'ms'), null);
  });

  it('validates zone names', () => {
    assert.equal(time.isValidTimeZone('Europe/Paris'), true);
    assert.equal(time.isValidTimeZone('Mars/Olympus'), false);
    assert.equal(time.isValidTimeZone(''), false);
    assert.equal(typeof time.hostTimeZone(), 'string');
  });

  it('isoUtc writes what toISOString writes, for every instant (and throws where it throws)', () => {
    const { rng } = require('../../support/random');
    const random = rng(3);
    const iso = (ms) => { try { return new Date(ms).toISOString(); } catch (e) { return `throws ${e.name}`; } };
    const ours = (ms) => { try { return time.isoUtc(ms); } catch (e) { return `throws ${e.name}`; } };
    const odd = [0, 1, 999, 1000, 59_999, 86_399_999, 86_400_000, -1, 1.5, 0.25, NaN, Infinity, -Infinity,
      253_402_300_799_999, 253_402_300_800_000, Date.UTC(2024, 1, 29, 23, 59, 59, 999), Date.UTC(1999, 11, 31, 23, 59, 59, 999), -62_198_755_200_000];
    for (const ms of odd) assert.equal(ours(ms), iso(ms), `ms ${ms}`);
    for (let i = 0; i < 20_000; i++) {
      // Anywhere in 0000–9999, then bursts within a few days (the cached day changing back and forth).
      const ms = i % 2 === 0 ? Math.floor(random() * 253_402_300_800_000) : 1_700_000_000_000 + Math.floor(random() * 3 * 86_400_000);
      assert.equal(ours(ms), iso(ms), `ms ${ms}`);
    }
  });
});

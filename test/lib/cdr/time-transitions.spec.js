'use strict';
// Minute by minute through the night clocks change (00:00–06:00), in zones with 1 h, 30 min and
// 45 min shifts: every wall-clock minute that exists reads back as itself, a
// repeated minute gives the earlier instant, a skipped minute lands after the gap.
const assert = require('node:assert/strict');
const time = require('../../../nodes/lib/cdr/time');

const pad = (n) => String(n).padStart(2, '0');
function readBack(ms, zone) {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' }).formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return `${p.year}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}`;
}

const DAYS = [
  ['Europe/Berlin', '2024-03-31', 60], ['Europe/Berlin', '2024-10-27', 60],
  ['America/New_York', '2024-03-10', 60], ['America/New_York', '2024-11-03', 60],
  ['Australia/Lord_Howe', '2024-04-07', 30], ['Australia/Lord_Howe', '2024-10-06', 30],
  ['Pacific/Chatham', '2024-04-07', 60], ['Pacific/Chatham', '2024-09-29', 60],
];

describe('cdr/time across clock changes, minute by minute', () => {
  for (const [zone, day, shiftMin] of DAYS) {
    it(`${zone} ${day}`, () => {
      let skipped = 0;
      let repeated = 0;
      for (let h = 0; h < 6; h++) { // every change in these zones happens between 00:00 and 06:00
        for (let m = 0; m < 60; m++) {
          const wall = `${day} ${pad(h)}:${pad(m)}`;
          const ms = time.wallClockToEpochMs(`${wall}:00`, zone);
          const back = readBack(ms, zone);
          if (back === wall) {
            if (readBack(ms - shiftMin * 60_000, zone) === wall) assert.fail(`${wall}: not the earlier of two instants`);
            if (readBack(ms + shiftMin * 60_000, zone) === wall) repeated++;
          } else {
            skipped++;
            const after = new Date(Date.parse(`${day}T${pad(h)}:${pad(m)}:00Z`) + shiftMin * 60_000).toISOString().slice(0, 16).replace('T', ' ');
            assert.equal(back, after, `${wall} skipped: read after the gap`);
          }
        }
      }
      assert.equal(skipped + repeated, shiftMin, 'one side of the change: a gap or a repeat of the shift');
    });
  }
});

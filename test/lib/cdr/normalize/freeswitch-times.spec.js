'use strict';
const assert = require('node:assert/strict');
const { deriveFsTimes, parseHoldEvents, fsTimesUs } = require('../../../../nodes/lib/cdr/normalize/freeswitch-times');

describe('cdr/normalize/freeswitch-times', () => {
  it('parses hold_events as {start,stop} µs pairs', () => {
    assert.deepEqual(parseHoldEvents('{{1347907323618493,1347907328495937},{1347907330000000,1347907331000000}}'), [
      { startUs: 1347907323618493, stopUs: 1347907328495937 },
      { startUs: 1347907330000000, stopUs: 1347907331000000 },
    ]);
    assert.deepEqual(parseHoldEvents(''), []);
  });

  it('derives ring start, PDD, ring, talk and hold as BRIEF.md defines them', () => {
    // Created 0 s, 180 at 1 s, 183 with early media at 2 s, answered at 10 s, hung up at 70 s, held 5 s + 1 s.
    const s = 1_700_000_000_000_000;
    const t = fsTimesUs({ created_time: `${s}`, progress_time: `${s + 1e6}`, progress_media_time: `${s + 2e6}`, answered_time: `${s + 10e6}`, hangup_time: `${s + 70e6}` });
    const d = deriveFsTimes(t, [{ startUs: s + 20e6, stopUs: s + 25e6 }, { startUs: s + 30e6, stopUs: s + 31e6 }]);
    assert.deepEqual(d, { ringStartUs: s + 2e6, earlyMedia: true, pddSec: 2, ringSec: 8, talkSec: 60, holdSec: 6 });
  });

  it('rings until hangup on an unanswered call; no ring figures when it never rang', () => {
    const s = 1_700_000_000_000_000;
    const rang = deriveFsTimes(fsTimesUs({ created_time: `${s}`, progress_time: `${s + 500000}`, progress_media_time: '0', answered_time: '0', hangup_time: `${s + 30e6}` }), []);
    assert.deepEqual(rang, { ringStartUs: s + 500000, earlyMedia: false, pddSec: 0.5, ringSec: 29.5, talkSec: 0, holdSec: 0 });
    const never = deriveFsTimes(fsTimesUs({ created_time: `${s}`, hangup_time: `${s + 1e6}` }), []);
    assert.deepEqual(never, { ringStartUs: 0, earlyMedia: false, talkSec: 0, holdSec: 0 });
  });
});

'use strict';
// FreeSWITCH: talk time to the microsecond, and the answer FreeSWITCH billed
// from when an old version's answer_uepoch disagrees with the rest.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { mapFreeswitch } = require('../../../../nodes/lib/cdr/normalize/freeswitch');
const { buildCall } = require('../../../../nodes/lib/cdr/call');
const { calc } = require('../../../../nodes/lib/cdr/calc');
const { parseJsonCdr } = require('../../../../nodes/lib/formats/freeswitch');
const { samplePath } = require('../../../support/samples');

const record = () => parseJsonCdr(fs.readFileSync(samplePath('freeswitch', 'answered-bridged-with-hold.cdr.json'), 'utf8'));
const UTC = { timeZone: 'UTC' };
// The sample: answered_time 1515666347954373, hangup 1515666415494269, billsec 68, billusec 67539896.
const ANSWER = '2018-01-11T10:25:47.954Z';

describe('cdr/normalize/freeswitch billed figures', () => {
  it('talk = hangup − answer to the microsecond, billSec the billed whole seconds', () => {
    const leg = mapFreeswitch(record(), UTC).legs[0];
    const m = calc(leg).metrics;
    assert.equal(leg.billSec, 68);
    assert.equal(m.talkSec, 67.539896);
    assert.equal(m.ringSec, 3.360106);
    assert.equal(m.pddSec, 0.059912);
    const call = calc(buildCall([leg]));
    assert.deepEqual([call.billSec, call.durationSec, call.metrics.talkSec], [68, 71, 67.539896]);
  });

  it('an answer_uepoch that disagrees with the callflow, answer_stamp, billsec and billusec is not what was billed', () => {
    const r = record();
    r.variables.answer_uepoch = '1515666344594267'; // = progress, as an old version may write it
    r.variables.answer_epoch = '1515666344';
    const leg = mapFreeswitch(r, UTC).legs[0];
    assert.equal(leg.answerTime, ANSWER);
    assert.equal(calc(leg).metrics.talkSec, 67.539896);
  });

  it('without callflow times, the answer billusec points to wins over a wrong answer_uepoch', () => {
    const r = record();
    delete r.callflow;
    r.variables.answer_uepoch = '1515666344594267';
    r.variables.answer_epoch = '1515666344';
    r.variables.answer_stamp = '2018-01-11 10:25:44';
    const leg = mapFreeswitch(r, UTC).legs[0];
    assert.equal(leg.answerTime, ANSWER, 'end_uepoch − billusec');
    assert.equal(leg.billSec, 68);
    assert.equal(calc(leg).metrics.talkSec, 67.539896);
  });
});

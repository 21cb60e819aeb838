'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { samplePath } = require('../../../support/samples');
const { parseJsonCdr, FsFormatError } = require('../../../../nodes/lib/formats/freeswitch');

const sample = fs.readFileSync(path.join(samplePath('freeswitch'), 'answered-bridged-with-hold.cdr.json'), 'utf8');

describe('formats/freeswitch/json', () => {
  it('reads the CGRateS sample (values written plain: encode-values off)', () => {
    const r = parseJsonCdr(sample);
    assert.equal(r.switchname, 'FSDev1');
    assert.equal(r.variables.uuid, '3da8bf84-c133-4959-9e24-e72875cb33a1');
    // Plain values are kept as they are: '@' and CRLF in them prove they were not encoded.
    assert.equal(r.variables.sip_from_uri, '1001@10.10.10.204');
    assert.equal(r.variables.hold_events, '{{1515666348363496,1515666415502648}}');
    assert.equal(r.variables.caller_id, '"1001" <1001>');
    assert.equal(r.callflow.length, 2);
    assert.equal(r.callflow[0].profile_index, '2');
    assert.equal(r.callflow[0].times.answered_time, '1515666347954373');
    assert.equal(r.callflow[0].caller_profile.originatee.originatee_caller_profiles[0].uuid, 'f52c26f1-b018-4963-bf6d-a3111d1a0320');
    // callStats stay numbers, as mod_json_cdr writes them.
    assert.equal(r.callStats.audio.inbound.mos, 4.5);
    assert.equal(r.app_log.applications.length, 4);
  });

  it('URL-decodes values written with encode-values on, keeping a bare + as a plus', () => {
    const doc = {
      variables: {
        uuid: 'u1',
        caller_id: '%221001%22%20%3C1001%3E',
        destination_number: '+34600111222',
        start_stamp: '2018-01-11%2011%3A25%3A44',
        note: 'a%2Bb',
        broken: '100%',
      },
      callflow: [{ caller_profile: { uuid: 'u1' }, times: { created_time: '1' } }],
    };
    const r = parseJsonCdr(JSON.stringify(doc));
    assert.equal(r.variables.caller_id, '"1001" <1001>');
    assert.equal(r.variables.destination_number, '+34600111222');
    assert.equal(r.variables.start_stamp, '2018-01-11 11:25:44');
    assert.equal(r.variables.note, 'a+b');
    assert.equal(r.variables.broken, '100%');
    // Forced off: left alone.
    assert.equal(parseJsonCdr(JSON.stringify(doc), { encodedValues: false }).variables.note, 'a%2Bb');
  });

  it('accepts a single callflow object (older builds) and turns non-string variables into text', () => {
    const r = parseJsonCdr('{"variables":{"uuid":"u","billsec":12},"callflow":{"caller_profile":{},"times":{"created_time":1}}}');
    assert.equal(r.callflow.length, 1);
    assert.equal(r.callflow[0].times.created_time, '1');
    assert.equal(r.variables.billsec, '12');
  });

  it('rejects what is not a FreeSWITCH CDR', () => {
    for (const text of ['', '{"variables":', '[1,2]', '"x"', '{"event":"CHANNEL_HANGUP"}', 'null']) {
      assert.throws(() => parseJsonCdr(text), FsFormatError, JSON.stringify(text));
    }
  });
});

'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { samplePath } = require('../../../support/samples');
const { parseXmlCdr, FsFormatError } = require('../../../../nodes/lib/formats/freeswitch');

const SAMPLES = samplePath('freeswitch');
const sample = fs.readFileSync(path.join(SAMPLES, 'a_80183ec8-d424-11e3-8fb2-65b6c3cdac7d.cdr.xml'), 'utf8');

describe('formats/freeswitch/xml', () => {
  it('reads the documentation sample (unanswered inbound A-leg, 2014)', () => {
    const r = parseXmlCdr(sample);
    assert.equal(r['core-uuid'], 'b658d05e-c42c-11e3-bdcd-65b6c3cdac7d');
    assert.deepEqual(r.channel_data, {
      state: 'CS_REPORTING', direction: 'inbound', state_number: '11', flags: '0=1;37=1;39=1;73=1', caps: '1=1;2=1;3=1;4=1;5=1;6=1',
    });
    // <variables> are URL-decoded: %40 → @, %20 → space, %3A → :, %2B → + .
    assert.equal(r.variables.uuid, '80183ec8-d424-11e3-8fb2-65b6c3cdac7d');
    assert.equal(r.variables.sip_from_uri, '8009@XX.XX.XXX.XXX');
    assert.equal(r.variables.start_stamp, '2014-05-05 07:11:38');
    assert.equal(r.variables.RFC2822_DATE, 'Mon, 05 May 2014 07:11:38 +0000');
    assert.equal(r.variables.caller_id, '"8009" <8009>');
    assert.equal(r.variables.endpoint_disposition, 'DELAYED NEGOTIATION');
    assert.equal(r.variables.switch_r_sdp.split('\r\n')[0], 'v=0');
    assert.equal(r.variables.sip_hangup_disposition, 'send_refuse');
    // app_log: attributes as fields, in order.
    assert.deepEqual(r.app_log.applications, [
      { app_name: 'set', app_data: 'outside_call=true', app_stamp: '1399273898425694' },
      { app_name: 'export', app_data: 'RFC2822_DATE=Mon, 05 May 2014 07:11:38 +0000', app_stamp: '1399273898426099' },
    ]);
    // One callflow, as an array like mod_json_cdr's; attributes become fields.
    assert.equal(r.callflow.length, 1);
    const cf = r.callflow[0];
    assert.equal(cf.dialplan, 'XML');
    assert.equal(cf['unique-id'], '801853d6-d424-11e3-8fb3-65b6c3cdac7d');
    assert.equal(cf.profile_index, '1');
    assert.equal(cf.extension.name, 'outside_call');
    assert.equal(cf.extension.applications.length, 2);
    assert.equal(cf.extension.applications[1].app_data, 'RFC2822_DATE=${strftime(%a, %d %b %Y %T %z)}');
    assert.equal(cf.caller_profile.destination_number, '003468888646444');
    assert.equal(cf.caller_profile.callee_id_name, '');
    assert.equal(cf.caller_profile.chan_name, 'sofia/external/8009@XX.XX.XXX.XXX');
    assert.equal(cf.times.created_time, '1399273898421766');
    assert.equal(cf.times.answered_time, '0');
    assert.equal(cf.times.hangup_time, '1399273898421766');
  });

  const bridged = `<?xml version="1.0"?>
<cdr core-uuid="c0" switchname="fs1">
  <call-stats><audio><inbound><mos>4.10</mos></inbound></audio></call-stats>
  <variables><uuid>bbb</uuid><originating_leg_uuid>aaa</originating_leg_uuid><hold_events>%7B%7B1%2C2%7D%7D</hold_events><plus>+34%2B1</plus><application>not-an-array</application></variables>
  <app_log/>
  <hold-record><hold on="1000" off="2000" bridged-to="aaa"/><hold on="3000" off="4500" bridged-to="aaa"/></hold-record>
  <callflow dialplan="XML" profile_index="2"><caller_profile><uuid>bbb</uuid>
    <originator><originator_caller_profile type="originator"><uuid>aaa</uuid><caller_id_number>1001</caller_id_number></originator_caller_profile></originator>
  </caller_profile><times><created_time>5</created_time></times></callflow>
  <callflow dialplan="XML" profile_index="1"><caller_profile><uuid>bbb</uuid>
    <originatee><originatee_caller_profile type="originatee"><uuid>x1</uuid></originatee_caller_profile><originatee_caller_profile type="originatee"><uuid>x2</uuid></originatee_caller_profile></originatee>
  </caller_profile><times><created_time>4</created_time></times></callflow>
</cdr>`;

  it('reads originator/originatee profiles, several callflows, hold-record and call-stats', () => {
    const r = parseXmlCdr(bridged);
    assert.equal(r.switchname, 'fs1');
    assert.deepEqual(r['call-stats'], { audio: { inbound: { mos: '4.10' } } });
    assert.equal(r.variables.hold_events, '{{1,2}}');
    // A bare + is a plus (FreeSWITCH writes %2B for one); never a space.
    assert.equal(r.variables.plus, '+34+1');
    // A variable that happens to share a repeated element's name stays a string.
    assert.equal(r.variables.application, 'not-an-array');
    assert.deepEqual(r.app_log, { applications: [] });
    assert.deepEqual(r['hold-record'].hold, [
      { on: '1000', off: '2000', 'bridged-to': 'aaa' },
      { on: '3000', off: '4500', 'bridged-to': 'aaa' },
    ]);
    assert.equal(r.callflow.length, 2);
    assert.deepEqual(r.callflow[0].caller_profile.originator.originator_caller_profiles, [
      { type: 'originator', uuid: 'aaa', caller_id_number: '1001' },
    ]);
    assert.deepEqual(r.callflow[1].caller_profile.originatee.originatee_caller_profiles.map((p) => p.uuid), ['x1', 'x2']);
  });

  it('rejects what is not a FreeSWITCH CDR with a typed error', () => {
    const bad = [
      ['truncated', sample.slice(0, sample.length / 2)],
      ['garbage', '\u0000\u0001binary\u00ff'],
      ['another root', '<?xml version="1.0"?><event><uuid>1</uuid></event>'],
      ['empty cdr', '<cdr></cdr>'],
      ['json', '{"variables":{}}'],
    ];
    for (const [what, text] of bad) {
      assert.throws(() => parseXmlCdr(text), FsFormatError, what);
    }
  });
});

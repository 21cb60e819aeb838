'use strict';
const assert = require('node:assert/strict');
const { fsDisposition, fsHangupBy } = require('../../../../nodes/lib/cdr/normalize/freeswitch-disposition');

describe('cdr/normalize/freeswitch-disposition', () => {
  it('answered wins over any cause; otherwise the cause decides', () => {
    assert.equal(fsDisposition(true, 'USER_BUSY'), 'answered');
    assert.equal(fsDisposition(false, 'USER_BUSY'), 'busy');
    assert.equal(fsDisposition(false, 'CALL_REJECTED'), 'busy');
    assert.equal(fsDisposition(false, 'NO_ANSWER'), 'no_answer');
    assert.equal(fsDisposition(false, 'ORIGINATOR_CANCEL'), 'no_answer');
    assert.equal(fsDisposition(false, 'NORMAL_CLEARING'), 'no_answer');
    assert.equal(fsDisposition(false, ''), 'no_answer');
    assert.equal(fsDisposition(false, 'NORMAL_CIRCUIT_CONGESTION'), 'congestion');
    assert.equal(fsDisposition(false, 'UNALLOCATED_NUMBER'), 'failed');
    assert.equal(fsDisposition(false, 'INCOMPATIBLE_DESTINATION'), 'failed');
    assert.equal(fsDisposition(false, 'normal_clearing'), 'no_answer');
  });

  it('reads sip_hangup_disposition from the leg it is on', () => {
    // A-leg: the caller's own BYE / CANCEL
    assert.equal(fsHangupBy('recv_bye', 'a', true), 'caller');
    assert.equal(fsHangupBy('recv_cancel', 'a', false), 'caller');
    // A-leg: FreeSWITCH sent BYE to the caller because the callee hung up …
    assert.equal(fsHangupBy('send_bye', 'a', true), 'callee');
    // … or because the dialplan ended an unbridged call.
    assert.equal(fsHangupBy('send_bye', 'a', false), 'system');
    // B-leg: the callee's own BYE or refusal, or FreeSWITCH passing on the caller's.
    assert.equal(fsHangupBy('recv_bye', 'b', true), 'callee');
    assert.equal(fsHangupBy('recv_refuse', 'b', false), 'callee');
    assert.equal(fsHangupBy('send_bye', 'b', true), 'caller');
    assert.equal(fsHangupBy('send_cancel', 'b', false), 'caller');
    assert.equal(fsHangupBy('send_refuse', 'a', false), 'system');
    assert.equal(fsHangupBy(undefined, 'a', true), undefined);
    assert.equal(fsHangupBy('something_new', 'a', true), undefined);
  });
});

'use strict';
const assert = require('node:assert/strict');
const { fsLegInfo, arrayUuids } = require('../../../../nodes/lib/cdr/normalize/freeswitch-legs');

describe('cdr/normalize/freeswitch-legs', () => {
  it('reads uuids out of FreeSWITCH ARRAY:: variables', () => {
    assert.deepEqual(arrayUuids('ARRAY::f52c;Outbound Call;1002|:f52c;Outbound Call;1002'), ['f52c', 'f52c']);
    assert.deepEqual(arrayUuids('u1;NONE'), ['u1']);
    assert.deepEqual(arrayUuids(undefined), []);
  });

  it('names a B-leg by each of its markers, the A-leg uuid being the call', () => {
    for (const vars of [{ ent_originate_aleg_uuid: 'A' }, { originating_leg_uuid: 'A' }, { originator: 'A' }]) {
      assert.deepEqual(fsLegInfo('B', vars, {}), { leg: 'b', aLegUuid: 'A', otherLegUuid: 'A' }, JSON.stringify(vars));
    }
    const profile = { originator: { originator_caller_profiles: [{ uuid: 'A' }] } };
    assert.equal(fsLegInfo('B', {}, profile).aLegUuid, 'A');
  });

  it('keeps a loopback channel that both was originated and originates as a B-leg', () => {
    const info = fsLegInfo('L', { originator: 'A', originate_disposition: 'SUCCESS', bridge_uuid: 'C' }, {});
    assert.equal(info.leg, 'b');
    assert.equal(info.aLegUuid, 'A');
  });

  it('finds an A-leg peer through bridge_uuid, signal_bond, last_bridge_to or originated_legs', () => {
    assert.equal(fsLegInfo('A', { bridge_uuid: 'B1' }, {}).otherLegUuid, 'B1');
    assert.equal(fsLegInfo('A', { signal_bond: 'B2' }, {}).otherLegUuid, 'B2');
    assert.equal(fsLegInfo('A', { last_bridge_to: 'B3' }, {}).otherLegUuid, 'B3');
    const info = fsLegInfo('A', { originated_legs: 'ARRAY::B4;x;1|:B5;y;2', originate_causes: 'ARRAY::B4;NONE' }, {});
    assert.deepEqual(info, { leg: 'a', aLegUuid: 'A', otherLegUuid: 'B4', originatedLegs: ['B4', 'B5'] });
    // A lone leg: an A-leg with no peer.
    assert.deepEqual(fsLegInfo('A', {}, {}), { leg: 'a', aLegUuid: 'A' });
  });
});

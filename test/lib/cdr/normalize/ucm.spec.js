'use strict';
const assert = require('node:assert/strict');
const { mapUcm } = require('../../../../nodes/lib/cdr/normalize/ucm');
const { MapError } = require('../../../../nodes/lib/cdr/normalize/types');
const { assertValidCdr } = require('../../../support/cdr-schema');
const { ucmRecords, ucmLegs } = require('../../../support/ucm-samples');

const UTC = { timeZone: 'UTC' };
const byAcct = (acct) => structuredClone(ucmLegs().find((l) => l.AcctId === acct));

describe('cdr/normalize/ucm', () => {
  for (const timeZone of ['UTC', 'Europe/London', 'Asia/Shanghai', 'America/New_York']) {
    it(`maps every sample record to schema-valid Cdrs (${timeZone})`, () => {
      let legs = 0;
      let calls = 0;
      for (const record of ucmRecords()) {
        const out = mapUcm(record, { timeZone });
        for (const leg of out.legs) assertValidCdr(leg);
        legs += out.legs.length;
        if (out.call) {
          assertValidCdr(out.call);
          assert.equal(out.call.kind, 'call');
          assert.equal(out.call.legs.length, out.legs.length);
          calls++;
        }
      }
      assert.equal(legs, ucmLegs().length);
      assert.equal(calls, ucmRecords().filter((r) => r.main_cdr).length);
    });
  }

  it('reads the local wall-clock times in the configured zone', () => {
    const leg = byAcct('71080'); // start 11:37:39, answer 11:37:53, end 11:39:54
    const utc = mapUcm(leg, UTC).legs[0];
    assert.deepEqual([utc.startTime, utc.answerTime, utc.endTime], ['2022-08-22T11:37:39.000Z', '2022-08-22T11:37:53.000Z', '2022-08-22T11:39:54.000Z']);
    const london = mapUcm(leg, { timeZone: 'Europe/London' }).legs[0]; // BST, UTC+1
    assert.deepEqual([london.startTime, london.answerTime, london.endTime], ['2022-08-22T10:37:39.000Z', '2022-08-22T10:37:53.000Z', '2022-08-22T10:39:54.000Z']);
    const shanghai = mapUcm(leg, { timeZone: 'Asia/Shanghai' }).legs[0]; // UTC+8
    assert.equal(shanghai.startTime, '2022-08-22T03:37:39.000Z');
    assert.equal(shanghai.durationSec, 134);
    assert.equal(shanghai.billSec, 120);
  });

  it('maps an outbound leg field by field', () => {
    const cdr = mapUcm(byAcct('71080'), UTC).legs[0];
    assert.equal(cdr.kind, 'leg');
    assert.equal(cdr.vendor, 'ucm');
    assert.equal(cdr.callId, '1661164659439897-203');
    assert.deepEqual(cdr.caller, { number: '203', name: 'Example Ltd' });
    assert.deepEqual(cdr.callee, { number: '07700900103' });
    assert.equal(cdr.dialed, undefined);
    assert.equal(cdr.disposition, 'answered');
    assert.equal(cdr.direction, 'outbound');
    assert.deepEqual(cdr.trunk, { out: 'CarrierA' });
    assert.equal(cdr.userField, 'Outbound');
    assert.deepEqual(cdr.recordings, ['2022-08/auto-1661164659-203-07700900103.wav']);
    assert.equal(cdr.extra.lastapp, 'Dial');
    assert.equal(cdr.extra.uniqueid, '1661164659.2725');
    assert.equal(cdr.extra.AcctId, '71080');
    assert.equal(cdr.extra.src, undefined, 'mapped fields are not repeated in extra');
    assert.equal('recordfiles_desc' in cdr.extra, true);
    assert.equal(cdr.extra.dstchanext, undefined, 'empty values are left out');
    assert.equal('dstchanext' in cdr.extra, false);
  });

  it('gives an unanswered leg no answer time, though the UCM fills `answer` with the end', () => {
    const cdr = mapUcm(byAcct('71054'), UTC).legs[0];
    assert.equal(cdr.disposition, 'no_answer');
    assert.equal(cdr.answerTime, null);
    assert.equal(cdr.billSec, 0);
    assert.equal(cdr.durationSec, 14);
    assert.deepEqual(cdr.callee, { number: '200' });
    assert.equal(mapUcm(byAcct('71059'), UTC).legs[0].disposition, 'busy');
    assert.equal(mapUcm({ ...byAcct('71059'), disposition: 'FAILED' }, UTC).legs[0].disposition, 'failed');
    assert.equal(mapUcm({ ...byAcct('71059'), disposition: 'congestion' }, UTC).legs[0].disposition, 'congestion');
  });

  it('takes the direction from userfield, else from trunks and extension patterns', () => {
    const dir = (r, vendor) => mapUcm(r, { timeZone: 'UTC', vendor }).legs[0].direction;
    assert.equal(dir(byAcct('71052')), 'inbound');
    assert.equal(dir(byAcct('71081')), 'internal');
    assert.equal(dir({ ...byAcct('71052'), userfield: '' }), 'inbound', 'src_trunk_name');
    assert.equal(dir({ ...byAcct('71052'), userfield: '', src_trunk_name: '' }), 'inbound', 'channel_ext trunk_2');
    assert.equal(dir({ ...byAcct('71080'), userfield: 'EXT' }), 'outbound', 'dst_trunk_name');
    assert.equal(dir({ ...byAcct('71081'), userfield: '' }), 'internal', 'both extensions');
    assert.equal(dir({ ...byAcct('71081'), userfield: '', src: '+4420700900', dst: '231' }), 'unknown');
    assert.equal(dir({ ...byAcct('71081'), userfield: '', src: '1221', dst: '1231' }, { extensionPattern: '^1\\d{3}$' }), 'internal');
    assert.equal(dir({ ...byAcct('71081'), userfield: '' }, { extensionPattern: '^1\\d{3}$' }), 'unknown');
    assert.throws(() => dir(byAcct('71081'), { extensionPattern: '(' }), MapError);
  });

  it('gives the same id when the same record is sent again, and different ids to different records', () => {
    const ids = ucmLegs().map((l) => mapUcm(structuredClone(l), UTC).legs[0].id);
    assert.equal(new Set(ids).size, ids.length);
    const again = ucmLegs().map((l) => mapUcm(JSON.parse(JSON.stringify(l)), { timeZone: 'Asia/Tokyo' }).legs[0].id);
    assert.deepEqual(again, ids, 'ids do not depend on the zone setting or object identity');
    // Without AcctId (real-time output may not carry the database row id): a hash of the identifying fields.
    const noAcct = ucmLegs().map((l) => mapUcm({ ...l, AcctId: '' }, UTC).legs[0].id);
    assert.equal(new Set(noAcct).size, noAcct.length);
    assert.deepEqual(ucmLegs().map((l) => mapUcm({ ...l, AcctId: '' }, UTC).legs[0].id), noAcct);
    assert.notEqual(mapUcm({ ...byAcct('71054'), AcctId: '' }, UTC).legs[0].id, mapUcm({ ...byAcct('71054'), AcctId: '', end: '2022-08-22 10:16:02' }, UTC).legs[0].id);
    const calls = ucmRecords().filter((r) => r.main_cdr).map((r) => mapUcm(r, UTC).call.id);
    assert.deepEqual(ucmRecords().filter((r) => r.main_cdr).map((r) => mapUcm(structuredClone(r), UTC).call.id), calls);
    assert.equal(new Set(calls).size, calls.length);
  });

  it('makes a group one call built from its legs, with the main_cdr counts but not its hand-edited times', () => {
    const group = ucmRecords()[0]; // parked, then picked up: legs 71047, 71048
    const { legs, call } = mapUcm(group, UTC);
    assert.deepEqual(legs.map((l) => l.extra.AcctId), ['71047', '71048']);
    assert.equal(call.callId, '1661157236570719-07700900100', 'the session of the first leg');
    assert.equal(call.startTime, '2022-08-22T09:34:32.000Z', 'first leg start, not main_cdr 09:33:56');
    assert.equal(call.answerTime, '2022-08-22T09:34:32.000Z');
    assert.equal(call.endTime, '2022-08-22T09:35:38.000Z');
    // main_cdr's own counts (35 + 30 s), not 09:34:32 → 09:35:38 read from truncated timestamps (66).
    assert.equal(call.durationSec, 65);
    assert.equal(call.billSec, 65, 'what the UCM billed');
    assert.equal(call.disposition, 'answered');
    assert.equal(call.direction, 'inbound');
    assert.deepEqual(call.caller, { number: '07700900100' });
    assert.deepEqual(call.trunk, { in: 'CarrierA' });
    assert.deepEqual(call.recordings, ['2022-08/auto-1661157307-07700900100-203.wav']);
    assert.equal(call.extra.legCount, 2);
    assert.equal(call.extra.main_cdr.start, '2022-08-22 09:33:56');
  });

  it('makes an unanswered ring group a no_answer call and an answered one answered by who took it', () => {
    const legs = ucmLegs().filter((l) => l.session === '1661180306559734-07700900105');
    const group = { cdr: '', main_cdr: {} };
    legs.reverse().forEach((l, i) => { group[`sub_cdr_${i + 1}`] = l; }); // out of order on purpose
    const { call } = mapUcm(group, UTC);
    assert.equal(call.legs[0].extra.AcctId, '71096');
    assert.equal(call.disposition, 'answered');
    assert.equal(call.extra.answeredBy, '230');
    assert.equal(call.callee.number, '01632960101');
    assert.equal(call.billSec, 595, 'the ring-group leg answered with no talk time adds nothing');
    const unanswered = { main_cdr: {}, sub_cdr_1: byAcct('71054'), sub_cdr_2: byAcct('71055'), sub_cdr_3: byAcct('71059') };
    const c2 = mapUcm(unanswered, UTC).call;
    assert.equal(c2.disposition, 'no_answer');
    assert.equal(c2.answerTime, null);
    assert.equal(c2.billSec, 0);
    assertValidCdr(c2);
  });

  it('accepts sub_cdr as an array, empty sub_cdr and a group holding only main_cdr', () => {
    const g = { cdr: '', main_cdr: {}, sub_cdr_1: [byAcct('71047'), byAcct('71048')], sub_cdr_2: [], sub_cdr_3: '' };
    assert.equal(mapUcm(g, UTC).legs.length, 2);
    const mainOnly = mapUcm({ cdr: '', main_cdr: byAcct('71080') }, UTC);
    assert.equal(mainOnly.legs.length, 1);
    assertValidCdr(mainOnly.call);
    assert.throws(() => mapUcm({ main_cdr: '' }, UTC), (e) => e instanceof MapError && e.field === 'main_cdr');
    assert.throws(() => mapUcm({ main_cdr: {}, sub_cdr_1: 42 }, UTC), (e) => e instanceof MapError && e.field === 'sub_cdr_1');
  });

  it('rejects what cannot be mapped with a MapError naming the field', () => {
    const bad = [
      [{ ...byAcct('71080'), start: '' }, 'start'],
      [{ ...byAcct('71080'), start: 'yesterday' }, 'start'],
      [{ ...byAcct('71080'), end: 'soon' }, 'end'],
      [{ ...byAcct('71080'), end: '2022-08-22 11:00:00', duration: '' }, 'end'],
      [{ ...byAcct('71080'), disposition: 'MAYBE' }, 'disposition'],
      [{ ...byAcct('71080'), duration: 'ten' }, 'duration'],
      [{ ...byAcct('71080'), billsec: '-4' }, 'billsec'],
      [{}, 'start'],
    ];
    for (const [record, field] of bad) {
      assert.throws(() => mapUcm(record, UTC), (e) => e instanceof MapError && e.field === field && e.message.length > 10, field);
    }
  });

  it('fills a missing end from start + duration and a missing answer from end − billsec', () => {
    const cdr = mapUcm({ ...byAcct('71080'), end: '', answer: '' }, UTC).legs[0];
    assert.equal(cdr.endTime, '2022-08-22T11:39:53.000Z');
    assert.equal(cdr.answerTime, '2022-08-22T11:37:53.000Z');
  });

  it('keeps numbers that an XML parser turned into numbers', () => {
    const r = { ...byAcct('71080'), duration: 134, billsec: 120, AcctId: 71080 };
    const cdr = mapUcm(r, UTC).legs[0];
    assert.equal(cdr.billSec, 120);
    assert.equal(cdr.id, mapUcm(byAcct('71080'), UTC).legs[0].id);
  });

  it('reads a leg of any prototype by its own fields only: a class instance, a null-prototype record, inherited values ignored', () => {
    const leg = byAcct('71080');
    const expected = mapUcm(leg, UTC).legs[0];
    const bare = Object.assign(Object.create(null), leg);
    assert.deepStrictEqual(mapUcm(bare, UTC).legs[0], expected);
    const inherited = { dstanswer: '9999', accountcode: 'inherited', userfield: 'outbound', recordfiles: 'x.wav' };
    class Wire {}
    Object.assign(Wire.prototype, inherited);
    const instance = Object.assign(new Wire(), leg);
    const plain = { ...leg };
    for (const k of Object.keys(inherited)) {
      delete instance[k];
      delete plain[k];
    }
    const out = mapUcm(instance, UTC).legs[0];
    assert.deepStrictEqual(out, mapUcm(plain, UTC).legs[0]);
    assert.equal(out.accountCode, undefined);
    assert.equal(out.recordings, undefined);
  });

  describe('across clock changes', () => {
    const leg = (start, answer, end, duration, billsec) => ({ ...byAcct('71080'), start, answer, end, duration: String(duration), billsec: String(billsec) });
    it('spring forward (Berlin 2024-03-31 02:00 → 03:00): a 20 s call over the gap lasts 20 s', () => {
      const cdr = mapUcm(leg('2024-03-31 01:59:50', '2024-03-31 01:59:55', '2024-03-31 03:00:10', 20, 15), { timeZone: 'Europe/Berlin' }).legs[0];
      assert.deepEqual([cdr.startTime, cdr.answerTime, cdr.endTime], ['2024-03-31T00:59:50.000Z', '2024-03-31T00:59:55.000Z', '2024-03-31T01:00:10.000Z']);
      assertValidCdr(cdr);
    });
    it('fall back (Berlin 2024-10-27 03:00 → 02:00): end in the repeated hour is placed after start', () => {
      const cdr = mapUcm(leg('2024-10-27 02:59:50', '2024-10-27 02:59:55', '2024-10-27 02:00:10', 20, 15), { timeZone: 'Europe/Berlin' }).legs[0];
      assert.deepEqual([cdr.startTime, cdr.answerTime, cdr.endTime], ['2024-10-27T00:59:50.000Z', '2024-10-27T00:59:55.000Z', '2024-10-27T01:00:10.000Z']);
      assertValidCdr(cdr);
    });
    it('fall back: a start in the second pass of the repeated hour is found from the duration', () => {
      const cdr = mapUcm(leg('2024-10-27 02:10:00', '2024-10-27 02:10:05', '2024-10-27 03:10:00', 3600, 3595), { timeZone: 'Europe/Berlin' }).legs[0];
      assert.deepEqual([cdr.startTime, cdr.answerTime, cdr.endTime], ['2024-10-27T01:10:00.000Z', '2024-10-27T01:10:05.000Z', '2024-10-27T02:10:00.000Z']);
    });
    it('New York fall back (2024-11-03 02:00 → 01:00)', () => {
      const cdr = mapUcm(leg('2024-11-03 01:59:30', '2024-11-03 01:59:40', '2024-11-03 01:00:30', 60, 50), { timeZone: 'America/New_York' }).legs[0];
      assert.deepEqual([cdr.startTime, cdr.endTime], ['2024-11-03T05:59:30.000Z', '2024-11-03T06:00:30.000Z']);
      assert.equal(cdr.answerTime, '2024-11-03T05:59:40.000Z');
    });
  });
});

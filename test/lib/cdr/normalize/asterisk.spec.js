'use strict';
const assert = require('node:assert/strict');
const ami = require('../../../../nodes/lib/formats/ami');
const { mapAsterisk, directionOf, compileDirectionRules } = require('../../../../nodes/lib/cdr/normalize/asterisk');
const { wallClockToIso } = require('../../../../nodes/lib/cdr/time');
const fs = require('node:fs');
const { DIR, sample, masterCsv } = require('../../../support/asterisk-samples');

function captureRecords(name = 'ami-cdr-only-session-part1.txt') {
  return new ami.AmiFramer().push(sample(name))
    .filter((f) => f.kind === 'message' && ami.eventName(f.message) === 'Cdr')
    .map((f) => ami.cdrRecord(f.message));
}
const UTC = { timeZone: 'UTC' };
const leg = (rec, opts = UTC) => mapAsterisk(rec, opts).legs[0];

describe('cdr/normalize/asterisk', () => {
  const recs = captureRecords();
  const rows = masterCsv();
  const DISP = { 'ANSWERED': 'answered', 'NO ANSWER': 'no_answer', 'BUSY': 'busy', 'FAILED': 'failed', 'CONGESTION': 'congestion' };

  it('normalized times, durations and dispositions equal the cdr_csv rows', () => {
    assert.equal(recs.length, rows.length);
    recs.forEach((r, i) => {
      const l = leg(r);
      const c = rows[i];
      const m = `row ${i}`;
      assert.equal(l.startTime, wallClockToIso(c.start, 'UTC'), m);
      assert.equal(l.answerTime, c.answer === null ? null : wallClockToIso(c.answer, 'UTC'), m);
      assert.equal(l.endTime, wallClockToIso(c.end, 'UTC'), m);
      assert.equal(l.durationSec, Number(c.duration), m);
      assert.equal(l.billSec, Number(c.billsec), m);
      assert.equal(l.disposition, DISP[c.disposition], m);
      assert.equal(l.extra.Disposition, c.disposition, m);
      assert.equal(l.callee.number, c.dst, m);
      assert.equal(l.extra.UniqueID, c.uniqueid, m);
      assert.equal(l.accountCode, c.accountcode || undefined, m);
      assert.equal(l.userField, c.userfield || undefined, m);
    });
    // Every Asterisk disposition occurs in the capture, CONGESTION among them.
    assert.deepEqual(new Set(recs.map((r) => leg(r).disposition)), new Set(Object.values(DISP)));
  });

  it('reads the PBX wall clock in the configured zone', () => {
    const l = leg(recs[0], { timeZone: 'Europe/Berlin' });
    assert.equal(recs[0].StartTime, '2026-11-22 11:56:40');
    assert.equal(l.startTime, '2026-11-22T10:56:40.000Z');
  });

  it('gives every record of the capture its own id although UniqueIDs repeat, and the same id when resent', () => {
    const uids = recs.map((r) => r.UniqueID);
    assert.ok(new Set(uids).size < uids.length, 'the capture has repeated UniqueIDs');
    const ids = recs.map((r) => leg(r).id);
    assert.equal(new Set(ids).size, recs.length);
    assert.deepEqual(captureRecords().map((r) => leg(r).id), ids);
    for (const id of ids) assert.match(id, /^asterisk:[0-9a-f]{32}$/);
  });

  it('tells apart records that differ only after an Asterisk restart, and PBXs by name', () => {
    const a = { ...recs[0] };
    const b = { ...recs[0], EndTime: '2026-11-22 11:56:41', Duration: '1' };
    assert.notEqual(leg(a).id, leg(b).id);
    const onA = leg(a, { timeZone: 'UTC', vendor: { pbx: 'pbx-a' } });
    const onB = leg(a, { timeZone: 'UTC', vendor: { pbx: 'pbx-b' } });
    assert.notEqual(onA.id, onB.id);
    assert.equal(onA.callId, 'pbx-a:1795348600.8');
  });

  it('takes callId from the LinkedID mapping, else falls back to the UniqueID', () => {
    assert.equal(leg(recs[0]).callId, '1795348600.8');
    const noMap = { ...recs[0] };
    delete noMap.LinkedID;
    assert.equal(leg(noMap).callId, '1795348600.11');
  });

  it('puts the legs of a call under one callId whatever order they arrive in', () => {
    const group = (list) => {
      const g = new Map();
      for (const r of list) {
        const l = leg(r);
        if (!g.has(l.callId)) g.set(l.callId, new Set());
        g.get(l.callId).add(l.id);
      }
      return g;
    };
    const inOrder = group(recs);
    const reversed = group([...recs].reverse());
    assert.deepEqual([...inOrder.keys()].sort(), [...reversed.keys()].sort());
    for (const [k, v] of inOrder) assert.deepEqual([...v].sort(), [...reversed.get(k)].sort());
    // One scenario tag (CallTag is set on the A leg only) per call.
    for (const [callId] of inOrder) {
      const tags = new Set(recs.filter((r) => r.LinkedID === callId).map((r) => r.CallTag).filter(Boolean));
      assert.ok(tags.size <= 1, `${callId}: ${[...tags]}`);
    }
    assert.ok(inOrder.size >= 10 && inOrder.size < recs.length);
  });

  it('splits CallerID into caller name and number, and keeps the vendor fields in extra', () => {
    const l = leg(recs[0]);
    assert.deepEqual(l.caller, { name: 'Carol', number: '1003' });
    assert.equal(l.extra.CallerID, '"Carol" <1003>');
    assert.equal(l.extra.LinkedID, '1795348600.8');
    assert.equal(l.extra.Sequence, '11');
    assert.equal(l.extra.Channel, 'Local/busy@phones-00000005;2');
    assert.equal(l.extra.StartTime, undefined);
    assert.equal(l.schema, 1);
    assert.equal(l.kind, 'leg');
    assert.equal(l.vendor, 'asterisk');
    const noName = leg({ ...recs[0], CallerID: '' });
    assert.deepEqual(noName.caller, { number: '1003' });
  });

  it('keeps the answer time Asterisk gives a busy Dial leg, with disposition busy', () => {
    const busyDial = recs.find((r) => r.LastApplication === 'Dial' && r.Disposition === 'BUSY' && r.AnswerTime !== '');
    const l = leg(busyDial);
    assert.equal(l.disposition, 'busy');
    assert.equal(l.answerTime, wallClockToIso(busyDial.AnswerTime, 'UTC'));
    assert.equal(l.billSec, 0);
  });

  it('classifies direction by the default context rules and by configured rules', () => {
    const r = (o) => ({ ...recs[0], ...o });
    assert.equal(directionOf(r({ DestinationContext: 'from-trunk' })), 'inbound');
    assert.equal(directionOf(r({ DestinationContext: 'from-pstn-toheader' })), 'inbound');
    assert.equal(directionOf(r({ DestinationContext: 'from-internal', Destination: '0207946000' })), 'outbound');
    assert.equal(directionOf(r({ DestinationContext: 'outrt-1' })), 'outbound');
    assert.equal(directionOf(r({ DestinationContext: 'from-internal', Destination: '2001' })), 'internal');
    assert.equal(directionOf(r({ DestinationContext: 'cdrtest' })), 'unknown');
    const rules = [
      { when: { Channel: '^PJSIP/carrier-' }, direction: 'inbound' },
      { when: { DestinationChannel: '^PJSIP/carrier-' }, direction: 'outbound' },
      { when: { Channel: '^PJSIP/\\d+-', DestinationChannel: '^PJSIP/\\d+-' }, direction: 'internal' },
    ];
    const v = { directionRules: rules };
    assert.equal(directionOf(r({ Channel: 'PJSIP/carrier-0001' }), v), 'inbound');
    assert.equal(directionOf(r({ Channel: 'PJSIP/1001-01', DestinationChannel: 'PJSIP/carrier-2' }), v), 'outbound');
    assert.equal(directionOf(r({ Channel: 'PJSIP/1001-01', DestinationChannel: 'PJSIP/1002-02' }), v), 'internal');
    assert.equal(directionOf(r({ Channel: 'Local/x', DestinationChannel: '' }), v), 'unknown');
    assert.equal(leg(r({ Channel: 'PJSIP/carrier-0001' }), { timeZone: 'UTC', vendor: v }).direction, 'inbound');
  });

  it('refuses bad direction rules with a MapError that names the rule', () => {
    assert.throws(() => compileDirectionRules([{ when: { Channel: '(' }, direction: 'inbound' }]), (e) => e.name === 'MapError' && /rule 1: Channel/.test(e.message));
    assert.throws(() => compileDirectionRules([{ when: {}, direction: 'sideways' }]), /rule 1: direction must be/);
    assert.throws(() => compileDirectionRules('x'), /must be an array/);
  });

  it('refuses records it cannot map with a MapError naming the field', () => {
    const bad = (o, f) => assert.throws(() => leg({ ...recs[0], ...o }), (e) => e.name === 'MapError' && e.field === f);
    bad({ UniqueID: '' }, 'UniqueID');
    bad({ Disposition: 'MAYBE' }, 'Disposition');
    bad({ StartTime: 'never' }, 'StartTime');
    bad({ AnswerTime: '2026-13-45 99:00:00' }, 'AnswerTime');
    bad({ Duration: '-1' }, 'Duration');
    bad({ Event: 'CEL' }, 'Event');
  });

  it('maps records from lower-cased field names (objects from other AMI libraries) too', () => {
    const lower = Object.fromEntries(Object.entries(recs[5]).map(([k, v]) => [k.toLowerCase(), v]));
    const a = leg(recs[5]);
    const b = leg(lower);
    assert.equal(b.id, a.id);
    assert.equal(b.startTime, a.startTime);
    assert.equal(b.disposition, a.disposition);
  });

  it('reads and maps every Cdr event of every failure transcript (reload without mappings, restarts)', () => {
    let total = 0;
    let withoutLinkedId = 0;
    const ids = new Set();
    for (const name of fs.readdirSync(`${DIR}/failures`).filter((f) => f.endsWith('.txt'))) {
      const frames = new ami.AmiFramer().push(sample(`failures/${name}`));
      assert.ok(frames.every((f) => f.kind !== 'error'), name);
      for (const f of frames) {
        if (f.kind !== 'message' || ami.eventName(f.message) !== 'Cdr') continue;
        const r = ami.cdrRecord(f.message);
        const l = leg(r);
        total++;
        if (r.LinkedID === undefined) {
          withoutLinkedId++;
          assert.equal(l.callId, r.UniqueID, name);
        } else {
          assert.equal(l.callId, r.LinkedID, name);
        }
        ids.add(`${name}|${l.id}`);
      }
    }
    assert.equal(total, 21 * 3 + 6 * 2 + 3 * 3);
    assert.ok(withoutLinkedId > 0, 'the reload without [mappings] is in the transcripts');
    assert.equal(ids.size, total, 'ids unique within each transcript');
  });

  it('maps records with a Recordingfile mapping to recordings', () => {
    assert.deepEqual(leg({ ...recs[0], Recordingfile: 'out-1001-20261122.wav' }).recordings, ['out-1001-20261122.wav']);
    assert.equal(leg(recs[0]).recordings, undefined);
  });
});

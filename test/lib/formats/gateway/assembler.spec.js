'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { parseEventLine, CallAssembler, formatDuration, NOTATIONS } = require('../../../../nodes/lib/formats/gateway');

const SAMPLE = require('../../../support/samples').samplePath('gateway', 'events-2004-01-26.tsv');

/** A clock the test moves by hand. */
function manualClock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms) => { t += ms; } };
}

/** Events from compact rows: [time, callRef, event, dialed?, callerId?, port?, info?]. */
function ev(time, callRef, event, dialed = '', callerId = '', port = '', info = '') {
  return { Gateway: null, Time: `2004/01/15 ${time}`, 'Call-Ref': callRef, '#': port, Event: event, Dialed: dialed, 'Caller-ID': callerId, Info: info, 'P-Port': '' };
}

function feed(asm, gateway, events) {
  const records = [];
  const late = [];
  for (const e of events) {
    const out = asm.push(gateway, e);
    records.push(...out.records);
    late.push(...out.late);
  }
  return { records, late };
}

/** The report columns only, for comparing with a hand-written row. */
function reportRow(r) {
  const keys = ['Gateway', 'Call-Ref', 'Port', 'Date', 'Notation', 'Dialed', 'Time', 'Begin', 'PSTN Dial', 'PSTN Time', 'Caller ID', 'PSTN Caller ID', 'End', 'Incomplete'];
  return Object.fromEntries(keys.map((k) => [k, r[k]]));
}

describe('formats/gateway/assembler', () => {
  describe('the three calls of events-2004-01-26.tsv', () => {
    const clock = manualClock();
    const asm = new CallAssembler({ now: clock.now, openTimeoutMs: 60_000 });
    const lines = fs.readFileSync(SAMPLE, 'utf8').split('\n');
    const events = lines.map((l) => parseEventLine(l)).filter(Boolean);
    const { records, late } = feed(asm, '8200', events);

    it('closes calls 1 and 2 at their HOOK_ON and keeps call 3 open', () => {
      assert.equal(records.length, 2);
      assert.equal(late.length, 0);
      assert.equal(asm.openCalls, 1);
    });

    it('call 1: a phone on port 1 calls 2252 and then sends DTMF', () => {
      assert.deepEqual(reportRow(records[0]), {
        Gateway: '8200',
        'Call-Ref': 1,
        // "#" is given once, on HOOK_OFF: the phone on port 1 went off hook.
        Port: '1',
        Date: '2004/01/26',
        // HOOK_OFF (our phone started it) and TALK (it was answered): a call out.
        Notation: 'Call out',
        // DIAL 2252 before TALK, then 3, 0, 1 during the talk: every group, joined as the report does.
        Dialed: '2252, 3, 0, 1',
        // TALK 23:13:14 → HOOK_ON 23:15:30 = 2 min 16 s.
        Time: '00:02:16',
        Begin: '23:13:11',
        // No PSTN line was used and no caller id was sent.
        'PSTN Dial': '',
        'PSTN Time': '',
        'Caller ID': '',
        'PSTN Caller ID': '',
        End: '23:15:30',
        Incomplete: false,
      });
      assert.equal(records[0]['Duration Sec'], 139);
      assert.equal(records[0]['Talk Sec'], 136);
      assert.equal(records[0]['Talk At'], '2004/01/26 23:13:14');
      assert.equal(records[0].Events.length, 8);
      assert.equal(records[0]['Close Reason'], 'ended');
    });

    it('call 2: a PSTN caller (103) reaches the gateway and dials 2252 over VoIP', () => {
      assert.deepEqual(reportRow(records[1]), {
        Gateway: '8200',
        'Call-Ref': 2,
        // No event carries "#" or P-Port: the sample does not say which FXO port answered.
        Port: '',
        Date: '2004/01/26',
        // PSTN_CALL_IN started it and it reached TALK: the gateway placed a call out
        // (the report's port-4 rows: Call out with a PSTN Caller ID and a PSTN Time).
        Notation: 'Call out',
        // 2252 after PSTN_CONNECTED is the VoIP destination (the call came from the PSTN,
        // so these digits are not "PSTN Dial"); 8 0 0 2 3 0 are DTMF during the talk.
        Dialed: '2252, 8, 0, 0, 2, 3, 0',
        // TALK 23:47:09 → HOOK_ON 23:48:44 = 1 min 35 s.
        Time: '00:01:35',
        Begin: '23:47:05',
        'PSTN Dial': '',
        // PSTN_HOOK_OFF 23:47:05 → PSTN_HOOK_ON 23:48:44 = 1 min 39 s: the PSTN line was held for the whole call.
        'PSTN Time': '00:01:39',
        'Caller ID': '',
        // The caller id came with PSTN_CALL_IN: a PSTN caller id.
        'PSTN Caller ID': '103',
        // REMOTE_HOOK_ON, PSTN_HOOK_ON and HOOK_ON all at 23:48:44; HOOK_ON (the port idle again) closes it.
        End: '23:48:44',
        Incomplete: false,
      });
      assert.equal(records[1]['Duration Sec'], 99);
      assert.equal(records[1].Events.length, 15);
    });

    it('call 3: the view stops while 2252 rings back; after the timeout it is closed as incomplete', () => {
      assert.deepEqual(asm.sweep(), [], 'not before the timeout');
      clock.advance(60_000);
      const [r, ...more] = asm.sweep();
      assert.equal(more.length, 0);
      assert.deepEqual(reportRow(r), {
        Gateway: '8200',
        'Call-Ref': 3,
        Port: '',
        Date: '2004/01/26',
        // Dialed and rang back, never talked: what we saw is a failed call out; Incomplete says we did not see it end.
        Notation: 'Call out failed',
        Dialed: '2252',
        Time: '',
        Begin: '23:57:24',
        'PSTN Dial': '',
        // PSTN_HOOK_OFF 23:57:24 → the last event seen, RING_BACK 23:57:27.
        'PSTN Time': '00:00:03',
        'Caller ID': '',
        'PSTN Caller ID': '15',
        End: '23:57:27',
        Incomplete: true,
      });
      assert.equal(r['Close Reason'], 'timeout');
      assert.equal(asm.openCalls, 0);
    });
  });

  describe('notations (sequences shaped like the report rows of 2004-01-15)', () => {
    const cases = [
      // Call-Ref 86, port 4: PSTN caller 105 dials 2252 then DTMF; Time 00:03:33, PSTN Time 00:03:38.
      ['Call out', [
        ev('00:04:32', 86, 'PSTN_CALL_IN', '', '105', '4'), ev('00:04:33', 86, 'PSTN_HOOK_OFF'), ev('00:04:33', 86, 'PSTN_CONNECTED'),
        ev('00:04:34', 86, 'DIAL', '2252'), ev('00:04:36', 86, 'RING_BACK'), ev('00:04:38', 86, 'TALK', '', '', '', 'C(18) M(17)'),
        ev('00:04:40', 86, 'DIAL', '2'), ev('00:04:41', 86, 'DIAL', '1'), ev('00:04:42', 86, 'DIAL', '0'),
        ev('00:08:11', 86, 'REMOTE_HOOK_ON'), ev('00:08:11', 86, 'PSTN_HOOK_ON'), ev('00:08:11', 86, 'HOOK_ON'),
      ], { Port: '4', Dialed: '2252, 2, 1, 0', Time: '00:03:33', 'PSTN Time': '00:03:38', 'PSTN Caller ID': '105', End: '00:08:11' }],
      // Call-Ref 88, port 3: a phone dials 2 (the hop-off code), the gateway seizes a PSTN line and sends 26735152.
      ['Call out', [
        ev('00:10:51', 88, 'HOOK_OFF', '', '', '3'), ev('00:10:51', 88, 'DIAL', '2'), ev('00:10:51', 88, 'PSTN_HOOK_OFF'),
        ev('00:10:53', 88, 'DIAL', '26735152'), ev('00:10:54', 88, 'TALK'), ev('00:12:58', 88, 'PSTN_HOOK_ON'), ev('00:12:58', 88, 'HOOK_ON'),
      ], { Port: '3', Dialed: '2', 'PSTN Dial': '26735152', Time: '00:02:04', 'PSTN Time': '00:02:07' }],
      // Call-Ref 98, port 1: VoIP caller 8378701 rings the phone on port 1; 1 min 05 s of talk.
      ['Call in', [
        ev('02:27:03', 98, 'CALL_IN', '', '8378701', '1'), ev('02:27:03', 98, 'RING'), ev('02:27:03', 98, 'HOOK_OFF'),
        ev('02:27:03', 98, 'TALK'), ev('02:28:08', 98, 'REMOTE_HOOK_ON'), ev('02:28:08', 98, 'HOOK_ON'),
      ], { Port: '1', 'Caller ID': '8378701', Time: '00:01:05', Dialed: '' }],
      // Call-Ref 105, port 4 (FXO): VoIP caller 2252701 is put through to the PSTN; the gateway dials 0.
      ['Call in', [
        ev('03:19:41', 105, 'CALL_IN', '', '2252701', '4'), ev('03:19:41', 105, 'PSTN_HOOK_OFF'), ev('03:19:42', 105, 'DIAL', '0'),
        ev('03:19:44', 105, 'TALK'), ev('03:19:50', 105, 'PSTN_HOOK_ON'), ev('03:19:50', 105, 'HOOK_ON'),
      ], { Port: '4', 'PSTN Dial': '0', Time: '00:00:06', 'PSTN Time': '00:00:09', 'Caller ID': '2252701' }],
      // Call-Ref 109: refused before any port was given: no port, no time; REJECT ends it.
      ['Call in reject', [ev('03:55:20', 109, 'CALL_IN', '', '77101'), ev('03:55:20', 109, 'REJECT')], { Port: '', Time: '', End: '03:55:20' }],
      // A VoIP call rings port 2 and the caller gives up: nothing went off hook, REMOTE_HOOK_ON ends it.
      ['Call in reject', [ev('03:56:00', 113, 'CALL_IN', '', '77101', '2'), ev('03:56:00', 113, 'RING'), ev('03:56:20', 113, 'REMOTE_HOOK_ON')], { Port: '2', End: '03:56:20' }],
      // Call-Ref 89, port 2: lifted and put back, nothing dialed.
      ['Hook On/Off', [ev('00:16:57', 89, 'HOOK_OFF', '', '', '2'), ev('00:16:57', 89, 'HOOK_ON')], { Port: '2', Dialed: '', Time: '', Begin: '00:16:57', End: '00:16:57' }],
      // Dialed, rang back, nobody answered.
      ['Call out failed', [
        ev('05:00:00', 120, 'HOOK_OFF', '', '', '1'), ev('05:00:02', 120, 'DIAL', '2252'), ev('05:00:03', 120, 'RING_BACK'), ev('05:00:33', 120, 'HOOK_ON'),
      ], { Dialed: '2252', Time: '' }],
      // Dialed a busy number.
      ['Call out failed', [ev('05:01:00', 121, 'HOOK_OFF', '', '', '1'), ev('05:01:02', 121, 'DIAL', '2252'), ev('05:01:03', 121, 'BUSY'), ev('05:01:05', 121, 'HOOK_ON')], {}],
      // We joined mid-call (restart): no start event seen.
      ['Other', [ev('06:00:00', 130, 'TALK'), ev('06:00:30', 130, 'HOOK_ON')], { Time: '00:00:30' }],
    ];
    const seen = new Set();
    for (const [notation, events, columns] of cases) {
      it(`${notation}: Call-Ref ${events[0]['Call-Ref']}`, () => {
        const asm = new CallAssembler({ now: manualClock().now });
        const { records } = feed(asm, 'gw', events);
        assert.equal(records.length, 1);
        assert.equal(asm.openCalls, 0);
        const r = records[0];
        assert.equal(r.Notation, notation);
        assert.equal(r.Incomplete, false);
        for (const [k, v] of Object.entries(columns)) assert.equal(r[k], v, k);
        assert.equal(r.Events.length, events.length);
        seen.add(notation);
      });
    }
    it('covers every notation', () => assert.deepEqual([...seen].sort(), [...NOTATIONS].sort()));
  });

  it('keeps calls apart across ports and gateways when their events interleave', () => {
    const asm = new CallAssembler({ now: manualClock().now });
    const a = [ev('10:00:00', 7, 'HOOK_OFF', '', '', '1'), ev('10:00:02', 7, 'DIAL', '2252'), ev('10:00:03', 7, 'TALK'), ev('10:01:00', 7, 'HOOK_ON')];
    const b = [ev('10:00:01', 7, 'CALL_IN', '', '555', '2'), ev('10:00:01', 7, 'HOOK_OFF'), ev('10:00:04', 7, 'TALK'), ev('10:02:00', 7, 'HOOK_ON')];
    const c = [ev('10:00:01', 8, 'HOOK_OFF', '', '', '2'), ev('10:00:05', 8, 'DIAL', '9'), ev('10:00:06', 8, 'HOOK_ON')];
    const out = [];
    const streams = [['8200', a], ['8378', b], ['8200', c]];
    for (let i = 0; i < 4; i++) {
      for (const [gw, evs] of streams) if (evs[i]) out.push(...asm.push(gw, evs[i]).records);
    }
    assert.equal(out.length, 3);
    const by = (gw, ref) => out.find((r) => r.Gateway === gw && r['Call-Ref'] === ref);
    assert.equal(by('8200', 7).Notation, 'Call out');
    assert.equal(by('8200', 7).Dialed, '2252');
    assert.equal(by('8200', 7).Port, '1');
    assert.equal(by('8378', 7).Notation, 'Call in');
    assert.equal(by('8378', 7)['Caller ID'], '555');
    assert.equal(by('8378', 7).Time, '00:01:56');
    assert.equal(by('8200', 8).Notation, 'Call out failed');
    assert.equal(by('8200', 8).Dialed, '9');
  });

  it('keeps unknown events on the record and lists their names', () => {
    const asm = new CallAssembler({ now: manualClock().now });
    const { records } = feed(asm, 'gw', [
      ev('10:00:00', 1, 'HOOK_OFF', '', '', '1'), ev('10:00:01', 1, 'FLASH_HOOK'), ev('10:00:02', 1, 'DIAL', '12'),
      ev('10:00:03', 1, 'FAX_TONE', '', '', '', 'T.38'), ev('10:00:04', 1, 'FLASH_HOOK'), ev('10:00:05', 1, 'HOOK_ON'),
    ]);
    assert.deepEqual(records[0]['Unknown Events'], ['FLASH_HOOK', 'FAX_TONE']);
    assert.equal(records[0].Events[3].Info, 'T.38');
    assert.equal(records[0].Notation, 'Call out failed');
  });

  it('reports an event after its call closed as late instead of opening a bogus call', () => {
    const clock = manualClock();
    const asm = new CallAssembler({ now: clock.now, lateGraceMs: 5_000 });
    feed(asm, 'gw', [ev('10:00:00', 1, 'HOOK_OFF', '', '', '1'), ev('10:00:05', 1, 'HOOK_ON')]);
    const out = asm.push('gw', ev('10:00:05', 1, 'REMOTE_HOOK_ON'));
    assert.deepEqual(out.records, []);
    assert.equal(out.late.length, 1);
    assert.equal(out.late[0].event.Event, 'REMOTE_HOOK_ON');
    assert.equal(asm.openCalls, 0);
    // A new call on the same Call-Ref (the gateway rebooted) is a new call, grace or not.
    asm.push('gw', ev('10:00:06', 1, 'HOOK_OFF', '', '', '1'));
    assert.equal(asm.openCalls, 1);
  });

  it('closes an open call whose Call-Ref starts again (gateway reboot) as incomplete', () => {
    const asm = new CallAssembler({ now: manualClock().now });
    const { records } = feed(asm, 'gw', [
      ev('10:00:00', 2, 'HOOK_OFF', '', '', '1'), ev('10:00:02', 2, 'DIAL', '2252'), ev('10:00:03', 2, 'TALK'),
      ev('10:05:00', 2, 'HOOK_OFF', '', '', '1'), ev('10:05:01', 2, 'HOOK_ON'),
    ]);
    assert.equal(records.length, 2);
    assert.equal(records[0]['Close Reason'], 'call-ref-reused');
    assert.equal(records[0].Incomplete, true);
    assert.equal(records[0].Notation, 'Call out');
    assert.equal(records[0].End, '10:00:03');
    assert.equal(records[1].Notation, 'Hook On/Off');
  });

  it('times out from the last event received, by the injected clock', () => {
    const clock = manualClock();
    const asm = new CallAssembler({ now: clock.now, openTimeoutMs: 10_000 });
    asm.push('gw', ev('10:00:00', 1, 'HOOK_OFF', '', '', '1'));
    clock.advance(6_000);
    asm.push('gw', ev('10:00:06', 2, 'HOOK_OFF', '', '', '2'));
    clock.advance(6_000);
    asm.push('gw', ev('10:00:12', 1, 'DIAL', '5')); // call 1 active again
    clock.advance(6_000);
    // 18 s: call 2 has been silent 12 s, call 1 only 6 s.
    assert.deepEqual(asm.sweep().map((r) => r['Call-Ref']), [2]);
    clock.advance(4_000);
    assert.deepEqual(asm.sweep().map((r) => r['Call-Ref']), [1]);
    assert.equal(asm.openCalls, 0);
  });

  it('bounds memory: open calls, events per call and remembered closed keys', () => {
    const clock = manualClock();
    const asm = new CallAssembler({ now: clock.now, maxOpenCalls: 100, maxEventsPerCall: 10 });
    let closed = [];
    for (let ref = 0; ref < 1000; ref++) closed.push(...asm.push('gw', ev('10:00:00', ref, 'HOOK_OFF', '', '', '1')).records);
    assert.equal(asm.openCalls, 100);
    assert.equal(closed.length, 900);
    assert.ok(closed.every((r) => r['Close Reason'] === 'capacity' && r.Incomplete));
    assert.deepEqual(closed.slice(0, 3).map((r) => r['Call-Ref']), [0, 1, 2], 'the least recently active go first');
    closed = [];
    for (let i = 0; i < 50; i++) asm.push('gw', ev('10:00:01', 999, 'DIAL', String(i % 10)));
    const [r] = asm.push('gw', ev('10:00:02', 999, 'HOOK_ON')).records;
    assert.equal(r.Events.length, 10);
    assert.equal(r['Events Dropped'], 42);
    assert.equal(r.Dialed.split(', ').length, 10);
    assert.ok(asm.recentlyClosed.size <= 100);
  });

  it('flushes every open call as incomplete', () => {
    const asm = new CallAssembler({ now: manualClock().now });
    asm.push('a', ev('10:00:00', 1, 'HOOK_OFF', '', '', '1'));
    asm.push('b', ev('10:00:00', 1, 'CALL_IN', '', '5', '1'));
    const out = asm.flush();
    assert.deepEqual(out.map((r) => [r.Gateway, r['Close Reason'], r.Notation]), [['a', 'flush', 'Hook On/Off'], ['b', 'flush', 'Call in reject']]);
    assert.equal(asm.openCalls, 0);
  });

  it('crosses midnight and never gives a negative time', () => {
    const asm = new CallAssembler({ now: manualClock().now });
    const at = (t, e) => ({ ...ev('00:00:00', 5, e, e === 'DIAL' ? '1' : '', '', '1'), Time: t });
    const { records } = feed(asm, 'gw', [at('2004/01/15 23:59:50', 'HOOK_OFF'), at('2004/01/15 23:59:55', 'TALK'), at('2004/01/16 00:00:10', 'HOOK_ON')]);
    assert.equal(records[0].Time, '00:00:15');
    assert.equal(records[0].Date, '2004/01/15');
    assert.equal(records[0]['End At'], '2004/01/16 00:00:10');
    const back = feed(asm, 'gw', [at('2004/01/15 10:00:00', 'HOOK_OFF'), at('2004/01/15 10:00:05', 'TALK'), at('2004/01/15 09:00:00', 'HOOK_ON')]);
    assert.equal(back.records[0].Time, '00:00:00');
    assert.equal(formatDuration(3600 * 123 + 61), '123:01:01');
  });
});

describe('formats/gateway/assembler: record shape against the report tables', () => {
  const read = (f) => fs.readFileSync(require('../../../support/samples').samplePath('gateway', f), 'utf8').split('\n').filter(Boolean).map((l) => l.split('\t'));
  const asm = new CallAssembler();
  const [record] = asm.push('8378', ev('02:27:03', 98, 'CALL_IN', '', '8378701', '1')).records.concat(
    asm.push('8378', ev('02:27:03', 98, 'HOOK_OFF')).records,
    asm.push('8378', ev('02:27:03', 98, 'TALK')).records,
    asm.push('8378', ev('02:28:08', 98, 'HOOK_ON')).records,
  );

  it('has every column of the report list and detail, under the same names', () => {
    const list = read('report-list-2004-01-15.tsv')[0].filter((c) => c !== '#');
    // The detail's first header cell "f" is a caption of the original figure (its values are the ports).
    const detail = read('report-detail-2004-01-15.tsv')[0].filter((c) => c !== 'f');
    for (const column of new Set([...list, ...detail])) assert.ok(column in record, column);
  });

  it('writes dates and times the way the report does', () => {
    const rows = read('report-list-2004-01-15.tsv').slice(1);
    const date = /^\d{4}\/\d{2}\/\d{2}$/;
    const hms = /^\d{2,}:\d{2}:\d{2}$/;
    for (const r of rows) {
      assert.match(r[3], date);
      assert.ok(r[6] === '' || hms.test(r[6]), r[6]);
      assert.match(r[7], hms);
    }
    assert.match(record.Date, date);
    assert.match(record.Begin, hms);
    assert.match(record.Time, hms);
    assert.match(record.End, hms);
    // Call-Ref 98 of the report: Call in on port 1, 00:01:05 of talk from 02:27:03.
    const row98 = rows.find((r) => r[1] === '98');
    assert.deepEqual([record.Port, record.Notation, record.Time, record.Begin], [row98[2], row98[4], row98[6], row98[7]]);
  });
});

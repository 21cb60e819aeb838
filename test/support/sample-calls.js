'use strict';
// Every call of the real samples (test/fixtures/samples), per vendor, with the
// call-level figures a carrier would bill and a dashboard would count, derived
// by hand from the vendor's own fields. The reasoning is beside each entry.
// Times are read in UTC (the Asterisk machine's zone; the others carry none).
const fs = require('node:fs');
const ami = require('../../nodes/lib/formats/ami');
const fsFormats = require('../../nodes/lib/formats/freeswitch');
const { parseEventLine, CallAssembler } = require('../../nodes/lib/formats/gateway');
const { parseVosLine } = require('../../nodes/lib/formats/vos');
const { samplePath, ucmSampleRecords } = require('./samples');
const { sample: asteriskSample } = require('./asterisk-samples');

/** The vendor records of the samples, as the source nodes send them. */
const RECORDS = {
  // Every Cdr event of the Asterisk 22 AMI capture (50 events, 14 LinkedIDs).
  asterisk: () =>
    new ami.AmiFramer()
      .push(asteriskSample('ami-full-session-part1.txt'))
      .filter((f) => f.kind === 'message' && ami.eventName(f.message) === 'Cdr')
      .map((f) => ami.cdrRecord(f.message)),
  // The cdrapi answer: main_cdr/sub_cdr groups and flat legs.
  ucm: () => ucmSampleRecords(),
  freeswitch: () => {
    const template = fsFormats.compileTemplate(fsFormats.CSV_TEMPLATES.example);
    return JSON.parse(JSON.stringify([
      fsFormats.parseXmlCdr(fs.readFileSync(samplePath('freeswitch', 'a_80183ec8-d424-11e3-8fb2-65b6c3cdac7d.cdr.xml'), 'utf8')),
      fsFormats.parseJsonCdr(fs.readFileSync(samplePath('freeswitch', 'answered-bridged-with-hold.cdr.json'), 'utf8')),
      ...fsFormats.parseCsvText(fs.readFileSync(samplePath('freeswitch', 'Master.csv'), 'utf8'), template).records,
    ]));
  },
  // The live event view, assembled into call records as gw-cdr-in does (the
  // last call never hangs up in the table: the assembler closes it).
  gateway: () => {
    let t = 0;
    const asm = new CallAssembler({ now: () => t, openTimeoutMs: 1000 });
    const out = [];
    for (const line of fs.readFileSync(samplePath('gateway', 'events-2004-01-26.tsv'), 'utf8').split('\n')) {
      const e = parseEventLine(line);
      if (e) out.push(...asm.push('8200', e).records);
    }
    t = 1000;
    out.push(...asm.sweep());
    return JSON.parse(JSON.stringify(out));
  },
  // No real VOS3000 record is published (samples/vos3000/README.md): two lines
  // built to the documented field list stand in for them.
  vos3000: () => [
    '8613800000001|8613900000002|1700000000000|1700000065000|60|0|1|GW-IN|GW-OUT|10.0.0.1|10.0.0.2|013800000001|013900000002|8613800000001|13900000002|0|1|2300|1800',
    '8613800000001|8613900000003|1700000100000|1700000108000|0|486 Busy Here|2|GW-IN|GW-OUT|10.0.0.1|10.0.0.2|013800000001|013900000003|8613800000001|13900000003|0|1|1500|0',
  ].map((line) => parseVosLine(line)),
};

const T = (s) => `${s}.000Z`;

/**
 * callId → expected call. `legs` = how many legs the call holds; `ringSec`,
 * `talkSec`, `pddSec` are cdr-calc's metrics (pddSec undefined = absent).
 */
const EXPECTED = {
  asterisk: {
    // Local-channel calls placed by AMI Originate: the `;2` half in context
    // `origin` is the caller's phone (answers at once: bookkeeping), the `;1`
    // half runs the scenario in `cdrtest` and logs the Dial record(s), whose
    // Disposition is the outcome of the destination, and an ANSWERED 0 s
    // record after the dial. Figures are the Duration / BillableSeconds of the
    // records, never end − start (truncated to the second).
    '1795348600.8': { tag: 'busy', legs: 4, disposition: 'busy', answerTime: null, durationSec: 0, billSec: 0, ringSec: 0, talkSec: 0 },
    // Dial leg Seq 13: CONGESTION, 0 s.
    '1795348601.16': { tag: 'congestion', legs: 4, disposition: 'congestion', answerTime: null, durationSec: 0, billSec: 0, ringSec: 0, talkSec: 0 },
    // Dial leg Seq 0: ANSWERED 3 / 3 at 11:56:39, DestinationChannel talk3; every spanning record says Duration 3.
    '1795348599.0': { tag: 'answered', legs: 3, disposition: 'answered', answerTime: T('2026-11-22T11:56:39'), durationSec: 3, billSec: 3, ringSec: 0, talkSec: 3 },
    // Dial leg Seq 4: NO ANSWER although it carries AnswerTime 11:56:40 and
    // BillableSeconds 4 (the Originate answered the ;1 half): not answered, rang 4 s.
    '1795348600.4': { tag: 'noanswer', legs: 4, disposition: 'no_answer', answerTime: null, durationSec: 4, billSec: 0, ringSec: 4, talkSec: 0 },
    // Dial leg Seq 18: ANSWERED 2 / 2 at 11:56:42.
    '1795348602.24': { tag: 'acct', legs: 3, disposition: 'answered', answerTime: T('2026-11-22T11:56:42'), durationSec: 2, billSec: 2, ringSec: 0, talkSec: 2 },
    // Dial Seq 26 BUSY 0 s, then Dial Seq 32 ANSWERED 2 / 2 (11:56:43 → :46 on
    // the wall clock = 3, but the PBX counted 2; the spanning origin half too).
    '1795348603.35': { tag: 'failover', legs: 5, disposition: 'answered', answerTime: T('2026-11-22T11:56:43'), durationSec: 2, billSec: 2, ringSec: 0, talkSec: 2 },
    // Dial Seq 34 NO ANSWER 0 s (ring) and Dial Seq 40 ANSWERED 2 / 2 (talk2), in parallel.
    '1795348604.46': { tag: 'parallel', legs: 5, disposition: 'answered', answerTime: T('2026-11-22T11:56:44'), durationSec: 2, billSec: 2, ringSec: 0, talkSec: 2 },
    // Dial Seq 41 (to fwd) and fwd's own Dial Seq 44 (to talk2) both 2 / 2, at
    // the same time: one stretch of talk, 2 s, not 4 (wall clock :44 → :47 = 3).
    '1795348604.56': { tag: 'chain', legs: 4, disposition: 'answered', answerTime: T('2026-11-22T11:56:44'), durationSec: 2, billSec: 2, ringSec: 0, talkSec: 2 },
    // Dial Seq 55: ANSWERED 2 / 2.
    '1795348607.78': { tag: 'acctlegacy', legs: 3, disposition: 'answered', answerTime: T('2026-11-22T11:56:47'), durationSec: 2, billSec: 2, ringSec: 0, talkSec: 2 },
    // No Dial: the dialplan answered (IVR); the ;1 record (Hangup) ANSWERED 2 / 2.
    '1795348607.89': { tag: 'ivr', legs: 2, disposition: 'answered', answerTime: T('2026-11-22T11:56:47'), durationSec: 2, billSec: 2, ringSec: 0, talkSec: 2 },
    // Dial Seq 51: ANSWERED 3 / 3.
    '1795348606.70': { tag: 'answered', legs: 3, disposition: 'answered', answerTime: T('2026-11-22T11:56:46'), durationSec: 3, billSec: 3, ringSec: 0, talkSec: 3 },
    // Dial Seq 47 2 / 2 (xferb, 11:56:45 → :47), transferred, then Dial Seq 59
    // 3 / 3 (talk3, :47 → :51): one after the other, 5 s billed; the origin
    // half spanning the call counted Duration 5 (wall clock 6).
    '1795348605.62': { tag: 'after-transfer', legs: 5, disposition: 'answered', answerTime: T('2026-11-22T11:56:45'), durationSec: 5, billSec: 5, ringSec: 0, talkSec: 5 },
    // The IVR answered at :48, then Dial Seq 64 ANSWERED 3 / 3 (its record counts from the channel's answer).
    '1795348608.91': { tag: 'ivrdial', legs: 3, disposition: 'answered', answerTime: T('2026-11-22T11:56:48'), durationSec: 3, billSec: 3, ringSec: 0, talkSec: 3 },
    // Dial Seq 84 to a Local extension that does not exist: ANSWERED 0 s with
    // no DestinationChannel (says nothing); the destination half says FAILED.
    '1795348611.125': { tag: 'unavail', legs: 2, disposition: 'failed', answerTime: null, durationSec: 0, billSec: 0, ringSec: 0, talkSec: 0 },
  },
  ucm: {
    // Groups: main_cdr's duration and billsec are the UCM's counts for the
    // group (the sums over its sub_cdrs); its start/src/dst are hand-edited and
    // ignored. answerTime: the first leg ANSWERED with billsec > 0 (ForkCDR
    // records ANSWERED with 0 s never answer). ring = duration − billsec.
    // Group 1: parked (71047, 35 s) then picked up (71048, 30 s); main_cdr 65 / 65 (wall clock 66).
    '1661157236570719-07700900100': { legs: 2, disposition: 'answered', answerTime: T('2022-08-22T09:34:32'), durationSec: 65, billSec: 65, ringSec: 0, talkSec: 65 },
    // Group 2: 71051 (230 → 203, answered 09:51:21, 1477 s) and the ring group
    // 6400 answered by 203 (71057, 609 s); main_cdr 2195 / 2086.
    '1661158276835823-230': { legs: 11, disposition: 'answered', answerTime: T('2022-08-22T09:51:21'), durationSec: 2195, billSec: 2086, ringSec: 109, talkSec: 2086 },
    // Group 3: ring group answered by 203 (71071, 10:56:53, 445 s); main_cdr 540 / 445.
    '1661159737924521-01632960102': { legs: 12, disposition: 'answered', answerTime: T('2022-08-22T10:56:53'), durationSec: 540, billSec: 445, ringSec: 95, talkSec: 445 },
    // Group 4: voicemail 4 s (71064, 11:05:01) and a parked call picked up 34 s; main_cdr 38 / 38.
    '166116266158576-203': { legs: 2, disposition: 'answered', answerTime: T('2022-08-22T11:05:01'), durationSec: 38, billSec: 38, ringSec: 0, talkSec: 38 },
    // Group 5: IVR 7000 answered 2 s (71083, 14:29:12), ring group answered by 203 (370 s); main_cdr 409 / 372.
    '166117495239747-07700900104': { legs: 11, disposition: 'answered', answerTime: T('2022-08-22T14:29:12'), durationSec: 409, billSec: 372, ringSec: 37, talkSec: 372 },
    // Group 6: ring group answered by 230 (71103, 15:58:36, 595 s); main_cdr 650 / 595.
    '1661175956244577-07700900104': { legs: 11, disposition: 'answered', answerTime: T('2022-08-22T15:58:36'), durationSec: 650, billSec: 595, ringSec: 55, talkSec: 595 },
    // Flat legs, each its own call: the leg's duration / billsec.
    '166115730767640-203': { legs: 1, disposition: 'answered', answerTime: T('2022-08-22T09:35:07'), durationSec: 31, billSec: 31, ringSec: 0, talkSec: 31 },
    '1661162733525326-203': { legs: 1, disposition: 'answered', answerTime: T('2022-08-22T11:05:34'), durationSec: 34, billSec: 34, ringSec: 0, talkSec: 34 },
    // 71080: outbound, 134 / 120: rang 14 s.
    '1661164659439897-203': { legs: 1, disposition: 'answered', answerTime: T('2022-08-22T11:37:53'), durationSec: 134, billSec: 120, ringSec: 14, talkSec: 120 },
    // 71081: 911 / 895: rang 16 s.
    '1661165149841323-221': { legs: 1, disposition: 'answered', answerTime: T('2022-08-22T11:46:06'), durationSec: 911, billSec: 895, ringSec: 16, talkSec: 895 },
  },
  freeswitch: {
    // XML A-leg: answered_time 0, NORMAL_CLEARING, duration 0 / billsec 0: no answer, never rang (no progress).
    '80183ec8-d424-11e3-8fb2-65b6c3cdac7d': { legs: 1, disposition: 'no_answer', answerTime: null, durationSec: 0, billSec: 0, ringSec: 0, talkSec: 0 },
    // JSON A-leg (its B-leg was not captured): duration 71, billsec 68 (what
    // FreeSWITCH billed: end_epoch 415 − answer_epoch 347). In microseconds:
    // answered 1515666347954373, progress 1515666344594267 (progress_media
    // equals the answer: no early media), created 1515666344534355, hangup
    // 1515666415494269 → ring 3.360106, pdd 0.059912, talk 67.539896 (= billusec).
    '3da8bf84-c133-4959-9e24-e72875cb33a1': { legs: 1, disposition: 'answered', answerTime: '2018-01-11T10:25:47.954Z', durationSec: 71, billSec: 68, ringSec: 3.360106, talkSec: 67.539896, pddSec: 0.059912 },
    // Master.csv: five unanswered lines (answer_stamp empty, 0 / 0, NORMAL_CLEARING).
    'a5c9f6c0-e752-11e3-8bfb-65b6c3cdac7d': { legs: 1, disposition: 'no_answer', answerTime: null, durationSec: 0, billSec: 0, ringSec: 0, talkSec: 0 },
    'e29ff0ae-e752-11e3-8bff-65b6c3cdac7d': { legs: 1, disposition: 'no_answer', answerTime: null, durationSec: 0, billSec: 0, ringSec: 0, talkSec: 0 },
    'e2fe712e-e752-11e3-8c03-65b6c3cdac7d': { legs: 1, disposition: 'no_answer', answerTime: null, durationSec: 0, billSec: 0, ringSec: 0, talkSec: 0 },
    'e34619ac-e752-11e3-8c07-65b6c3cdac7d': { legs: 1, disposition: 'no_answer', answerTime: null, durationSec: 0, billSec: 0, ringSec: 0, talkSec: 0 },
    'e38cb5b0-e752-11e3-8c0b-65b6c3cdac7d': { legs: 1, disposition: 'no_answer', answerTime: null, durationSec: 0, billSec: 0, ringSec: 0, talkSec: 0 },
  },
  gateway: {
    // The gateway counts nothing itself: its event times are its figures.
    // Call-Ref 1: HOOK_OFF 23:13:11, TALK 23:13:14, HOOK_ON 23:15:30 → 139 / 136, rang 3.
    1: { legs: 1, disposition: 'answered', answerTime: T('2004-01-26T23:13:14'), durationSec: 139, billSec: 136, ringSec: 3, talkSec: 136 },
    // Call-Ref 2: PSTN_CALL_IN 23:47:05, TALK 23:47:09, HOOK_ON 23:48:44 → 99 / 95, rang 4.
    2: { legs: 1, disposition: 'answered', answerTime: T('2004-01-26T23:47:09'), durationSec: 99, billSec: 95, ringSec: 4, talkSec: 95 },
    // Call-Ref 3: PSTN_CALL_IN 23:57:24, RING_BACK 23:57:27, then nothing: no answer, 3 s.
    3: { legs: 1, disposition: 'no_answer', answerTime: null, durationSec: 3, billSec: 0, ringSec: 3, talkSec: 0 },
  },
  vos3000: {
    // holdTime 60 of 65 s (start …000000, stop …065000), callerPdd 2300 ms.
    8613900000002: { legs: 1, disposition: 'answered', answerTime: '2023-11-14T22:13:25.000Z', durationSec: 65, billSec: 60, ringSec: 5, talkSec: 60, pddSec: 2.3 },
    // holdTime 0, endReason "486 Busy Here", 8 s, callerPdd 1500 ms.
    8613900000003: { legs: 1, disposition: 'busy', answerTime: null, durationSec: 8, billSec: 0, ringSec: 8, talkSec: 0, pddSec: 1.5 },
  },
};

/** The key of EXPECTED[vendor] a call is listed under. */
function keyOf(vendor, call) {
  if (vendor === 'gateway') return String(call.legs[0].extra.callRef);
  if (vendor === 'vos3000') return call.callee.number; // its callId is a hash of the line
  return call.callId;
}

/** The figures of a call that the table lists. */
function figures(call) {
  const out = {
    legs: call.legs.length,
    disposition: call.disposition,
    answerTime: call.answerTime,
    durationSec: call.durationSec,
    billSec: call.billSec,
    ringSec: call.metrics.ringSec,
    talkSec: call.metrics.talkSec,
  };
  if (call.metrics.pddSec !== undefined) out.pddSec = call.metrics.pddSec;
  return out;
}

function expectedFigures(entry) {
  const { tag, ...rest } = entry; // eslint-disable-line no-unused-vars
  return rest;
}

module.exports = { RECORDS, EXPECTED, keyOf, figures, expectedFigures };

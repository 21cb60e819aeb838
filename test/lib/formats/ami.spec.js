'use strict';
const assert = require('node:assert/strict');
const ami = require('../../../nodes/lib/formats/ami');
const { sample, masterCsv } = require('../../support/asterisk-samples');

function frames(chunks, options) {
  const f = new ami.AmiFramer(options);
  const out = [];
  for (const c of chunks) out.push(...f.push(c));
  return out;
}
const cdrs = (fs) => fs.filter((x) => x.kind === 'message' && ami.eventName(x.message) === 'Cdr');
const summary = (fs) => fs.map((x) => (x.kind === 'message' ? ami.messageText(x.message) : `${x.kind}:${x.line || x.raw}`));

describe('formats/ami', () => {
  const cdrOnly = sample('ami-cdr-only-session-part1.txt');
  const full = sample('ami-full-session-part1.txt');

  it('frames the cdr-only capture: banner, login response, 50 Cdr events, nothing left over', () => {
    const fs = frames([cdrOnly]);
    assert.deepEqual(fs[0], { kind: 'banner', version: '11.0.0', line: 'Asterisk Call Manager/11.0.0' });
    assert.equal(ami.header(fs[1].message, 'Response'), 'Success');
    assert.equal(ami.header(fs[1].message, 'Message'), 'Authentication accepted');
    assert.equal(cdrs(fs).length, 50);
    assert.equal(fs.length, 52);
    // Every message re-serialises to exactly the bytes it came from.
    const rebuilt = 'Asterisk Call Manager/11.0.0\r\n' + fs.slice(1).map((x) => ami.messageText(x.message)).join('');
    assert.equal(rebuilt, cdrOnly.toString('utf8'));
  });

  it('frames the full session (1073 messages, 50 Cdr, 328 CEL) the same whether read whole or byte by byte', () => {
    const whole = frames([full]);
    assert.equal(whole.length, 1 + 1073);
    assert.equal(cdrs(whole).length, 50);
    assert.equal(whole.filter((x) => x.kind === 'message' && ami.eventName(x.message) === 'CEL').length, 328);
    const bytewise = [];
    for (let i = 0; i < full.length; i++) bytewise.push(full.subarray(i, i + 1));
    assert.deepEqual(summary(frames(bytewise)), summary(whole));
  });

  it('gives the same frames for a split at every byte boundary of the session start', () => {
    // Banner, login response and the first three Cdr events: every state of the framer.
    const end = cdrOnly.indexOf('\r\n\r\n', cdrOnly.indexOf('Sequence: 9')) + 4;
    const head = cdrOnly.subarray(0, end);
    const expected = summary(frames([head]));
    assert.ok(expected.length >= 5);
    for (let i = 0; i <= head.length; i++) {
      assert.deepEqual(summary(frames([head.subarray(0, i), head.subarray(i)])), expected, `split at ${i}`);
    }
  });

  it('gives the same frames for random chunk sizes over both captures', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) % 97) + 1;
    for (const buf of [cdrOnly, full]) {
      const chunks = [];
      for (let i = 0; i < buf.length;) { const n = rnd(); chunks.push(buf.subarray(i, i + n)); i += n; }
      assert.deepEqual(summary(frames(chunks)), summary(frames([buf])));
    }
  });

  it('keeps a UTF-8 character split across reads whole', () => {
    const msg = Buffer.from('Event: Cdr\r\nCallerID: "Zoë Ñandú" <1001>\r\n\r\n', 'utf8');
    const at = msg.indexOf(Buffer.from('ë')) + 1; // inside the two-byte ë
    const fs = frames([msg.subarray(0, at), msg.subarray(at)], { expectBanner: false });
    assert.equal(ami.header(fs[0].message, 'CallerID'), '"Zoë Ñandú" <1001>');
  });

  it('every Cdr event becomes one record with the values of the cdr_csv row', () => {
    const rows = masterCsv();
    const recs = cdrs(frames([cdrOnly])).map((x) => ami.cdrRecord(x.message));
    assert.equal(rows.length, 50);
    assert.equal(recs.length, 50);
    recs.forEach((r, i) => {
      const c = rows[i];
      const m = `record ${i}`;
      assert.equal(r.AccountCode, c.accountcode, m);
      assert.equal(r.Source, c.src, m);
      assert.equal(r.Destination, c.dst, m);
      assert.equal(r.DestinationContext, c.dcontext, m);
      assert.equal(r.CallerID, c.clid, m);
      assert.equal(r.Channel, c.channel, m);
      assert.equal(r.DestinationChannel, c.dstchannel, m);
      assert.equal(r.LastApplication, c.lastapp, m);
      assert.equal(r.LastData, c.lastdata, m);
      assert.equal(r.StartTime, c.start, m);
      assert.equal(r.AnswerTime, c.answer ?? '', m);
      assert.equal(ami.isAnswered(r), c.answer !== null, m);
      assert.equal(r.EndTime, c.end, m);
      assert.equal(r.Duration, c.duration, m);
      assert.equal(r.BillableSeconds, c.billsec, m);
      assert.equal(r.Disposition, c.disposition, m);
      assert.equal(r.AMAFlags, c.amaflags, m);
      assert.equal(r.UniqueID, c.uniqueid, m);
      assert.equal(r.UserField, c.userfield, m);
      assert.deepEqual(Object.keys(ami.customFields(r)), ['LinkedID', 'PeerAccount', 'Sequence', 'CallTag'], m);
    });
    // The quirky values arrive intact.
    assert.ok(recs.some((r) => r.UserField === 'note "quoted", with comma'));
    assert.ok(recs.some((r) => r.UserField === 'vip;ticket=123'));
  });

  it('keeps the envelope and the [mappings] fields with their own names', () => {
    const r = ami.cdrRecord(cdrs(frames([cdrOnly]))[1].message);
    assert.equal(r.Event, 'Cdr');
    assert.equal(r.Privilege, 'cdr,all');
    assert.equal(r.LinkedID, '1795348600.8');
    assert.equal(r.CallTag, 'busy');
    assert.equal(ami.field(r, 'linkedid'), '1795348600.8');
  });

  it('turns CEL events into records', () => {
    const cel = frames([full]).filter((x) => x.kind === 'message' && ami.eventName(x.message) === 'CEL');
    const r = ami.celRecord(cel[0].message);
    assert.equal(r.EventName, 'CHAN_START');
    assert.equal(r.EventTime, '2026-11-22 11:56:39');
    assert.equal(r.LinkedID, '1795348599.0');
    assert.equal(r.CallerIDnum, '');
    for (const x of cel) ami.celRecord(x.message);
  });

  it('splits CallerID into name and number', () => {
    assert.deepEqual(ami.splitCallerId('"Alice Smith" <1001>'), { name: 'Alice Smith', number: '1001' });
    assert.deepEqual(ami.splitCallerId('Alice <+44 20>'), { name: 'Alice', number: '+44 20' });
    assert.deepEqual(ami.splitCallerId('<1001>'), { name: '', number: '1001' });
    assert.deepEqual(ami.splitCallerId('"" <1001>'), { name: '', number: '1001' });
    assert.deepEqual(ami.splitCallerId('"Say \\"hi\\"" <7>'), { name: 'Say "hi"', number: '7' });
    assert.deepEqual(ami.splitCallerId('5551234'), { name: '', number: '5551234' });
    assert.deepEqual(ami.splitCallerId('Reception'), { name: 'Reception', number: '' });
    assert.deepEqual(ami.splitCallerId(''), { name: '', number: '' });
    assert.deepEqual(ami.splitCallerId(undefined), { name: '', number: '' });
  });

  it('rejects a Cdr event without its key fields or with malformed ones, with a typed error', () => {
    const parse = (text) => ami.cdrRecord(frames([Buffer.from(text)], { expectBanner: false })[0].message);
    const good = 'Event: Cdr\r\nStartTime: 2026-11-22 11:56:40\r\nAnswerTime: \r\nEndTime: 2026-11-22 11:56:41\r\n'
      + 'Duration: 1\r\nBillableSeconds: 0\r\nDisposition: NO ANSWER\r\nUniqueID: 1.1\r\n\r\n';
    assert.equal(parse(good).Disposition, 'NO ANSWER');
    assert.throws(() => parse(good.replace('UniqueID: 1.1\r\n', '')), (e) => e.name === 'AmiFormatError' && e.field === 'UniqueID');
    assert.throws(() => parse(good.replace('Duration: 1', 'Duration: x')), /Duration is not an integer/);
    assert.throws(() => parse(good.replace('StartTime: 2026-11-22 11:56:40', 'StartTime: yesterday')), /StartTime/);
    assert.throws(() => parse(good.replace('AnswerTime: ', 'AnswerTime: soon')), /AnswerTime/);
    assert.throws(() => parse('Event: Hangup\r\n\r\n'), /not a Cdr event/);
  });

  it('keeps repeated keys, a value with colons, a line without a colon, and bare LF line ends', () => {
    const fs = frames([Buffer.from('Event: X\nVariable: a=1\nVariable: b=2\nData: a: b\ngarbage line\nEmpty:\n\n')], { expectBanner: false });
    const r = ami.toRecord(fs[0].message);
    assert.deepEqual(r.Variable, ['a=1', 'b=2']);
    assert.equal(r.Data, 'a: b');
    assert.equal(r.Unparsed, 'garbage line');
    assert.equal(r.Empty, '');
  });

  it('drops a message over the size limit with an error and reads the next one normally', () => {
    const big = 'Event: Cdr\r\n' + 'X: ' + 'y'.repeat(5000) + '\r\n\r\n';
    const next = 'Event: Ping\r\n\r\n';
    const fs = frames([Buffer.from(big.slice(0, 3000)), Buffer.from(big.slice(3000) + next)], { expectBanner: false, maxMessageBytes: 1024 });
    assert.equal(fs.length, 2);
    assert.equal(fs[0].kind, 'error');
    assert.match(fs[0].error.message, /larger than 1024 bytes/);
    assert.equal(ami.eventName(fs[1].message), 'Ping');
    // A line that never ends does not grow the buffer without limit.
    const f = new ami.AmiFramer({ expectBanner: false, maxMessageBytes: 1024 });
    for (let i = 0; i < 100; i++) f.push(Buffer.alloc(1000, 0x41));
    assert.ok(f.buffered <= 1024);
  });

  it('formats actions in order and keeps CR/LF out of values', () => {
    assert.equal(ami.formatAction([['Action', 'Login'], ['Username', 'u'], ['Secret', 'a\r\nAction: Logoff']]),
      'Action: Login\r\nUsername: u\r\nSecret: a Action: Logoff\r\n\r\n');
  });
});

'use strict';
const assert = require('node:assert/strict');
const { GatewayPipeline } = require('../../../nodes/lib/glue/gateway-pipeline');

function pipeline(settings = {}) {
  let now = 0;
  const got = { records: [], statuses: [], bad: [], late: [] };
  const p = new GatewayPipeline(
    { separator: 'tab', defaultGateway: '', filter: 'all', openTimeoutMs: 1000, maxOpenCalls: 100, now: () => now, ...settings },
    {
      record: (r, o) => got.records.push([r, o]),
      status: (s, o) => got.statuses.push([s, o]),
      badLine: (e, o) => got.bad.push([e, o]),
      late: (l, o) => got.late.push([l, o]),
    },
  );
  return { p, got, advance: (ms) => { now += ms; } };
}

describe('glue/gateway-pipeline', () => {
  it('keys calls by line prefix, else the setting, else the sender address', () => {
    const a = pipeline();
    a.p.text('8200\t2004/01/26 23:13:11\t1\t1\tHOOK_OFF\n8200\t2004/01/26 23:13:12\t1\t1\tHOOK_ON\n', { address: '10.0.0.1' });
    a.p.text('2004/01/26 23:13:11\t1\t1\tHOOK_OFF\n2004/01/26 23:13:12\t1\t1\tHOOK_ON\n', { address: '10.0.0.2', port: 5 });
    assert.deepEqual(a.got.records.map(([r]) => r.Gateway), ['8200', '10.0.0.2']);
    assert.deepEqual(a.got.records[1][1], { address: '10.0.0.2', port: 5 });
    const b = pipeline({ defaultGateway: 'gw-a' });
    b.p.text('2004/01/26 23:13:11\t1\t1\tHOOK_OFF\n2004/01/26 23:13:12\t1\t1\tHOOK_ON', { address: '10.0.0.2' });
    assert.equal(b.got.records[0][0].Gateway, 'gw-a');
  });

  it('routes log lines, bad lines and late events, and counts them', () => {
    const { p, got } = pipeline({ defaultGateway: 'g' });
    p.line('2004/01/15 02:10:47\tGateway[???] from [24.232.59.13:51059] Bad Packet', {});
    p.line('junk', {});
    p.line('2004/01/26 23:13:11\t1\t1\tHOOK_OFF', {});
    p.line('2004/01/26 23:13:12\t1\t1\tHOOK_ON', {});
    p.line('2004/01/26 23:13:12\t1\t1\tREMOTE_HOOK_ON', {});
    assert.equal(got.statuses[0][0].kind, 'bad-packet');
    assert.equal(got.bad[0][0].code, 'garbage');
    assert.equal(got.bad[0][0].line, 'junk');
    assert.equal(got.late[0][0].event.Event, 'REMOTE_HOOK_ON');
    assert.deepEqual(p.counts, { lines: 5, events: 3, records: 1, filtered: 0, statuses: 1, errors: 1, late: 1, replayed: 0 });
  });

  it('applies the report filter to records closed by events, the timer and flush', () => {
    const { p, got, advance } = pipeline({ defaultGateway: 'g', filter: 'call-in-reject' });
    p.text('2004/01/26 23:13:11\t1\t1\tHOOK_OFF\n2004/01/26 23:13:12\t1\t1\tHOOK_ON\n', {});
    p.text('2004/01/26 23:13:11\t2\t\tCALL_IN\t\t555\n2004/01/26 23:13:11\t2\t\tREJECT\n', {});
    p.text('2004/01/26 23:14:00\t3\t\tCALL_IN\t\t556\n', {});
    p.text('2004/01/26 23:14:00\t4\t\tCALL_IN\t\t557\n', {});
    assert.equal(got.records.length, 1);
    advance(1000);
    p.sweep();
    assert.equal(got.records.length, 3);
    assert.equal(p.counts.filtered, 1);
    p.text('2004/01/26 23:15:00\t5\t\tCALL_IN\t\t558\n', {});
    p.flush();
    assert.deepEqual(got.records.map(([r]) => [r['Call-Ref'], r['Close Reason']]), [[2, 'ended'], [3, 'timeout'], [4, 'timeout'], [5, 'flush']]);
    assert.equal(p.openCalls, 0);
  });
});

describe('glue/gateway-pipeline (file replay)', () => {
  const lines = [
    '2004/01/26 23:13:11\t1\t1\tHOOK_OFF', // 0: call 1 opens
    '2004/01/26 23:13:12\t2\t2\tHOOK_OFF', // 1: call 2 opens
    '2004/01/26 23:13:13\t2\t2\tHOOK_ON', //  2: call 2 ends (sent)
    '2004/01/15 02:10:47\tGateway[???] from [1.2.3.4:5] Bad Packet', // 3: log line (sent)
    '2004/01/26 23:13:14\t1\t\tDIAL\t2252', // 4
    '--- junk ---', //                          5: bad line (reported)
    // ---- stop here: call 1 is open ----
    '2004/01/26 23:13:15\t1\t\tTALK', //        6
    '2004/01/26 23:13:20\t1\t\tHOOK_ON', //     7: call 1 ends
  ];
  const at = (i, replay = false) => ({ file: '/f', offset: i * 100, ...(replay ? { replay: true } : {}) });

  it('records where open calls began, and forgets them once sent', () => {
    const { p, got } = pipeline({ defaultGateway: 'g' });
    for (let i = 0; i < 6; i++) p.line(lines[i], at(i));
    assert.deepEqual([...p.openCallStarts()], [['g\u00011', { file: '/f', offset: 0 }]]);
    assert.equal(got.records.length, 1);
    p.line(lines[6], at(6));
    p.line(lines[7], at(7));
    assert.equal(p.openCallStarts().size, 0);
  });

  it('after a restart, replays only the calls that were open: nothing lost, nothing sent twice', () => {
    const first = pipeline({ defaultGateway: 'g' });
    for (let i = 0; i < 6; i++) first.p.line(lines[i], at(i));
    const open = [...first.p.openCallStarts().keys()];
    // Restart: read again from the first line of the oldest open call (0); lines 0–5 are replay.
    const second = pipeline({ defaultGateway: 'g' });
    second.p.replayOnly(open);
    for (let i = 0; i < 8; i++) second.p.line(lines[i], at(i, i <= 5));
    assert.equal(second.got.records.length, 1);
    const r = second.got.records[0][0];
    assert.equal(r['Call-Ref'], 1);
    assert.equal(r.Notation, 'Call out');
    assert.equal(r.Dialed, '2252');
    assert.equal(r.Begin, '23:13:11');
    assert.equal(second.got.statuses.length, 0, 'the log line was sent before the restart');
    assert.equal(second.got.bad.length, 0, 'the bad line was reported before the restart');
    assert.equal(second.p.counts.replayed, 2);
    assert.equal(second.p.counts.lines, 2);
  });

  it('holds each line of an open call, hands their numbers to the record that closes it, settles those of a call filtered out', () => {
    const held = [];
    const settled = [];
    const records = [];
    const p = new GatewayPipeline(
      { separator: 'tab', defaultGateway: 'g', filter: 'call-out', openTimeoutMs: 1000, maxOpenCalls: 100, now: () => 0 },
      {
        record: (r, o, consumes) => records.push([r['Call-Ref'], consumes]),
        status: () => undefined,
        badLine: () => undefined,
        late: () => undefined,
        hold: (line) => held.push(line) * 10,
        settle: (n) => settled.push(...n),
      },
    );
    // An answered call: three lines held, the HOOK_ON (it closes the call) is not.
    p.text('2004/01/26 23:13:11\t1\t1\tHOOK_OFF\n2004/01/26 23:13:12\t1\t1\tDIAL\t77\n2004/01/26 23:13:13\t1\t1\tTALK\n2004/01/26 23:13:20\t1\t1\tHOOK_ON\n', { address: '10.0.0.1' });
    assert.equal(held.length, 3);
    assert.deepEqual(records, [[1, [10, 20, 30]]]);
    // A call the filter leaves out: its held line is let go.
    p.text('2004/01/26 23:14:11\t2\t1\tHOOK_OFF\n2004/01/26 23:14:12\t2\t1\tHOOK_ON\n', { address: '10.0.0.1' });
    assert.deepEqual(settled, [40]);
    // A line given back from the journal keeps its number (it is not held again).
    p.line('2004/01/26 23:15:11\t3\t1\tHOOK_OFF', { address: '10.0.0.1', held: 7 });
    p.line('2004/01/26 23:15:12\t3\t1\tDIAL\t78', { address: '10.0.0.1' });
    p.line('2004/01/26 23:15:13\t3\t1\tTALK', { address: '10.0.0.1' });
    p.line('2004/01/26 23:15:30\t3\t1\tHOOK_ON', { address: '10.0.0.1' });
    assert.deepEqual(records[1], [3, [7, 50, 60]]);
    // A followed file keeps its own position: its lines are not held.
    p.line('2004/01/26 23:16:11\t4\t1\tHOOK_OFF', { file: '/x', offset: 0 });
    assert.equal(held.length, 6);
  });
});

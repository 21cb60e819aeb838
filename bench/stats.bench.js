'use strict';
// cdr-stats: Cdr/s into one node with 3 keys (vendor, trunk, account) and 2 windows
// (sliding 15m, tumbling 1h), beside a 1-hop null flow in the same runtime and run;
// and the library engine alone. The node's rate runs from the first record sent to
// the report that follows the last one (the report waits for every record before it).
const { performance } = require('node:perf_hooks');
const { startRuntime, deploy, stopRuntime } = require('./lib/runtime');
const { repeat } = require('./lib/stats');
const { StatsEngine } = require('../nodes/lib/stats/engine');
const { parseWindow } = require('../nodes/lib/stats/windows');
const { toStatsRecord } = require('../nodes/lib/stats/record');

const now = () => performance.timeOrigin + performance.now();
const VENDORS = ['ucm', 'asterisk', 'freeswitch'];
const TRUNKS = Array.from({ length: 10 }, (_, i) => `trunk-${i}`);
const ACCOUNTS = Array.from({ length: 20 }, (_, i) => `acct-${i}`);
const DISPOSITIONS = ['answered', 'answered', 'answered', 'no_answer', 'busy', 'failed'];
const ZONE = 'Europe/Berlin';

/** `n` call Cdrs that ended within the last minute, as cdr-calc sends them. */
function traffic(n) {
  const base = Date.now();
  let x = 7;
  // The high bits of the LCG: its low bits repeat with a short period.
  const rnd = (m) => ((x = (x * 1103515245 + 12345) % 2147483648), Math.floor((x / 2147483648) * m));
  return Array.from({ length: n }, (_, i) => {
    const disposition = DISPOSITIONS[rnd(DISPOSITIONS.length)];
    const talk = disposition === 'answered' ? 1 + rnd(300) : 0;
    const end = base - rnd(60000);
    const start = end - (talk + 5) * 1000;
    return {
      schema: 1, kind: 'call', id: `b:${i}`, callId: `c${i}`, vendor: VENDORS[rnd(3)],
      startTime: new Date(start).toISOString(), answerTime: talk ? new Date(start + 5000).toISOString() : null, endTime: new Date(end).toISOString(),
      durationSec: talk + 5, billSec: talk, caller: { number: `100${rnd(500)}` }, callee: { number: `0044207946${rnd(10000)}` },
      disposition, direction: 'outbound', trunk: { out: TRUNKS[rnd(10)] }, accountCode: ACCOUNTS[rnd(20)],
      hangup: disposition === 'busy' ? { q850: 17, cause: 'USER_BUSY' } : disposition === 'failed' ? { q850: 34 } : { q850: 16 },
      extra: {}, metrics: { ringSec: 5, pddSec: 1 + rnd(40) / 10, talkSec: talk, totalSec: talk + 5 },
      cost: talk ? { amount: talk * 0.0005, currency: 'EUR', prefix: '44', ratePerMinute: 0.03, billedSec: talk } : { amount: 0, currency: 'EUR', prefix: '44', ratePerMinute: 0.03, billedSec: 0 },
    };
  });
}

const KEYS = JSON.stringify([{ t: 'field', v: 'vendor' }, { t: 'field', v: 'trunk' }, { t: 'field', v: 'account' }]);
const tab = { id: 'b-tab', type: 'tab', label: 'bench' };
const nullFlow = [tab, { id: 'b-src', z: 'b-tab', type: 'bench-source', wires: [['b-sink']] }, { id: 'b-sink', z: 'b-tab', type: 'bench-sink', wires: [] }];
const statsFlow = [
  tab,
  { id: 'b-src', z: 'b-tab', type: 'bench-source', wires: [['b-stats']] },
  { id: 'b-stats', z: 'b-tab', type: 'cdr-stats', keys: KEYS, windows: 'sliding 15m, tumbling 1h', timeZone: ZONE, intervalSec: 0, maxKeys: 1000, wires: [['b-sink']] },
  { id: 'b-sink', z: 'b-tab', type: 'bench-sink', wires: [] },
];
const ROWS = (VENDORS.length + TRUNKS.length + ACCOUNTS.length) * 2;

async function nullRate(getNode, cdrs) {
  const sink = getNode('b-sink');
  sink.reset(cdrs.length);
  const t0 = now();
  await getNode('b-src').emitMany(cdrs.length, (i) => ({ payload: cdrs[i] }));
  await sink.done;
  return { value: (cdrs.length / (sink.last - t0)) * 1000 };
}

async function statsRate(getNode, cdrs) {
  const sink = getNode('b-sink');
  sink.reset(ROWS);
  const t0 = now();
  const n = cdrs.length;
  await getNode('b-src').emitMany(n + 1, (i) => (i < n ? { payload: cdrs[i] } : { topic: 'report', payload: {} }));
  await sink.done;
  if (sink.count !== ROWS) throw new Error(`expected ${ROWS} report rows, got ${sink.count}`);
  return { value: (n / (sink.first - t0)) * 1000 };
}

async function run({ quick }) {
  const N = quick ? 20000 : 200000;
  const times = quick ? 1 : 3;
  const cdrs = traffic(N);

  // The library engine alone: record reading and counting, no runtime.
  const windows = [parseWindow('sliding 15m', ZONE), parseWindow('tumbling 1h', ZONE)];
  const lib = await repeat(times, () => {
    const e = new StatsEngine({ windows, timeBy: 'end', latenessMs: 300000, maxKeys: 1000, topCauses: 5, shortCallSec: 10 });
    const t = Date.now();
    const t0 = performance.now();
    for (const c of cdrs) {
      const r = toStatsRecord(c);
      e.add(r, [{ name: 'vendor', value: r.vendor }, { name: 'trunk', value: r.trunkOut }, { name: 'account', value: r.accountCode }], t);
    }
    return { value: (N / (performance.now() - t0)) * 1000 };
  });

  const { getNode } = await startRuntime(nullFlow);
  await nullRate(getNode, cdrs.slice(0, 20000)); // warm-up, untimed
  const null1 = await repeat(times, () => nullRate(getNode, cdrs));
  const stats = await repeat(times, async () => {
    // A fresh node each run, so counts start empty (through an empty flow: a redeploy
    // that only rewires the source trips the runtime).
    await deploy([tab]);
    await deploy(statsFlow);
    return statsRate(getNode, cdrs);
  });
  await stopRuntime();
  return {
    title: 'stats',
    rows: [
      { case: 'StatsEngine.add (library, 3 keys × 2 windows)', ...lib, unit: 'Cdr/s' },
      { case: 'null flow, 1 hop (runtime ceiling)', ...null1, unit: 'msg/s' },
      { case: 'cdr-stats, 3 keys × 2 windows', ...stats, unit: 'Cdr/s', baseline: 'null flow 1 hop', ratio: stats.value / null1.value },
    ],
    notes: [`${N} call Cdrs per run (3 vendors, 10 trunks, 20 accounts), median of ${times} runs; windows sliding 15m and tumbling 1h (${ZONE}); ${ROWS} report rows.`],
  };
}

module.exports = { run };

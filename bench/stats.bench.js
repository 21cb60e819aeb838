'use strict';
// cdr-stats: Cdr/s into one node with 3 keys (vendor, trunk, account) and 2 windows
// (sliding 15m, tumbling 1h), one Cdr per message and in batches, beside a 1-hop null
// flow in the same runtime and run; and the library path alone (the node's own reading
// and counting, no runtime), so what the engine costs per record and what the runtime
// costs per message can be told apart. The node's rate runs from the first record sent
// to the report that follows the last one (the report waits for every record before it).
const { performance } = require('node:perf_hooks');
const { startRuntime, deploy, stopRuntime } = require('./lib/runtime');
const { repeat } = require('./lib/stats');
const { StatsEngine } = require('../nodes/lib/stats/engine');
const { StatsInput } = require('../nodes/lib/glue/stats-input');
const { checkStatsSettings } = require('../nodes/lib/glue/stats-config');

const now = () => performance.timeOrigin + performance.now();
// CPU time of this process (all its threads, GC included), in ms: on a machine shared
// with other work the wall clock says how busy the machine was, this what a Cdr costs.
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
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
const BATCH = 100;

async function nullRate(getNode, cdrs) {
  const sink = getNode('b-sink');
  sink.reset(cdrs.length);
  const c0 = cpuMs();
  const t0 = now();
  await getNode('b-src').emitMany(cdrs.length, (i) => ({ payload: cdrs[i] }));
  await sink.done;
  return { value: (cdrs.length / (sink.last - t0)) * 1000, cpuUs: ((cpuMs() - c0) * 1000) / cdrs.length };
}

/** Cdr/s through cdr-stats, `batch` Cdrs per message (1: one message per Cdr). */
async function statsRate(getNode, cdrs, batch = 1) {
  const sink = getNode('b-sink');
  sink.reset(ROWS);
  const c0 = cpuMs();
  const t0 = now();
  const n = cdrs.length;
  const msgs = Math.ceil(n / batch);
  const record = batch === 1 ? (i) => ({ payload: cdrs[i] }) : (i) => ({ payload: cdrs.slice(i * batch, (i + 1) * batch) });
  await getNode('b-src').emitMany(msgs + 1, (i) => (i < msgs ? record(i) : { topic: 'report', payload: {} }));
  await sink.done;
  if (sink.count !== ROWS) throw new Error(`expected ${ROWS} report rows, got ${sink.count}`);
  return { value: (n / (sink.first - t0)) * 1000, cpuUs: ((cpuMs() - c0) * 1000) / n };
}

async function run({ quick }) {
  const N = quick ? 20000 : 200000;
  const times = quick ? 1 : 3;
  const cdrs = traffic(N);

  // The library path alone: what cdr-stats does per record (read it, read its keys,
  // count it), straight into the engine, no runtime and no message.
  const settings = checkStatsSettings(statsFlow[2]);
  if (!settings.ok) throw new Error(JSON.stringify(settings.problems));
  const lib = await repeat(times, () => {
    const engine = new StatsEngine(settings.value.engine);
    const input = new StatsInput(settings.value, engine, () => undefined);
    const msg = {};
    const c0 = cpuMs();
    const t0 = performance.now();
    for (const c of cdrs) {
      const r = input.read(c);
      input.add(r, msg, Date.now());
    }
    if (engine.counts.records !== N) throw new Error(`library: ${engine.counts.records} of ${N} counted`);
    return { value: (N / (performance.now() - t0)) * 1000, cpuUs: ((cpuMs() - c0) * 1000) / N };
  });
  const { getNode } = await startRuntime(nullFlow);
  await nullRate(getNode, cdrs.slice(0, 20000)); // warm-up, untimed
  const null1 = await repeat(times, () => nullRate(getNode, cdrs));
  // A fresh node each run, so counts start empty (through an empty flow: a redeploy
  // that only rewires the source trips the runtime).
  const fresh = async () => {
    await deploy([tab]);
    await deploy(statsFlow);
  };
  const stats = await repeat(times, async () => (await fresh(), statsRate(getNode, cdrs)));
  const batched = await repeat(times, async () => (await fresh(), statsRate(getNode, cdrs, BATCH)));
  await stopRuntime();
  const us = (v) => v.toFixed(2);
  const perCpuSecond = (r) => Math.round(1e6 / r.cpuUs).toLocaleString('en-US');
  return {
    title: 'stats',
    rows: [
      { case: 'library path: read + keys + StatsEngine.add, no runtime', ...lib, unit: 'Cdr/s' },
      { case: 'null flow, 1 hop (runtime ceiling)', ...null1, unit: 'msg/s' },
      { case: 'cdr-stats, 1 Cdr per msg', ...stats, unit: 'Cdr/s', baseline: 'null flow 1 hop', ratio: stats.value / null1.value },
      { case: `cdr-stats, ${BATCH} Cdrs per msg (batch)`, ...batched, unit: 'Cdr/s', baseline: 'null flow 1 hop', ratio: batched.value / null1.value },
    ],
    notes: [
      `${N} call Cdrs per run (3 vendors, 10 trunks, 20 accounts), median of ${times} runs; 3 keys (vendor, trunk, account) × 2 windows (sliding 15m, tumbling 1h, ${ZONE}); ${ROWS} report rows.`,
      `CPU time per record: library ${us(lib.cpuUs)} µs; one runtime hop ${us(null1.cpuUs)} µs per msg; cdr-stats ${us(stats.cpuUs)} µs per Cdr one by one, ${us(batched.cpuUs)} µs in batches of ${BATCH}.`,
      `per CPU-second (one core, whatever else the machine runs): library ${perCpuSecond(lib)} Cdr; null hop ${perCpuSecond(null1)} msg; cdr-stats ${perCpuSecond(stats)} Cdr one by one, ${perCpuSecond(batched)} Cdr in batches.`,
    ],
  };
}

// traffic is exported for profiling by hand (node --cpu-prof on a script that feeds it to the engine).
module.exports = { run, traffic };

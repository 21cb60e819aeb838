'use strict';
// node flags: --max-semi-space-size=64
// The end-to-end rows of e2e.bench.js again, in a Node.js started with a larger
// young generation (V8's semi-space 64 MB instead of 16): a record lives for a
// few turns of the event loop, long enough to outlive a small young generation,
// so V8 copies and promotes it; a larger one lets most records die young. A
// tuning for a busy collector (NODE_OPTIONS=--max-semi-space-size=64), at the
// price of a larger heap; compare these rows with e2e's of the same run.
const { startRuntime, stopRuntime } = require('./lib/runtime');
const { throughputOverTcp } = require('./lib/measure');
const { repeat } = require('./lib/stats');
const { e2eFlow, nullTcpFlow, legFrames, steadyBursts } = require('./e2e.bench');

const NUL = 'null flow 3 hops, same bytes over TCP';
const mb = (n) => Math.round((n / 1048576) * 10) / 10;

async function run({ quick }) {
  const N = quick ? 3000 : 50000;
  const WINDOW = quick ? 20000 : 100000;
  const times = quick ? 1 : 3;
  const { frames } = legFrames('y');
  const { getNode } = await startRuntime(nullTcpFlow);
  const nulPort = await getNode('b-src').listening;
  await throughputOverTcp(getNode, nulPort, frames(N)); // warm-up, untimed
  const nul = await repeat(times, () => throughputOverTcp(getNode, nulPort, frames(N)));
  const steady = (flow) => steadyBursts(getNode, flow, frames, { window: WINDOW, n: N, times });
  const full = await steady(e2eFlow({ dedupeCount: WINDOW }));
  const batchedAll = await steady(e2eFlow({ dedupeCount: WINDOW, batchSize: 500, batchMs: 20 }, { batchSize: 500, batchMs: 20 }));
  global.gc?.();
  const rss = process.memoryUsage().rss;
  await stopRuntime();
  return {
    title: 'e2e, young generation 64 MB',
    rows: [
      { case: 'null flow, 3 hops, the same bytes over TCP (semi-space 64 MB)', ...nul },
      { case: 'UCM JSON TCP → normalize → calc → sink, window full (semi-space 64 MB)', ...full, baseline: NUL, ratio: full.value / nul.value },
      { case: 'same, batches from the source on (semi-space 64 MB)', ...batchedAll, baseline: NUL, ratio: batchedAll.value / nul.value },
      { case: 'RSS after these runs (semi-space 64 MB)', value: mb(rss), unit: 'MB' },
    ],
    notes: [
      'node --max-semi-space-size=64 (V8 default: 16 MB on 64-bit); the flows, records and window of e2e.bench.js; compare with its rows of the same run.',
      `CPU per record (whole process, sender thread included): null flow over TCP ${nul.cpuUs.toFixed(1)} µs, window full ${full.cpuUs.toFixed(1)} µs, batches from the source on ${batchedAll.cpuUs.toFixed(1)} µs.`,
    ],
  };
}

module.exports = { run };

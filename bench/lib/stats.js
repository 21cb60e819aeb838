'use strict';

function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Runs `fn` `times` times and keeps the median of each numeric field: one slow run (GC, the other core busy) does not decide. */
async function repeat(times, fn) {
  const runs = [];
  for (let i = 0; i < times; i++) runs.push(await fn(i));
  const out = {};
  for (const k of Object.keys(runs[0])) out[k] = typeof runs[0][k] === 'number' ? percentile(runs.map((r) => r[k]), 50) : runs[0][k];
  return out;
}

module.exports = { percentile, repeat };

#!/usr/bin/env node
// `npm run bench`: runs every bench/*.bench.js, each in a fresh process with its
// own embedded Node-RED runtime, prints one table and saves the results under
// bench/results/. Figures are ratios against baselines measured in the same run.
//   npm run bench -- ucm       only benchmarks whose file name contains "ucm"
//   BENCH_QUICK=1              smaller volumes (a smoke run)
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const filter = process.argv[2] || '';
const files = fs
  .readdirSync(__dirname)
  .filter((f) => f.endsWith('.bench.js') && f.includes(filter))
  .sort();

const results = [];
let failed = 0;
for (const f of files) {
  process.stdout.write(`running ${f} …\n`);
  // A benchmark may name V8 flags to run under (a tuning it measures), in a comment line `// node flags: …`.
  const flags = (/^\/\/ node flags: (.+)$/m.exec(fs.readFileSync(path.join(__dirname, f), 'utf8'))?.[1] ?? '').split(' ').filter(Boolean);
  const r = spawnSync(process.execPath, ['--expose-gc', ...flags, path.join(__dirname, 'lib', 'child.js'), path.join(__dirname, f)], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: process.env,
  });
  const line = (r.stdout || '').split('\n').find((l) => l.startsWith('BENCH_RESULT '));
  if (r.status !== 0 || !line) {
    failed++;
    process.stdout.write(`  ${f} failed (exit ${r.status})\n${(r.stderr || '').slice(-2000)}\n`);
    continue;
  }
  results.push({ file: f, ...JSON.parse(line.slice('BENCH_RESULT '.length)) });
}

const fmt = (n, d = 0) => (typeof n === 'number' && Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : '');
const rows = [['benchmark', 'case', 'rate', 'p50 ms', 'p99 ms', 'vs', 'ratio']];
for (const r of results) {
  for (const row of r.rows) {
    rows.push([r.title, row.case, `${fmt(row.value)} ${row.unit || 'rec/s'}`, fmt(row.p50Ms, 2), fmt(row.p99Ms, 2), row.baseline || '', row.ratio === undefined ? '' : `${fmt(row.ratio, 2)}×`]);
  }
}
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
const line = (r) => r.map((c, i) => (i >= 2 && i <= 4 ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]))).join('  ');
console.log('');
console.log(line(rows[0]));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows.slice(1)) console.log(line(r));
for (const r of results) for (const n of r.notes || []) console.log(`note (${r.title}): ${n}`);

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const out = path.join(__dirname, 'results', `${stamp}.json`);
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(
  out,
  JSON.stringify({ at: new Date().toISOString(), node: process.version, cpus: os.cpus().map((c) => c.model)[0], cores: os.cpus().length, results }, null, 2),
);
console.log(`\nsaved ${path.relative(process.cwd(), out)}`);
process.exit(failed ? 1 : 0);

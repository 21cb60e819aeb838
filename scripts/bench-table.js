#!/usr/bin/env node
// The README's benchmark tables from one `npm run bench` run: every row of the
// run's JSON (bench/results/<stamp>.json), and the goals of issue 15 checked
// against ratios of that same run.
//   node scripts/bench-table.js [results.json] [--load "1.9 2.1 2.3"]   prints the markdown
//   node scripts/bench-table.js [results.json] --write [--load …]       replaces it in README.md
// Without a file, the newest in bench/results/ is used.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const START = '<!-- bench-table:start (scripts/bench-table.js writes this part) -->';
const END = '<!-- bench-table:end -->';

const args = process.argv.slice(2);
const write = args.includes('--write');
const loadAt = args.includes('--load') ? args[args.indexOf('--load') + 1] : null;
const fileArg = args.find((a, i) => a.endsWith('.json') && args[i - 1] !== '--load');
const resultsDir = path.join(root, 'bench', 'results');
const file =
  fileArg ||
  path.join(
    resultsDir,
    fs
      .readdirSync(resultsDir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .pop() || '',
  );
const run = JSON.parse(fs.readFileSync(file, 'utf8'));

const num = (n, d = 0) => (typeof n === 'number' && Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : '');
const cell = (t) => String(t).replace(/\|/g, '\\|');

/** Rows of benchmark `title` whose case starts with `prefix` (and, when given, whose baseline is `baseline`). */
function find(title, prefix, baseline) {
  const r = run.results.find((x) => x.title === title);
  if (!r) return null;
  return r.rows.find((row) => row.case.startsWith(prefix) && (baseline === undefined || row.baseline === baseline)) || null;
}

function table() {
  const out = ['| benchmark | case | rate | p50 / p99 ms | against |', '|---|---|---|---|---|'];
  for (const r of run.results) {
    for (const row of r.rows) {
      const lat = row.p50Ms !== undefined ? `${num(row.p50Ms, 1)} / ${num(row.p99Ms, 1)}` : '';
      const vs = row.ratio === undefined ? '' : `${num(row.ratio, 2)}× ${row.baseline || ''}`;
      out.push(`| ${cell(r.title)} | ${cell(row.case)} | ${num(row.value)} ${cell(row.unit || 'rec/s')} | ${lat} | ${cell(vs)} |`);
    }
  }
  return out.join('\n');
}

/** Issue 15's goals, each a figure of this run against its bound. */
function goals() {
  const g = [];
  const add = (goal, measured, met) => g.push(`| ${cell(goal)} | ${cell(measured)} | ${met === null ? 'not measured' : met ? 'met' : 'not met'} |`);
  const ratioGoal = (goal, row, bound) => add(goal, row ? `${num(row.ratio, 2)}×` : '—', row ? row.ratio >= bound : null);
  ratioGoal('e2e UCM JSON TCP → normalize → calc → sink, window full ≥ 0.9× a 3-hop null flow fed the same bytes', find('e2e', 'UCM JSON TCP → normalize → calc → sink, window full', 'null flow 3 hops, same bytes over TCP'), 0.9);
  ratioGoal('the same ≥ 1.5× the core-node flow doing less (tcp in → json → function)', find('e2e', 'UCM JSON TCP → normalize → calc → sink, window full', 'core tcp in → json → function'), 1.5);
  ratioGoal('cdr-normalize → cdr-calc ≥ 0.9× a 3-hop null flow', find('normalize', 'cdr-normalize → cdr-calc (3 hops)', 'null flow 3 hops'), 0.9);
  ratioGoal('library parse + normalize + calc ≥ 0.6× parse alone', find('normalize', 'parse + normalize + calc (library)', 'parse alone'), 0.6);
  ratioGoal('fs-cdr-in XML POST ≥ 0.8× the same path with JSON bodies', find('freeswitch', 'fs-cdr-in HTTP XML base64, 8 senders', 'HTTP JSON same calls'), 0.8);
  const reader = find('freeswitch', 'XML parse alone: our reader');
  add('FreeSWITCH XML parse ≥ 10,000 docs/s', reader ? `${num(reader.value)} docs/s` : '—', reader ? reader.value >= 10000 : null);
  ratioGoal('UCM XML over TCP ≥ 0.8× its parser alone', find('ucm', 'ucm-cdr-in TCP XML (1 hop)', 'parser alone'), 0.8);
  // The ratio of bursts taken in turn when the run has it (an older run: the two medians).
  const inTurn = find('ucm', 'ucm-cdr-in TCP XML (1 hop)', 'JSON, bursts in turn');
  const xml = find('ucm', 'ucm-cdr-in TCP XML (1 hop)');
  const json = find('ucm', 'ucm-cdr-in TCP JSON (1 hop)');
  const xj = inTurn ? inTurn.ratio : xml && json ? xml.value / json.value : null;
  add('UCM XML over TCP ≥ 0.5× UCM JSON', xj === null ? '—' : `${num(xj, 2)}×`, xj === null ? null : xj >= 0.5);
  const batch = find('e2e', 'same, window full, batches from the source on', 'null flow 3 hops, same bytes over TCP');
  add('batch mode end to end ≥ 100,000 CDR/s per core', batch ? `${num(batch.value)} CDR/s (one process)` : '—', batch ? batch.value >= 100000 : null);
  const rss = find('e2e', 'RSS after 1,000,000');
  add('RSS bounded over 1,000,000 records (default settings)', rss ? `${num(rss.value)} MB, ${num(rss.ratio, 2)}× the RSS at 100k` : '—', rss ? rss.ratio < 1.5 : null);
  const l1 = find('e2e', 'latency socket → sink at 1,000');
  const l10 = find('e2e', 'latency socket → sink at 10,000');
  add('p99 socket → sink < 5 ms at 1,000 CDR/s', l1 ? `${num(l1.p99Ms, 1)} ms` : '—', l1 ? l1.p99Ms < 5 : null);
  add('p99 socket → sink < 20 ms at 10,000 CDR/s', l10 ? `${num(l10.p99Ms, 1)} ms` : '—', l10 ? l10.p99Ms < 20 : null);
  return ['| goal (issue 15) | this run | |', '|---|---|---|', ...g].join('\n');
}

const text = [
  START,
  `One run of \`npm run bench\` (${run.at}, Node ${run.node}, ${run.cores} × ${run.cpus}${loadAt ? `, load average ${loadAt}` : ''}; \`bench/results/${path.basename(file)}\`).`,
  // The load said as it was: a run on an idle machine is not "shared with other work".
  Number(String(loadAt || '').split(/\s+/)[0]) >= 1.5
    ? 'The machine was shared with other work, so absolute rates are low and move between runs; the ratios, each against a baseline of the same run, are what to read.'
    : 'The machine had no other work at the start of the run; absolute rates still move between runs and machines, so the ratios, each against a baseline of the same run, are what to read.',
  '',
  goals(),
  '',
  table(),
  '',
  ...run.results.flatMap((r) => (r.notes || []).map((n) => `- ${r.title}: ${n}`)),
  END,
].join('\n');

if (!write) {
  console.log(text);
} else {
  const readme = path.join(root, 'README.md');
  const s = fs.readFileSync(readme, 'utf8');
  const a = s.indexOf(START);
  const b = s.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md has no ${START} … ${END} part`);
  fs.writeFileSync(readme, s.slice(0, a) + text + s.slice(b + END.length));
  console.log(`README.md: benchmark tables from ${path.relative(root, file)}`);
}

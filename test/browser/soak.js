#!/usr/bin/env node
'use strict';
// The browser suite on a loaded machine (issue 16): runs test/browser/editor.spec.js
// (or the spec files given) several times in a row while a busy loop keeps every
// core occupied, and prints how many runs passed. Not part of `npm test`
// (mocha's spec glob is test/**/*.spec.js; this file is not a spec).
//
//   node test/browser/soak.js                 # 10 runs of the editor suite under load
//   node test/browser/soak.js --runs 3 --no-load test/browser/dashboard.spec.js
//   node test/browser/soak.js --runs 5 --no-load --throttle 4   # the page's scripts 4x slower
//
// Exits 0 when every run passed. Each failing run's test titles and errors
// (a script error comes with its stack) are printed and kept in
// test-artifacts/soak/run-<n>.log, its failure screenshots in run-<n>/.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');

function parseArgs(argv) {
  const opts = { runs: 10, load: true, throttle: 0, specs: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--runs') opts.runs = Number(argv[++i]);
    else if (a === '--no-load') opts.load = false;
    else if (a === '--throttle') opts.throttle = Number(argv[++i]);
    else if (a === '--help' || a === '-h') opts.help = true;
    else opts.specs.push(a);
  }
  if (!Number.isInteger(opts.runs) || opts.runs < 1) throw new Error('--runs takes a whole number of at least 1');
  if (!(opts.throttle === 0 || opts.throttle > 1)) throw new Error('--throttle takes a slow-down factor above 1');
  if (opts.specs.length === 0) opts.specs.push('test/browser/editor.spec.js');
  return opts;
}

// One busy process per core: a plain loop, so the browser, Node-RED and mocha
// compete for CPU the way they do on a busy CI machine.
function startLoad() {
  const busy = [];
  for (let i = 0; i < os.cpus().length; i++) {
    busy.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  }
  return () => {
    for (const p of busy) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  };
}

let running = null;

function runOnce(specs, logFile, throttle) {
  return new Promise((resolve) => {
    const mocha = path.join(path.dirname(require.resolve('mocha/package.json', { paths: [root] })), 'bin', 'mocha.js');
    const child = spawn(process.execPath, [mocha, '--reporter', 'spec', '--no-colors', ...specs], {
      cwd: root,
      // CDRFLOW_CPU_THROTTLE: see chromium.js.
      env: { ...process.env, CI: 'true', ...(throttle ? { CDRFLOW_CPU_THROTTLE: String(throttle) } : {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running = child;
    const out = fs.createWriteStream(logFile);
    let text = '';
    const keep = (chunk) => {
      out.write(chunk);
      text += chunk;
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('close', (code) => {
      running = null;
      out.end();
      const passing = /(\d+) passing/.exec(text);
      const failing = /(\d+) failing/.exec(text);
      // The failure report mocha prints after the summary, without its second copy of each diff.
      const report = failing
        ? text
            .slice(text.indexOf(failing[0]) + failing[0].length)
            .trim()
            .split(/\n\s*\+ expected - actual\n[\s\S]*?(?=\n\s*at )/)
            .join('\n')
            .split('\n')
            .slice(0, 60)
            .join('\n')
        : '';
      resolve({ code, passing: passing ? Number(passing[1]) : 0, failing: failing ? Number(failing[1]) : 0, report });
    });
  });
}

// The next run clears the FAILED-*.png screenshots of this one: keep them beside its log.
function keepFailedScreenshots(dir) {
  const shots = path.join(root, 'test-artifacts', 'screenshots');
  const failed = fs.existsSync(shots) ? fs.readdirSync(shots).filter((f) => f.startsWith('FAILED-')) : [];
  if (failed.length === 0) return;
  fs.mkdirSync(dir, { recursive: true });
  for (const f of failed) fs.copyFileSync(path.join(shots, f), path.join(dir, f));
  console.log(`    screenshots: ${path.relative(root, dir)}/`);
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.help) {
    console.log('usage: node test/browser/soak.js [--runs N] [--no-load] [--throttle N] [spec files...]');
    return 0;
  }
  const logDir = path.join(root, 'test-artifacts', 'soak');
  fs.mkdirSync(logDir, { recursive: true });
  const stopLoad = opts.load ? startLoad() : () => {};
  const stop = () => {
    // mocha's after() hooks end its Node-RED and chromium on SIGINT.
    if (running) running.kill('SIGINT');
    stopLoad();
    process.exit(130);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  let passed = 0;
  try {
    console.log(`soak: ${opts.runs} runs of ${opts.specs.join(' ')}${opts.load ? `, ${os.cpus().length} busy loops` : ', no load'}${opts.throttle ? `, page scripts ${opts.throttle}x slower` : ''}`);
    for (let n = 1; n <= opts.runs; n++) {
      const started = Date.now();
      const logFile = path.join(logDir, `run-${n}.log`);
      const r = await runOnce(opts.specs, logFile, opts.throttle);
      const ok = r.code === 0 && r.failing === 0 && r.passing > 0;
      if (ok) passed++;
      const secs = Math.round((Date.now() - started) / 1000);
      console.log(`run ${n}: ${ok ? 'passed' : 'FAILED'} (${r.passing} passing, ${r.failing} failing, exit ${r.code}, ${secs} s)`);
      if (!ok) {
        console.log(r.report ? r.report.replace(/^/gm, '    ') : `    see ${path.relative(root, logFile)}`);
        keepFailedScreenshots(path.join(logDir, `run-${n}`));
      }
    }
  } finally {
    stopLoad();
  }
  console.log(`soak: ${passed} of ${opts.runs} runs passed`);
  return passed === opts.runs ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`soak: ${err.message}`);
    process.exit(2);
  },
);

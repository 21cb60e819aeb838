'use strict';
// The file transports alone (no Node-RED: they know nothing of it), beside the
// plainest code doing the same I/O in the same run:
//   file-tail on a Master.csv-like file  vs  fs.readFileSync + split (no position kept, no following)
//   spool-dir on N small .cdr.xml files   vs  a synchronous open/read/close/rename loop
// The ratio is the price of following, positions, settling and bounded memory.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { createFileTail } = require('../nodes/lib/transport/file-tail');
const { createSpoolDir } = require('../nodes/lib/transport/spool-dir');
const { createCheckpointStore } = require('../nodes/lib/transport/checkpoint');
const { repeat } = require('./lib/stats');

const csvLine = (i) =>
  `"Caller ${i}","1000${i % 90}","2000${i % 70}","default","2024-05-01 10:${String(i % 60).padStart(2, '0')}:00","2024-05-01 10:00:05","2024-05-01 10:01:00","60","55","NORMAL_CLEARING","${i.toString(16).padStart(8, '0')}-d424-11e3-8fb2-65b6c3cdac7d","","",""`;

function waitUntil(cond) {
  return new Promise((resolve) => {
    const check = () => (cond() ? resolve() : setImmediate(check));
    check();
  });
}

async function tailOnce(file, lines, withCheckpoint, dir) {
  let n = 0;
  const tail = createFileTail({
    path: file,
    startAt: 'beginning',
    pollIntervalMs: 50,
    checkpoint: withCheckpoint ? createCheckpointStore({ dir, name: `b-${Math.random()}` }) : undefined,
    onLine: () => {
      n++;
    },
  });
  const t0 = performance.now();
  await tail.start();
  await waitUntil(() => n === lines);
  const ms = performance.now() - t0;
  await tail.close();
  return { value: (lines / ms) * 1000 };
}

function readSplit(file, lines) {
  const t0 = performance.now();
  const n = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0).length;
  const ms = performance.now() - t0;
  if (n !== lines) throw new Error(`split found ${n} of ${lines}`);
  return { value: (lines / ms) * 1000 };
}

async function makeSpool(dir, files) {
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 0; i < files; i += 100) {
    const batch = [];
    for (let j = i; j < Math.min(files, i + 100); j++) batch.push(fs.promises.writeFile(path.join(dir, `${j}.cdr.xml`), `<cdr><uuid>${j}</uuid></cdr>`));
    await Promise.all(batch);
  }
}

async function spoolOnce(root, files) {
  const dir = path.join(root, `spool-${Math.random()}`);
  await makeSpool(dir, files);
  let n = 0;
  const spool = createSpoolDir({ dir, pattern: '*.cdr.xml', settleMs: 0, pollIntervalMs: 50, concurrency: 8, onFile: () => void n++ });
  const t0 = performance.now();
  await spool.start();
  await waitUntil(() => spool.stats.handled === files);
  const ms = performance.now() - t0;
  await spool.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return { value: (files / ms) * 1000 };
}

async function rawMoveOnce(root, files) {
  const dir = path.join(root, `raw-${Math.random()}`);
  await makeSpool(dir, files);
  fs.mkdirSync(path.join(dir, 'done'));
  const t0 = performance.now();
  for (const name of fs.readdirSync(dir)) {
    if (!name.endsWith('.cdr.xml')) continue;
    const fd = fs.openSync(path.join(dir, name), 'r');
    fs.fstatSync(fd);
    fs.readFileSync(fd);
    fs.closeSync(fd);
    fs.renameSync(path.join(dir, name), path.join(dir, 'done', name));
  }
  const ms = performance.now() - t0;
  fs.rmSync(dir, { recursive: true, force: true });
  return { value: (files / ms) * 1000 };
}

async function run({ quick }) {
  const lines = quick ? 20000 : 200000;
  const files = quick ? 1000 : 5000;
  const times = quick ? 1 : 3;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cdrflow-bench-files-'));
  try {
    const file = path.join(root, 'Master.csv');
    fs.writeFileSync(file, Array.from({ length: lines }, (_, i) => csvLine(i)).join('\n') + '\n');
    // Warm-up: the first run of each pays for JIT compilation and would skew the ratios.
    readSplit(file, lines);
    await tailOnce(file, lines, false, root);
    await tailOnce(file, lines, true, root);
    const split = await repeat(times, () => readSplit(file, lines));
    const tail = await repeat(times, () => tailOnce(file, lines, false, root));
    const tailCk = await repeat(times, () => tailOnce(file, lines, true, root));
    await rawMoveOnce(root, Math.min(files, 500));
    await spoolOnce(root, Math.min(files, 500));
    const raw = await repeat(times, () => rawMoveOnce(root, files));
    const spool = await repeat(times, () => spoolOnce(root, files));
    return {
      title: 'file transports',
      rows: [
        { case: `readFileSync + split, ${lines} CSV lines (ceiling)`, ...split, unit: 'lines/s' },
        { case: 'file-tail from byte 0', ...tail, unit: 'lines/s', baseline: 'readFileSync + split', ratio: tail.value / split.value },
        { case: 'file-tail from byte 0, with checkpoint', ...tailCk, unit: 'lines/s', baseline: 'readFileSync + split', ratio: tailCk.value / split.value },
        { case: `sync open/read/rename loop, ${files} files (ceiling)`, ...raw, unit: 'files/s' },
        { case: 'spool-dir, settle 0, 8 in flight', ...spool, unit: 'files/s', baseline: 'sync loop', ratio: spool.value / raw.value },
      ],
      notes: [
        'file-tail reads in 64 KiB chunks with one line in hand at a time (bounded memory); the baseline holds the whole file in memory and keeps no position.',
        'spool-dir times include two directory scans (a file is read only once seen unchanged twice) and the stat of every file.',
      ],
    };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

module.exports = { run };

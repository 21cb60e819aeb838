'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { createDirFollower } = require('../../../nodes/lib/transport/dir-follow');
const { createCheckpointStore } = require('../../../nodes/lib/transport/checkpoint');
const { tempDir, removeDir, waitFor } = require('./helpers');

const FAST = { pollIntervalMs: 20, checkpointIntervalMs: 20, finishGraceMs: 40 };

describe('transport/dir-follow', () => {
  let root;
  let dir;
  let followers;
  beforeEach(() => {
    root = tempDir('dirf');
    dir = path.join(root, 'cdr');
    fs.mkdirSync(dir);
    followers = [];
  });
  afterEach(async () => {
    await Promise.all(followers.map((f) => f.close()));
    removeDir(root);
  });

  async function follow(opts = {}) {
    const got = { lines: [], files: [], errors: [], events: [] };
    const f = createDirFollower({
      dir,
      pattern: '??????????.txt',
      ...FAST,
      onLine: (line, at) => {
        got.lines.push(line);
        got.files.push(path.basename(at.file));
      },
      onError: (e) => got.errors.push(e),
      onEvent: (e) => got.events.push(e),
      ...opts,
    });
    followers.push(f);
    await f.start();
    return { f, got };
  }
  const w = (name, text) => fs.appendFileSync(path.join(dir, name), text);
  const store = () => createCheckpointStore({ dir: path.join(root, 'ckpt'), name: 'vos', fsync: false });

  it('backfills from a given hour, in order, then follows the newest file as it grows', async () => {
    w('2024050108.txt', 'h08-1\n');
    w('2024050110.txt', 'h10-1\nh10-2\n');
    w('2024050109.txt', 'h09-1\r\n');
    w('README.txt', 'not a cdr file\n');
    const { got } = await follow({ backfillFrom: '2024050109' });
    await waitFor(() => got.lines.length === 3, 'the backfilled lines');
    assert.deepEqual(got.lines, ['h09-1', 'h10-1', 'h10-2']);
    w('2024050110.txt', 'h10-3\n');
    await waitFor(() => got.lines.length === 4, 'a line appended to the newest file');
    assert.deepEqual(got.files, ['2024050109.txt', '2024050110.txt', '2024050110.txt', '2024050110.txt']);
    assert.deepEqual(got.errors, []);
  });

  it('on the hour change finishes the older file (late lines and a last line without newline) before the newer', async () => {
    w('2024050110.txt', 'a1\n');
    const { got } = await follow({ startAt: 'beginning' });
    await waitFor(() => got.lines.length === 1, 'the first line');
    w('2024050111.txt', 'b1\n');
    // The writer adds the old hour's last records just after opening the new file.
    w('2024050110.txt', 'a2\na3');
    w('2024050111.txt', 'b2\n');
    await waitFor(() => got.lines.length === 5, 'all lines');
    assert.deepEqual(got.lines, ['a1', 'a2', 'a3', 'b1', 'b2']);
    assert.ok(got.events.some((e) => e.kind === 'finished' && e.file.endsWith('2024050110.txt')));
    w('2024050111.txt', 'b3\n');
    await waitFor(() => got.lines.length === 6, 'the new hour followed');
  });

  it('without backfill starts at the end of the newest file present, and reads later files whole', async () => {
    w('2024050109.txt', 'old\n');
    w('2024050110.txt', 'seen-before-start\n');
    const { got } = await follow();
    w('2024050110.txt', 'new-in-10\n');
    await waitFor(() => got.lines.length === 1, 'the new line');
    w('2024050111.txt', 'x\ny\n');
    await waitFor(() => got.lines.length === 3, 'the next hour');
    assert.deepEqual(got.lines, ['new-in-10', 'x', 'y']);
  });

  it('restarts exactly at the checkpoint: no loss, no repeat, including an hour written while stopped', async () => {
    w('2024050110.txt', 'a1\na2\n');
    const first = await follow({ checkpoint: store(), startAt: 'beginning' });
    await waitFor(() => first.got.lines.length === 2, 'two lines');
    await first.f.close();
    w('2024050110.txt', 'a3\n');
    w('2024050111.txt', 'b1\n');
    w('2024050112.txt', 'c1\nc2-partial');
    const second = await follow({ checkpoint: store() });
    await waitFor(() => second.got.lines.length === 3, 'lines written while stopped');
    assert.deepEqual(second.got.lines, ['a3', 'b1', 'c1']);
    await second.f.close();
    w('2024050112.txt', '-end\n');
    const third = await follow({ checkpoint: store() });
    await waitFor(() => third.got.lines.length === 1, 'the completed line');
    assert.deepEqual(third.got.lines, ['c2-partial-end']);
    assert.equal(third.got.events[0].kind, 'resumed');
  });

  it('goes on with the next file when the checkpointed one was removed while stopped', async () => {
    w('2024050110.txt', 'a1\n');
    const first = await follow({ checkpoint: store(), startAt: 'beginning' });
    await waitFor(() => first.got.lines.length === 1, 'one line');
    await first.f.close();
    fs.unlinkSync(path.join(dir, '2024050110.txt'));
    w('2024050109.txt', 'older\n');
    w('2024050111.txt', 'b1\n');
    const second = await follow({ checkpoint: store() });
    await waitFor(() => second.got.lines.length === 1, 'the next file');
    assert.deepEqual(second.got.lines, ['b1']);
  });

  it('uses a regex pattern with a key group, and waits for a directory that does not exist yet', async () => {
    removeDir(dir);
    const { got } = await follow({ pattern: /^cdr_(\d{10})\.txt$/, startAt: 'beginning' });
    await waitFor(() => got.events.some((e) => e.kind === 'waiting'), 'the waiting notice');
    fs.mkdirSync(dir);
    w('cdr_2024050111.txt', 'second\n');
    w('cdr_2024050110.txt', 'first\n');
    w('2024050109.txt', 'ignored\n');
    await waitFor(() => got.lines.length === 2, 'both files');
    assert.deepEqual(got.lines.slice().sort(), ['first', 'second']);
  });

  it('reports a file that appears late, sorting before the file being read, and does not read it', async () => {
    w('2024050110.txt', 'a1\n');
    const { f, got } = await follow({ startAt: 'beginning' });
    await waitFor(() => got.lines.length === 1, 'the first line');
    w('2024050108.txt', 'late\n');
    const polls = f.stats.polls;
    await waitFor(() => got.events.some((e) => e.kind === 'skipped'), 'the skipped notice');
    await waitFor(() => f.stats.polls > polls + 3, 'a few more polls');
    assert.deepEqual(got.lines, ['a1']);
  });

  it('decodes a GBK file (a Chinese softswitch) and starts after the last complete line', async () => {
    // "北京" in GBK, then a record being written when the follower starts.
    fs.writeFileSync(path.join(dir, '2024050110.txt'), Buffer.concat([Buffer.from('old|'), Buffer.from([0xb1, 0xb1, 0xbe, 0xa9]), Buffer.from('\n8613800|')]));
    const { got } = await follow({ encoding: 'gbk' });
    fs.appendFileSync(path.join(dir, '2024050110.txt'), Buffer.concat([Buffer.from([0xb1, 0xb1, 0xbe, 0xa9]), Buffer.from('|60\n')]));
    await waitFor(() => got.lines.length === 1, 'the completed record');
    assert.deepEqual(got.lines, ['8613800|北京|60']);
  });

  it('after a crash (SIGKILL) across hour files and a restart, every line is handled at least once', async function () {
    this.timeout(20000);
    const hours = ['2024050108.txt', '2024050109.txt', '2024050110.txt', '2024050111.txt'];
    const expected = [];
    for (const h of hours) {
      const lines = Array.from({ length: 3000 }, (_, i) => `${h.slice(0, 10)}|${i}`);
      expected.push(...lines);
      w(h, lines.join('\n') + '\n');
    }
    const log = path.join(root, 'handled.log');
    const ck = store();
    const script = `
      const fs = require('node:fs');
      const { createDirFollower } = require(${JSON.stringify(require.resolve('../../../nodes/lib/transport/dir-follow'))});
      const { createCheckpointStore } = require(${JSON.stringify(require.resolve('../../../nodes/lib/transport/checkpoint'))});
      const out = fs.openSync(${JSON.stringify(log)}, 'a');
      let n = 0;
      createDirFollower({
        dir: ${JSON.stringify(dir)}, pattern: '??????????.txt', backfillFrom: '2024050100',
        pollIntervalMs: 20, checkpointIntervalMs: 10, finishGraceMs: 10,
        checkpoint: createCheckpointStore({ dir: ${JSON.stringify(path.dirname(ck.file))}, name: 'vos' }),
        onLine: (line) => new Promise((r) => { fs.writeSync(out, line + '\\n'); if (++n === 5000) process.stdout.write('half\\n'); setImmediate(r); }),
      }).start();`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve, reject) => {
      child.on('error', reject);
      child.stdout.on('data', (d) => String(d).includes('half') && resolve());
    });
    const savedOffset = () => {
      try {
        return JSON.parse(fs.readFileSync(ck.file, 'utf8')).state.offset;
      } catch {
        return 0;
      }
    };
    await waitFor(() => savedOffset() > 0, 'a checkpoint past the first line');
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGKILL');
    await exited;
    const before = fs.readFileSync(log, 'utf8').split('\n').filter(Boolean);
    assert.ok(before.length >= 5000 && before.length < expected.length, `killed mid-way (${before.length})`);
    const { got } = await follow({ checkpoint: store() });
    await waitFor(() => got.lines[got.lines.length - 1] === expected[expected.length - 1], 'the rest after the restart', 15000);
    const all = new Set([...before, ...got.lines]);
    assert.equal(all.size, expected.length, 'none lost');
    assert.notEqual(got.lines[0], expected[0], `resumed from the checkpoint, not from the first file (${before.length} before the kill)`);
    assert.equal(got.lines.length, new Set(got.lines).size, 'no line twice after the restart');
  });

  it('restarts a truncated file at 0 and reports an oversize line', async () => {
    w('2024050110.txt', 'a1\na2\n');
    const { got } = await follow({ startAt: 'beginning', maxLineBytes: 64 });
    await waitFor(() => got.lines.length === 2, 'two lines');
    fs.truncateSync(path.join(dir, '2024050110.txt'), 0);
    w('2024050110.txt', `${'Z'.repeat(100)}\nz1\n`);
    await waitFor(() => got.lines.length === 3, 'the line after the truncation');
    assert.deepEqual(got.lines, ['a1', 'a2', 'z1']);
    assert.equal(got.errors[0].code, 'LINE_TOO_LONG');
  });
});

'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { createFileTail } = require('../../../nodes/lib/transport/file-tail');
const { createCheckpointStore } = require('../../../nodes/lib/transport/checkpoint');
const { tempDir, removeDir, waitFor } = require('./helpers');

const FAST = { pollIntervalMs: 20, checkpointIntervalMs: 20, rotationGraceMs: 40 };

/** Open file descriptors of this process that point into dir (Linux). */
function fdsInto(dir) {
  if (!fs.existsSync('/proc/self/fd')) return [];
  const out = [];
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      const target = fs.readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(dir)) out.push(target);
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

describe('transport/file-tail', () => {
  let dir;
  let file;
  let tails;
  beforeEach(() => {
    dir = tempDir('tail');
    file = path.join(dir, 'Master.csv');
    tails = [];
  });
  afterEach(async () => {
    await Promise.all(tails.map((t) => t.close()));
    removeDir(dir);
  });

  /** Starts a tail collecting lines, errors and events. */
  async function follow(opts = {}) {
    const got = { lines: [], ats: [], errors: [], events: [] };
    const tail = createFileTail({
      path: file,
      startAt: 'beginning',
      ...FAST,
      onLine: (line, at) => {
        got.lines.push(line);
        got.ats.push(at);
      },
      onError: (e) => got.errors.push(e),
      onEvent: (e) => got.events.push(e),
      ...opts,
    });
    tails.push(tail);
    await tail.start();
    return { tail, got };
  }

  const store = (name = 'tail') => createCheckpointStore({ dir: path.join(dir, 'ckpt'), name, fsync: false });
  const numbered = (from, to, prefix = 'l') => Array.from({ length: to - from }, (_, i) => `${prefix}${from + i}`);

  it('reads a present file from the beginning, CRLF or LF, and then follows appends', async () => {
    fs.writeFileSync(file, '\ufeff"a","1"\r\n"b","2"\n\n');
    const { got } = await follow();
    await waitFor(() => got.lines.length === 2, 'the first two lines');
    assert.deepEqual(got.lines, ['"a","1"', '"b","2"']);
    assert.deepEqual(got.ats[1], { file, start: 12, end: 20 }); // after the 3-byte BOM and a CRLF line
    fs.appendFileSync(file, '"c","3"\r\n');
    fs.appendFileSync(file, '"d","4"\n');
    await waitFor(() => got.lines.length === 4, 'the appended lines');
    assert.deepEqual(got.lines.slice(2), ['"c","3"', '"d","4"']);
    assert.deepEqual(got.errors, []);
  });

  it('with startAt end, skips what is already there and reads only new lines', async () => {
    fs.writeFileSync(file, 'old1\nold2\n');
    const { got } = await follow({ startAt: 'end' });
    fs.appendFileSync(file, 'new1\n');
    await waitFor(() => got.lines.length === 1, 'the new line');
    assert.deepEqual(got.lines, ['new1']);
    assert.equal(got.events[0].kind, 'opened');
    assert.equal(got.events[0].offset, 10);
  });

  it('with startAt end, still reads a line the writer was in the middle of at start', async () => {
    fs.writeFileSync(file, 'old1\nold2\n"new","hal');
    const { got } = await follow({ startAt: 'end' });
    assert.equal(got.events[0].offset, 10);
    fs.appendFileSync(file, 'f"\n');
    await waitFor(() => got.lines.length === 1, 'the completed line');
    assert.deepEqual(got.lines, ['"new","half"']);
  });

  it('reports a lasting I/O problem once, keeps polling, and recovers', async () => {
    fs.mkdirSync(file); // a directory where the file should be: every read fails with EISDIR
    const { tail, got } = await follow();
    const polls = tail.stats.polls;
    await waitFor(() => tail.stats.polls > polls + 5, 'several polls');
    assert.equal(got.errors.length, 1);
    assert.equal(got.errors[0].code, 'IO');
    assert.match(got.errors[0].message, /not a regular file/);
    fs.rmdirSync(file);
    fs.writeFileSync(file, 'back\n');
    await waitFor(() => got.lines.length === 1, 'the line once the file is a file');
    assert.deepEqual(got.lines, ['back']);
  });

  it('does not hand over a partial last line until the writer completes it', async () => {
    fs.writeFileSync(file, 'one\n"two","half');
    const { tail, got } = await follow();
    await waitFor(() => got.lines.length === 1, 'the complete line');
    // Let the tail poll the unchanged file a few times; the partial line must stay back.
    const polls = tail.stats.polls;
    await waitFor(() => tail.stats.polls >= polls + 5, 'five more polls');
    assert.deepEqual(got.lines, ['one']);
    assert.equal(tail.stats.offset, 4);
    fs.appendFileSync(file, '",end\r\n');
    await waitFor(() => got.lines.length === 2, 'the completed line');
    assert.equal(got.lines[1], '"two","half",end');
  });

  it('waits for a file that does not exist yet and reads it whole when it appears', async () => {
    const { got } = await follow({ startAt: 'end' });
    await waitFor(() => got.events.some((e) => e.kind === 'waiting'), 'the waiting notice');
    fs.writeFileSync(file, 'first\nsecond\n');
    await waitFor(() => got.lines.length === 2, 'both lines');
    assert.deepEqual(got.lines, ['first', 'second']);
  });

  it('follows a rotation by rename during writing: the old file is finished first, nothing lost or doubled', async () => {
    const { got } = await follow();
    const fd = fs.openSync(file, 'a');
    const expected = [];
    let n = 0;
    const writeSome = (fdx, count) => {
      for (let i = 0; i < count; i++) {
        const l = `rec${n++}`;
        expected.push(l);
        fs.writeSync(fdx, `${l}\n`);
      }
    };
    writeSome(fd, 300);
    await waitFor(() => got.lines.length >= 100, 'some lines before the rotation');
    // FreeSWITCH mod_cdr_csv: rename to Master.csv.YYYY-MM-DD-HH-MM-SS, open a new Master.csv.
    fs.renameSync(file, `${file}.2024-05-01-10-00-00`);
    // A writer that still holds the old file appends a little more before it reopens (logrotate style).
    writeSome(fd, 50);
    fs.writeSync(fd, 'last-old-without-newline');
    expected.push('last-old-without-newline');
    fs.closeSync(fd);
    const fd2 = fs.openSync(file, 'a');
    writeSome(fd2, 300);
    await waitFor(() => got.lines.length === expected.length, `all ${expected.length} lines`);
    writeSome(fd2, 5);
    fs.closeSync(fd2);
    await waitFor(() => got.lines.length === expected.length, 'the lines after the rotation');
    assert.deepEqual(got.lines, expected);
    const kinds = got.events.map((e) => e.kind);
    assert.ok(kinds.indexOf('rotated') < kinds.indexOf('finished'), kinds.join());
    assert.deepEqual(got.errors, []);
  });

  it('loses nothing when the file is rotated again before the old one is finished', async () => {
    fs.writeFileSync(file, 'a1\na2\n');
    const { got } = await follow({ rotationGraceMs: 300 });
    await waitFor(() => got.lines.length === 2, 'the first file');
    fs.renameSync(file, `${file}.2024-05-01-10-00-00`);
    fs.writeFileSync(file, 'b1\nb2\n');
    await waitFor(() => got.events.some((e) => e.kind === 'rotated'), 'the first rotation to be seen');
    // Still inside the first file's grace time: rotate again.
    fs.renameSync(file, `${file}.2024-05-01-10-00-01`);
    fs.writeFileSync(file, 'c1\n');
    await waitFor(() => got.lines.length === 5, 'all three files');
    assert.deepEqual(got.lines, ['a1', 'a2', 'b1', 'b2', 'c1']);
    assert.equal(got.events.filter((e) => e.kind === 'finished').length, 2);
  });

  it('keeps reading the old file while the new one cannot be opened yet (not as root)', async function () {
    if ((typeof process.getuid === 'function' && process.getuid() === 0) || process.platform === 'win32') this.skip();
    fs.writeFileSync(file, 'a1\n');
    const { got } = await follow({ rotationGraceMs: 20 });
    await waitFor(() => got.lines.length === 1, 'the first line');
    const fd = fs.openSync(file, 'a');
    fs.renameSync(file, `${file}.old`);
    fs.writeFileSync(file, 'b1\n', { mode: 0o000 });
    fs.writeSync(fd, 'a2\n');
    fs.closeSync(fd);
    await waitFor(() => got.lines.length === 2, 'the old file read on');
    await waitFor(() => got.errors.length === 1, 'the new file reported');
    assert.equal(got.errors[0].code, 'IO');
    assert.match(got.errors[0].message, /EACCES/);
    fs.chmodSync(file, 0o644);
    await waitFor(() => got.lines.length === 3, 'the new file once readable');
    assert.deepEqual(got.lines, ['a1', 'a2', 'b1']);
    assert.equal(got.errors.length, 1, 'reported once');
  });

  it('starts again at 0 after a truncation', async () => {
    fs.writeFileSync(file, 'a\nb\nc\n');
    const { got } = await follow();
    await waitFor(() => got.lines.length === 3, 'the first lines');
    fs.truncateSync(file, 0);
    fs.appendFileSync(file, 'x\n');
    await waitFor(() => got.lines.length === 4, 'the line after the truncation');
    assert.deepEqual(got.lines, ['a', 'b', 'c', 'x']);
    assert.ok(got.events.some((e) => e.kind === 'truncated'));
  });

  it('notices a truncation that regrew past the read position before the next poll (copytruncate)', async () => {
    fs.writeFileSync(file, 'a1\na2\n');
    const { got } = await follow();
    await waitFor(() => got.lines.length === 2, 'the first lines');
    // One synchronous call truncates and writes more than was there: no poll can see the short file.
    fs.writeFileSync(file, 'rewritten-1\nrewritten-2\n');
    await waitFor(() => got.lines.length === 4, 'the rewritten lines');
    assert.deepEqual(got.lines, ['a1', 'a2', 'rewritten-1', 'rewritten-2']);
  });

  it('finishes a deleted file and picks up a new one created at the same path', async () => {
    fs.writeFileSync(file, 'a\nb');
    const { got } = await follow();
    await waitFor(() => got.lines.length === 1, 'the first line');
    fs.unlinkSync(file);
    await waitFor(() => got.events.some((e) => e.kind === 'finished'), 'the deleted file to be finished');
    assert.deepEqual(got.lines, ['a', 'b']);
    fs.writeFileSync(file, 'c\n');
    await waitFor(() => got.lines.length === 3, 'the new file');
    assert.deepEqual(got.lines, ['a', 'b', 'c']);
    assert.ok(got.events.some((e) => e.kind === 'deleted'));
  });

  it('resumes exactly at the checkpoint after a clean close: no loss, no repeat', async () => {
    fs.writeFileSync(file, numbered(0, 50).join('\n') + '\npartial');
    const first = await follow({ checkpoint: store() });
    await waitFor(() => first.got.lines.length === 50, '50 lines');
    await first.tail.close();
    assert.deepEqual(fdsInto(dir), [], 'close released every handle');
    // Written while stopped: the end of the partial line and more lines.
    fs.appendFileSync(file, '-done\n' + numbered(50, 80).join('\r\n') + '\r\n');
    const second = await follow({ checkpoint: store(), startAt: 'end' });
    await waitFor(() => second.got.lines.length === 31, 'the lines written while stopped');
    assert.deepEqual(second.got.lines, ['partial-done', ...numbered(50, 80)]);
    assert.equal(second.got.events[0].kind, 'resumed');
    assert.equal(second.got.events[0].offset, Buffer.byteLength(numbered(0, 50).join('\n') + '\n'));
  });

  it('finishes a file rotated while stopped, then reads the new one', async () => {
    fs.writeFileSync(file, 'a1\na2\n');
    const first = await follow({ checkpoint: store() });
    await waitFor(() => first.got.lines.length === 2, 'two lines');
    await first.tail.close();
    fs.appendFileSync(file, 'a3\n');
    fs.renameSync(file, `${file}.2024-05-01-11-00-00`);
    fs.writeFileSync(file, 'b1\nb2\n');
    const second = await follow({ checkpoint: store(), startAt: 'end' });
    await waitFor(() => second.got.lines.length === 3, 'the rest of the old file and the new one');
    assert.deepEqual(second.got.lines, ['a3', 'b1', 'b2']);
    assert.equal(second.got.ats[0].file, `${file}.2024-05-01-11-00-00`);
  });

  it('with rotatedPattern, also reads files rotated after the checkpointed one while stopped', async () => {
    const old = `${file}.2024-04-30-23-00-00`;
    fs.writeFileSync(old, 'ancient\n');
    fs.utimesSync(old, new Date('2024-04-30T23:00:00Z'), new Date('2024-04-30T23:00:00Z'));
    fs.writeFileSync(file, 'a1\n');
    const first = await follow({ checkpoint: store() });
    await waitFor(() => first.got.lines.length === 1, 'the line of the first run');
    await first.tail.close();
    // While stopped: two rotations (an hourly HUP, say), each new file getting records.
    fs.appendFileSync(file, 'a2\n');
    fs.renameSync(file, `${file}.2024-05-01-10-00-00`);
    fs.writeFileSync(file, 'b1\nb2\n');
    fs.renameSync(file, `${file}.2024-05-01-11-00-00`);
    fs.writeFileSync(`${file}.gz`, 'binary');
    fs.writeFileSync(file, 'c1\n');
    const second = await follow({ checkpoint: store(), startAt: 'end', rotatedPattern: 'Master.csv.????-??-??-??-??-??' });
    await waitFor(() => second.got.lines.length === 4, 'the rest of a, all of b, then c');
    assert.deepEqual(second.got.lines, ['a2', 'b1', 'b2', 'c1']);
    assert.deepEqual(second.got.ats.map((a) => path.basename(a.file)), ['Master.csv.2024-05-01-10-00-00', 'Master.csv.2024-05-01-11-00-00', 'Master.csv.2024-05-01-11-00-00', 'Master.csv']);
  });

  it('reads a replaced file (same name, other content) from the beginning after a restart', async () => {
    fs.writeFileSync(file, 'old1\nold2\n');
    const first = await follow({ checkpoint: store() });
    await waitFor(() => first.got.lines.length === 2, 'two lines');
    await first.tail.close();
    fs.unlinkSync(file);
    fs.writeFileSync(file, 'new1\nnew2\nnew3\n');
    const second = await follow({ checkpoint: store(), startAt: 'end' });
    await waitFor(() => second.got.lines.length === 3, 'the new file');
    assert.deepEqual(second.got.lines, ['new1', 'new2', 'new3']);
  });

  it('falls back to the start policy with a warning when the checkpoint is corrupt', async () => {
    fs.writeFileSync(file, 'a\nb\n');
    const s = store();
    fs.mkdirSync(path.dirname(s.file), { recursive: true });
    fs.writeFileSync(s.file, 'garbage{');
    const { got } = await follow({ checkpoint: s, startAt: 'beginning' });
    await waitFor(() => got.lines.length === 2, 'the lines');
    assert.equal(got.events[0].kind, 'checkpoint-reset');
    assert.match(got.events[0].message, /unusable/);
  });

  it('commits a position only after the handler resolved; close waits for the line in hand', async () => {
    fs.writeFileSync(file, 'a\nb\nc\n');
    const s = store();
    let release;
    const seen = [];
    const { tail } = await follow({
      checkpoint: s,
      onLine: (line) => {
        seen.push(line);
        if (line === 'b') return new Promise((resolve) => (release = resolve));
        return undefined;
      },
    });
    await waitFor(() => release, 'the handler of b to be pending');
    await tail.flush();
    assert.equal((await s.load()).state.offset, 2, 'only a is committed while b is in hand');
    const closing = tail.close();
    let closed = false;
    closing.then(() => (closed = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(closed, false, 'close waits for the pending handler');
    release();
    await closing;
    assert.deepEqual(seen, ['a', 'b']);
    assert.equal((await s.load()).state.offset, 4, 'b is committed, c is not');
    const again = await follow({ checkpoint: store() });
    await waitFor(() => again.got.lines.length === 1, 'c after the restart');
    assert.deepEqual(again.got.lines, ['c']);
  });

  it('reports an oversize line with its start, skips it and reads the next', async () => {
    fs.writeFileSync(file, `ok1\n${'X'.repeat(5000)}\nok2\n`);
    const { got } = await follow({ maxLineBytes: 1000, chunkBytes: 256 });
    await waitFor(() => got.lines.length === 2, 'the good lines');
    assert.deepEqual(got.lines, ['ok1', 'ok2']);
    assert.equal(got.errors.length, 1);
    assert.equal(got.errors[0].code, 'LINE_TOO_LONG');
    assert.equal(got.errors[0].offset, 4);
    assert.equal(got.errors[0].text, 'X'.repeat(200));
  });

  it('reports a failing handler and goes on with the next line', async () => {
    fs.writeFileSync(file, 'a\nbad\nc\n');
    const got = [];
    const errors = [];
    await follow({
      onLine: async (line) => {
        if (line === 'bad') throw new Error('cannot parse');
        got.push(line);
      },
      onError: (e) => errors.push(e),
    });
    await waitFor(() => got.length === 2, 'the good lines');
    assert.equal(errors.length, 1);
    assert.equal(errors[0].code, 'HANDLER_FAILED');
    assert.equal(errors[0].text, 'bad');
  });

  it('reads a large file in bounded chunks, one line at a time (backpressure)', async () => {
    const total = 50000;
    fs.writeFileSync(file, numbered(0, total, 'row-').join('\n') + '\n');
    let inHand = 0;
    let maxInHand = 0;
    let count = 0;
    let lastOk = true;
    await follow({
      chunkBytes: 4096,
      onLine: (line) => {
        if (line !== `row-${count}`) lastOk = false;
        count++;
        inHand++;
        maxInHand = Math.max(maxInHand, inHand);
        if (count % 1000 === 0) return new Promise((r) => setImmediate(() => { inHand--; r(); }));
        inHand--;
        return undefined;
      },
    });
    await waitFor(() => count === total, `${total} lines`, 10000);
    assert.equal(lastOk, true, 'lines in order');
    assert.equal(maxInHand, 1, 'never more than one line in hand');
  });

  it('after a crash (SIGKILL) and restart, every line is handled at least once', async function () {
    this.timeout(15000);
    const total = 20000;
    fs.writeFileSync(file, numbered(0, total, 'c').join('\n') + '\n');
    const log = path.join(dir, 'handled.log');
    const ckptDir = path.join(dir, 'ckpt');
    const modPath = require.resolve('../../../nodes/lib/transport/file-tail');
    const ckPath = require.resolve('../../../nodes/lib/transport/checkpoint');
    const script = `
      const fs = require('node:fs');
      const { createFileTail } = require(${JSON.stringify(modPath)});
      const { createCheckpointStore } = require(${JSON.stringify(ckPath)});
      const out = fs.openSync(${JSON.stringify(log)}, 'a');
      let n = 0;
      const tail = createFileTail({
        path: ${JSON.stringify(file)}, startAt: 'beginning', pollIntervalMs: 20, checkpointIntervalMs: 10,
        checkpoint: createCheckpointStore({ dir: ${JSON.stringify(ckptDir)}, name: 'tail' }),
        onLine: (line) => new Promise((r) => { fs.writeSync(out, line + '\\n'); if (++n === 5000) process.stdout.write('half\\n'); setImmediate(r); }),
      });
      tail.start();`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve, reject) => {
      child.on('error', reject);
      child.stdout.on('data', (d) => String(d).includes('half') && resolve());
    });
    // A first checkpoint must exist so the restart has something to resume from.
    const savedOffset = () => {
      try {
        return JSON.parse(fs.readFileSync(store('tail').file, 'utf8')).state.offset;
      } catch {
        return 0;
      }
    };
    await waitFor(() => savedOffset() > 0, 'a checkpoint past the first line');
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGKILL');
    await exited;
    const before = fs.readFileSync(log, 'utf8').split('\n').filter(Boolean);
    assert.ok(before.length >= 5000 && before.length < total, `killed mid-way (${before.length})`);
    const { got } = await follow({ checkpoint: store('tail'), startAt: 'end' });
    await waitFor(() => got.lines[got.lines.length - 1] === `c${total - 1}`, 'the rest after the restart', 10000);
    const all = new Set([...before, ...got.lines]);
    assert.equal(all.size, total, 'none lost');
    const repeats = before.length + got.lines.length - total;
    assert.ok(repeats >= 0 && repeats < before.length, `repeats only since the last checkpoint (${repeats})`);
    assert.notEqual(got.lines[0], 'c0', 'resumed from the checkpoint, not from the beginning');
  });

  it('close() while start() is still running leaves nothing open or running', async () => {
    fs.writeFileSync(file, 'a\n');
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    await new Promise((r) => setImmediate(r)); // mocha's own timeout timer starts after the test function returns
    const timersBefore = timers();
    let lines = 0;
    const tail = createFileTail({ path: file, startAt: 'beginning', ...FAST, checkpoint: store(), onLine: () => void lines++ });
    const starting = tail.start();
    await tail.close();
    await starting;
    assert.deepEqual(fdsInto(dir), []);
    assert.equal(tail.stats.polls, 0, 'the follow loop never started');
    assert.equal(timers(), timersBefore, 'no timer left running');
    assert.equal(lines, 0);
  });

  it('rejects bad options up front and start() twice', async () => {
    assert.throws(() => createFileTail({ onLine: () => {} }), /path is required/);
    assert.throws(() => createFileTail({ path: file }), /onLine/);
    assert.throws(() => createFileTail({ path: file, onLine: () => {}, pollIntervalMs: -1 }), /pollIntervalMs/);
    assert.throws(() => createFileTail({ path: file, onLine: () => {}, encoding: 'klingon' }), /unsupported text encoding/);
    const { tail } = await follow();
    await assert.rejects(tail.start(), /already started/);
  });
});

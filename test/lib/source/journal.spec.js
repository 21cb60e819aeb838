'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Journal, JournalFullError, toRanges } = require('../../../nodes/lib/source/journal');
const { crc32, tableCrc32 } = require('../../../nodes/lib/source/crc32');
const { JournalLockedError, LOCK_FILE } = require('../../../nodes/lib/source/journal-lock');
const { bootId, processStart } = require('../../../nodes/lib/source/process-identity');
const { spawn } = require('node:child_process');

/** A live process that is not this one: its pid stands for another journal's holder. */
const liveProcess = () => spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
/** Kills it, and resolves once it is gone. */
const killed = (child) =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', resolve);
    child.kill('SIGKILL');
  });
const segmentsIn = (dir) => fs.readdirSync(dir).filter((n) => n.startsWith('seg-')).sort();
const text = (records) => records.map((r) => r.data.toString());

describe('source/journal', () => {
  let dir;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdrflow-journal-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('computes the standard CRC-32 with and without the built-in', () => {
    const b = Buffer.from('123456789');
    assert.equal(crc32(b), 0xcbf43926);
    assert.equal(tableCrc32(b), 0xcbf43926);
  });

  it('folds acknowledged sequence numbers into ranges', () => {
    assert.deepEqual(toRanges([5, 3, 4, 9, 4, 10]), [
      [3, 3],
      [9, 2],
    ]);
  });

  it('replays every record not acknowledged, in order, after a reopen', async () => {
    const { journal, unacknowledged } = await Journal.open({ dir });
    assert.deepEqual(unacknowledged, []);
    const taken = ['a', 'b', 'c', 'd'].map((s) => journal.append(Buffer.from(s)));
    await Promise.all(taken.map((t) => t.durable));
    journal.ack([taken[1].seq, taken[3].seq]);
    await journal.close();
    const again = await Journal.open({ dir });
    assert.deepEqual(text(again.unacknowledged), ['a', 'c']);
    assert.deepEqual(
      again.unacknowledged.map((r) => r.seq),
      [taken[0].seq, taken[2].seq],
    );
    // New records never reuse a sequence number still in the journal.
    const next = again.journal.append(Buffer.from('e'));
    assert.ok(next.seq > taken[3].seq);
    await next.durable;
    await again.journal.close();
  });

  it('writes many concurrent appends with few fsyncs (group commit)', async () => {
    const { journal } = await Journal.open({ dir });
    const calls = { n: 0 };
    const real = fs.fdatasync;
    fs.fdatasync = (fd, cb) => {
      calls.n++;
      real(fd, cb);
    };
    try {
      const taken = [];
      for (let i = 0; i < 500; i++) taken.push(journal.append(Buffer.from(`record ${i}`)));
      await Promise.all(taken.map((t) => t.durable));
    } finally {
      fs.fdatasync = real;
    }
    assert.ok(calls.n >= 1 && calls.n <= 3, `${calls.n} fsyncs for 500 appends`);
    await journal.close();
    const again = await Journal.open({ dir });
    assert.equal(again.unacknowledged.length, 500);
    await again.journal.close();
  });

  it("with fsync 'never' does not fsync, and the records still survive a reopen", async () => {
    const { journal } = await Journal.open({ dir, fsync: 'never' });
    let calls = 0;
    const real = fs.fdatasync;
    fs.fdatasync = (fd, cb) => {
      calls++;
      real(fd, cb);
    };
    try {
      await journal.append(Buffer.from('x')).durable;
    } finally {
      fs.fdatasync = real;
    }
    assert.equal(calls, 0);
    await journal.close();
    const again = await Journal.open({ dir });
    assert.deepEqual(text(again.unacknowledged), ['x']);
    await again.journal.close();
  });

  it('deletes segments once every record in them is acknowledged', async () => {
    const { journal } = await Journal.open({ dir, maxBytes: 64 * 1024, segmentBytes: 1024 });
    const taken = [];
    for (let i = 0; i < 100; i++) taken.push(journal.append(Buffer.alloc(100, 0x61 + (i % 26))));
    await Promise.all(taken.map((t) => t.durable));
    assert.ok(segmentsIn(dir).length >= 8, `${segmentsIn(dir).length} segments`);
    journal.ack(taken.slice(0, 99).map((t) => t.seq));
    await journal.flush();
    // The segment of the one record left, and the current one.
    assert.ok(segmentsIn(dir).length <= 2, segmentsIn(dir).join(','));
    journal.ack([taken[99].seq]);
    await journal.flush();
    await journal.close();
    const again = await Journal.open({ dir, maxBytes: 64 * 1024, segmentBytes: 1024 });
    assert.deepEqual(again.unacknowledged, []);
    assert.equal(segmentsIn(dir).length, 1);
    await again.journal.close();
  });

  it('keeps a segment whose records were acknowledged before they were written until they are (a record handed on at once, a held one let go)', async () => {
    const { journal } = await Journal.open({ dir, maxBytes: 64 * 1024, segmentBytes: 1024 });
    const first = journal.append(Buffer.alloc(600, 0x61));
    // The group commit's round is under way (writing the first record) once the turn that starts it has passed.
    await new Promise((resolve) => setImmediate(resolve));
    const second = journal.append(Buffer.alloc(600, 0x62));
    // The first segment is full: the third record begins the next one.
    const third = journal.append(Buffer.alloc(100, 0x63));
    journal.ack([first.seq, second.seq]);
    // Before, the round ending deleted the first segment (every record in it acknowledged) and closed
    // its file while the second record's write into it was still to go: that write failed, and the journal with it.
    await Promise.all([first.durable, second.durable, third.durable]);
    assert.equal(journal.wouldRefuse(), false, 'the journal still takes records');
    await journal.append(Buffer.from('after')).durable;
    await journal.close();
    const again = await Journal.open({ dir, maxBytes: 64 * 1024, segmentBytes: 1024 });
    assert.deepEqual(text(again.unacknowledged), ['c'.repeat(100), 'after']);
    await again.journal.close();
  });

  it('refuses new records over the disk cap, keeps the old ones, and takes records again once acknowledged', async () => {
    const { journal } = await Journal.open({ dir, maxBytes: 8192, segmentBytes: 1024 });
    const taken = [];
    let refused = null;
    for (let i = 0; i < 200 && !refused; i++) {
      try {
        taken.push(journal.append(Buffer.alloc(200, 0x62)));
      } catch (err) {
        refused = err;
      }
    }
    assert.ok(refused instanceof JournalFullError, String(refused));
    await Promise.all(taken.map((t) => t.durable));
    assert.ok(journal.wouldRefuse(200));
    let freed = false;
    const space = journal.whenSpace().then(() => (freed = true));
    journal.ack(taken.map((t) => t.seq));
    await space;
    assert.ok(freed);
    await journal.append(Buffer.from('after')).durable;
    await journal.close();
    const again = await Journal.open({ dir, maxBytes: 8192, segmentBytes: 1024 });
    assert.deepEqual(text(again.unacknowledged), ['after']);
    await again.journal.close();
  });

  it('detects a torn tail (a crash in mid-write), warns, and keeps every complete record', async () => {
    const { journal } = await Journal.open({ dir });
    for (const s of ['one', 'two', 'three']) await journal.append(Buffer.from(s)).durable;
    await journal.close();
    const seg = path.join(dir, segmentsIn(dir).pop());
    const full = fs.statSync(seg).size;
    // Cut into the last record, as a kill during its write would leave it.
    fs.truncateSync(seg, full - 3);
    const warnings = [];
    const again = await Journal.open({ dir, onWarning: (m) => warnings.push(m) });
    assert.deepEqual(text(again.unacknowledged), ['one', 'two']);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /torn entry/);
    await again.journal.append(Buffer.from('four')).durable;
    await again.journal.close();
    const third = await Journal.open({ dir, onWarning: (m) => warnings.push(m) });
    assert.deepEqual(text(third.unacknowledged), ['one', 'two', 'four']);
    await third.journal.close();
  });

  it('truncation at every byte of the tail loses nothing complete and never throws', async () => {
    const { journal } = await Journal.open({ dir });
    for (const s of ['alpha', 'beta', 'gamma']) await journal.append(Buffer.from(s)).durable;
    await journal.close();
    const seg = path.join(dir, segmentsIn(dir).pop());
    const bytes = fs.readFileSync(seg);
    const recordBytes = (s) => 8 + 1 + 6 + s.length;
    const endOfBeta = recordBytes('alpha') + recordBytes('beta');
    for (let cut = endOfBeta; cut < bytes.length; cut++) {
      const d = fs.mkdtempSync(path.join(os.tmpdir(), 'cdrflow-journal-cut-'));
      try {
        fs.writeFileSync(path.join(d, path.basename(seg)), bytes.subarray(0, cut));
        const warnings = [];
        const j = await Journal.open({ dir: d, onWarning: (m) => warnings.push(m) });
        assert.deepEqual(text(j.unacknowledged), ['alpha', 'beta'], `cut at ${cut}`);
        assert.equal(warnings.length, cut === endOfBeta ? 0 : 1, `cut at ${cut}`);
        await j.journal.close();
      } finally {
        fs.rmSync(d, { recursive: true, force: true });
      }
    }
  });

  it('detects a corrupt entry by its checksum and skips the rest of that segment only', async () => {
    const { journal } = await Journal.open({ dir, maxBytes: 64 * 1024, segmentBytes: 1024 });
    const taken = [];
    for (let i = 0; i < 30; i++) taken.push(journal.append(Buffer.from(`record-${String(i).padStart(3, '0')}-${'x'.repeat(80)}`)));
    await Promise.all(taken.map((t) => t.durable));
    await journal.close();
    const segs = segmentsIn(dir);
    assert.ok(segs.length >= 3);
    const first = path.join(dir, segs[0]);
    const bytes = fs.readFileSync(first);
    bytes[8 + 20] ^= 0xff; // inside the body of the first record
    fs.writeFileSync(first, bytes);
    const warnings = [];
    const again = await Journal.open({ dir, maxBytes: 64 * 1024, segmentBytes: 1024, onWarning: (m) => warnings.push(m) });
    assert.match(warnings.join('\n'), /checksum/);
    const got = text(again.unacknowledged);
    assert.ok(got.length > 0 && got.length < 30);
    assert.ok(!got.some((s) => s.startsWith('record-000')));
    assert.ok(got.includes(`record-029-${'x'.repeat(80)}`));
    await again.journal.close();
  });

  it('flush() resolves under steady traffic: it waits for what was appended before, not after', async () => {
    const { journal } = await Journal.open({ dir });
    let running = true;
    const feed = () => {
      if (!running) return;
      journal.append(Buffer.from('steady'));
      setImmediate(feed);
    };
    feed();
    try {
      for (let i = 0; i < 5; i++) await journal.flush();
    } finally {
      running = false;
    }
    await journal.close();
  });

  it('reads an unacknowledged record back, and nothing once acknowledged', async () => {
    const { journal } = await Journal.open({ dir });
    const t = journal.append(Buffer.from('read me'));
    await t.durable;
    assert.equal((await journal.read(t.seq)).toString(), 'read me');
    journal.ack([t.seq]);
    assert.equal(await journal.read(t.seq), null);
    await journal.close();
  });

  describe('one owner per directory', () => {
    it('refuses a second journal on the directory in this process, and lets the next one in once the first closed', async () => {
      const first = await Journal.open({ dir, owner: 'vos-cdr-in node a' });
      await assert.rejects(Journal.open({ dir: path.join(dir, '.'), owner: 'vos-cdr-in node b' }), (err) => {
        assert.ok(err instanceof JournalLockedError);
        assert.equal(err.holder, 'vos-cdr-in node a');
        assert.match(err.message, /already in use by vos-cdr-in node a/);
        return true;
      });
      const lock = JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8'));
      assert.deepEqual(lock, { pid: process.pid, owner: 'vos-cdr-in node a', boot: bootId(), start: processStart(process.pid) });
      if (process.platform === 'linux') assert.match(`${lock.boot} ${lock.start}`, /^[0-9a-f-]{36} \d+$/);
      // The refused journal wrote nothing: the first one's records are whole.
      await first.journal.append(Buffer.from('kept')).durable;
      await first.journal.close();
      assert.equal(fs.existsSync(path.join(dir, LOCK_FILE)), false, 'the lock file is removed on close');
      const second = await Journal.open({ dir, owner: 'vos-cdr-in node b' });
      assert.deepEqual(text(second.unacknowledged), ['kept']);
      await second.journal.close();
    });

    it('takes over the lock of a dead process (a SIGKILL) and refuses one of a live process', async () => {
      const child = liveProcess();
      try {
        fs.writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid: child.pid, owner: 'gw-cdr-in node x' }));
        await assert.rejects(Journal.open({ dir }), (err) => err instanceof JournalLockedError && err.pid === child.pid && /process \d+/.test(err.message));
      } finally {
        await killed(child);
      }
      const { journal } = await Journal.open({ dir, owner: 'gw-cdr-in node y' });
      assert.equal(JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8')).owner, 'gw-cdr-in node y');
      await journal.close();
      // A torn lock file (a crash while it was written) is stale too.
      fs.writeFileSync(path.join(dir, LOCK_FILE), '{"pid": 12');
      const again = await Journal.open({ dir });
      await again.journal.close();
    });

    it('takes over a lock whose pid now names another process (the number reused after a crash or a reboot)', async function () {
      if (process.platform !== 'linux') this.skip(); // boot id and start times are read from /proc
      const child = liveProcess();
      try {
        const file = path.join(dir, LOCK_FILE);
        const writeLock = (fields) => fs.writeFileSync(file, JSON.stringify({ pid: child.pid, owner: 'ucm-cdr-in node old', ...fields }));
        // Its /proc entry exists once spawn returns (the fork), and exec keeps the start time.
        const start = processStart(child.pid);
        assert.match(String(start), /^\d+$/);
        // The same pid, the same boot, the same start: its holder runs, refused.
        writeLock({ boot: bootId(), start });
        await assert.rejects(Journal.open({ dir }), (err) => err instanceof JournalLockedError && err.pid === child.pid);
        // The pid now names a process that started at another tick: the holder died and the number was given again.
        writeLock({ boot: bootId(), start: String(Number(start) - 1) });
        const reused = await Journal.open({ dir, owner: 'ucm-cdr-in node new' });
        assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).owner, 'ucm-cdr-in node new');
        await reused.journal.close();
        // Written in another boot: every pid of that boot is gone, whatever runs under the number now.
        writeLock({ boot: '00000000-0000-4000-8000-000000000000', start });
        const rebooted = await Journal.open({ dir, owner: 'ucm-cdr-in node after a reboot' });
        await rebooted.journal.close();
      } finally {
        await killed(child);
      }
    });

    // The race of the next test, made certain: another process's steps are played at the one instant between two of ours
    // (a read of a lock file that finds it gone, and what we would do next). Both failed on the code that took a
    // vanished file for a stale one and removed it by name: two processes then held the directory.
    describe('when another process moves between two of our steps', () => {
      const { lockJournalDir } = require('../../../nodes/lib/source/journal-lock');
      let others;
      let realRead;
      beforeEach(() => {
        // Live processes standing for the other takers (their pids must be alive, and not ours).
        others = [liveProcess(), liveProcess()];
        realRead = fs.readFileSync;
      });
      afterEach(async () => {
        fs.readFileSync = realRead;
        await Promise.all(others.map(killed));
      });
      const lockOf = (child, owner) => JSON.stringify({ pid: child.pid, owner });
      // The names the lock code reads (it resolves the directory first).
      const lockFile = () => path.join(fs.realpathSync(dir), LOCK_FILE);

      it('leaves the lock a winner has just created, when the stale one was gone before our takeover read it', () => {
        const file = lockFile();
        const takeover = `${file}.takeover`;
        fs.writeFileSync(file, JSON.stringify({ pid: 4194301, owner: 'a killed node' }));
        let played = false;
        // Our read of the lock file under our takeover lock: w removed the stale one just before (under its own
        // takeover lock, released before we took ours), and links its fresh lock just after.
        fs.readFileSync = function (f, ...rest) {
          if (!played && f === file && fs.existsSync(takeover)) {
            played = true;
            fs.rmSync(file);
            try {
              return realRead.call(fs, f, ...rest);
            } finally {
              fs.writeFileSync(file, lockOf(others[0], 'ucm-cdr-in node w'));
            }
          }
          return realRead.call(fs, f, ...rest);
        };
        assert.throws(() => lockJournalDir(dir, 'ucm-cdr-in node b'), (err) => err instanceof JournalLockedError && err.holder === 'ucm-cdr-in node w');
        assert.ok(played);
        assert.equal(JSON.parse(realRead.call(fs, file, 'utf8')).owner, 'ucm-cdr-in node w', "the winner's lock file is still there");
      });

      it("leaves a takeover lock another process has just taken, when the one we waited on was released", () => {
        const file = lockFile();
        const takeover = `${file}.takeover`;
        fs.writeFileSync(file, JSON.stringify({ pid: 4194302, owner: 'a killed node' }));
        fs.writeFileSync(takeover, lockOf(others[0], 'ucm-cdr-in node c'));
        let reads = 0;
        // Our first read of the takeover lock finds it released by c, and d takes it right after; at our next read
        // d has finished: the stale lock removed, its own lock linked, the takeover lock released.
        fs.readFileSync = function (f, ...rest) {
          if (f === takeover) {
            reads++;
            if (reads === 1) fs.rmSync(takeover);
            if (reads === 2) {
              fs.rmSync(file);
              fs.writeFileSync(file, lockOf(others[1], 'ucm-cdr-in node d'));
              fs.rmSync(takeover);
            }
            try {
              return realRead.call(fs, f, ...rest);
            } finally {
              if (reads === 1) fs.writeFileSync(takeover, lockOf(others[1], 'ucm-cdr-in node d'));
            }
          }
          return realRead.call(fs, f, ...rest);
        };
        assert.throws(() => lockJournalDir(dir, 'ucm-cdr-in node b'), (err) => err instanceof JournalLockedError && err.holder === 'ucm-cdr-in node d');
        assert.equal(reads, 2);
        assert.equal(JSON.parse(realRead.call(fs, file, 'utf8')).owner, 'ucm-cdr-in node d');
      });
    });

    it('gives a stale lock to exactly one of several processes taking it at once', async function () {
      this.timeout(60000);
      const lockModule = path.resolve(__dirname, '../../../nodes/lib/source/journal-lock');
      // Each child spins until the same instant, takes the directory, says whether it won, and holds it until stdin ends.
      const childCode = `
        const { lockJournalDir } = require(${JSON.stringify(lockModule)});
        const at = Number(process.argv[1]);
        while (Date.now() < at) {}
        let said;
        try { lockJournalDir(process.argv[2], 'node ' + process.pid); said = 'won'; }
        catch (err) { said = err.name === 'JournalLockedError' ? 'locked' : 'error ' + err.message; }
        process.stdout.write(said + '\\n');
        process.stdin.resume();
        process.stdin.on('end', () => process.exit(0));`;
      for (let round = 0; round < 6; round++) {
        // A lock left by a process that is gone (pid far above any live one).
        fs.writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid: 4194000 + round, owner: 'a killed node' }));
        const at = Date.now() + 1500;
        const children = Array.from({ length: 6 }, () => spawn(process.execPath, ['-e', childCode, String(at), dir], { stdio: ['pipe', 'pipe', 'inherit'] }));
        const said = await Promise.all(
          children.map(
            (c) =>
              new Promise((resolve, reject) => {
                let out = '';
                c.stdout.on('data', (d) => {
                  out += d;
                  if (out.includes('\n')) resolve(out.trim());
                });
                c.once('exit', (code) => reject(new Error(`a child exited (${code}) before it said: ${out}`)));
              }),
          ),
        );
        for (const c of children) c.stdin.end();
        await Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((resolve) => c.once('exit', resolve)))));
        assert.deepEqual(said.filter((s) => s === 'won').length, 1, `round ${round}: ${said.join(', ')}`);
        assert.deepEqual(said.filter((s) => s !== 'won' && s !== 'locked'), [], `round ${round}`);
        fs.rmSync(path.join(dir, LOCK_FILE), { force: true });
        assert.deepEqual(fs.readdirSync(dir), [], 'no lock file set aside is left behind');
      }
    });
  });
});

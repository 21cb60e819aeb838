'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { createSpoolDir, SpoolRetryLater } = require('../../../nodes/lib/transport/spool-dir');
const { tempDir, removeDir, waitFor } = require('./helpers');

const FAST = { pollIntervalMs: 20, settleMs: 30 };
const uuid = (i) => `${String(i).padStart(8, '0')}-d424-11e3-8fb2-65b6c3cdac7d`;
const xml = (i) => `<?xml version="1.0"?>\n<cdr core-uuid="x"><variables><uuid>${uuid(i)}</uuid></variables></cdr>\n`;

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

describe('transport/spool-dir', () => {
  let root;
  let dir;
  let spools;
  beforeEach(() => {
    root = tempDir('spool');
    dir = path.join(root, 'xml_cdr');
    fs.mkdirSync(dir);
    spools = [];
  });
  afterEach(async () => {
    await Promise.all(spools.map((s) => s.close()));
    removeDir(root);
  });

  async function spool(opts = {}) {
    const got = { files: [], errors: [], events: [] };
    const s = createSpoolDir({
      dir,
      pattern: '*.cdr.{xml,json}',
      ...FAST,
      onFile: (f) => {
        got.files.push(f);
      },
      onError: (e) => got.errors.push(e),
      onEvent: (e) => got.events.push(e),
      ...opts,
    });
    spools.push(s);
    await s.start();
    return { s, got };
  }
  const put = (name, text) => fs.writeFileSync(path.join(dir, name), text);
  const spoolNames = () => fs.readdirSync(dir).filter((n) => n.endsWith('.xml') || n.endsWith('.json'));

  it('hands over files already there and new ones, once each, then moves them to done', async () => {
    put(`a_${uuid(1)}.cdr.xml`, xml(1));
    put(`${uuid(2)}.cdr.json`, '{"variables":{}}');
    put('notes.txt', 'not a record');
    const { s, got } = await spool();
    await waitFor(() => got.files.length === 2, 'the files present at start');
    put(`${uuid(3)}.cdr.xml`, xml(3));
    await waitFor(() => s.stats.handled === 3 && spoolNames().length === 0, 'the new file');
    assert.deepEqual(got.files.map((f) => f.name).sort(), [`${uuid(2)}.cdr.json`, `${uuid(3)}.cdr.xml`, `a_${uuid(1)}.cdr.xml`]);
    const f3 = got.files.find((f) => f.name === `${uuid(3)}.cdr.xml`);
    assert.equal(f3.content.toString(), xml(3));
    assert.equal(f3.path, path.join(dir, `${uuid(3)}.cdr.xml`));
    assert.deepEqual(fs.readdirSync(path.join(dir, 'done')).sort(), got.files.map((f) => f.name).sort());
    assert.ok(fs.existsSync(path.join(dir, 'notes.txt')));
    assert.deepEqual(got.errors, []);
  });

  it('with subdirectories, also takes files from rotation subfolders (mod_xml_cdr rotate=true), never from done/error', async () => {
    const sub = '2024-05-01-10-00-00';
    fs.mkdirSync(path.join(dir, sub));
    fs.mkdirSync(path.join(dir, 'done'));
    fs.writeFileSync(path.join(dir, 'done', `${uuid(9)}.cdr.xml`), xml(9));
    put(`${uuid(1)}.cdr.xml`, xml(1));
    put(`${sub}/${uuid(2)}.cdr.xml`, xml(2));
    const { s, got } = await spool({ subdirectories: true });
    await waitFor(() => s.stats.handled === 2, 'both files');
    const polls = s.stats.polls;
    await waitFor(() => s.stats.polls > polls + 3, 'a few more scans');
    assert.equal(got.files.length, 2, 'nothing taken from the done folder');
    const f2 = got.files.find((f) => f.name === `${uuid(2)}.cdr.xml`);
    assert.equal(f2.relativePath, path.join(sub, `${uuid(2)}.cdr.xml`));
    assert.ok(fs.existsSync(path.join(dir, 'done', sub, `${uuid(2)}.cdr.xml`)));
  });

  it('without subdirectories, ignores files in subfolders', async () => {
    fs.mkdirSync(path.join(dir, 'sub'));
    put(`sub/${uuid(2)}.cdr.xml`, xml(2));
    put(`${uuid(1)}.cdr.xml`, xml(1));
    const { s, got } = await spool();
    await waitFor(() => s.stats.handled === 1, 'the top-level file');
    const polls = s.stats.polls;
    await waitFor(() => s.stats.polls > polls + 3, 'a few more scans');
    assert.deepEqual(got.files.map((f) => f.relativePath), [`${uuid(1)}.cdr.xml`]);
  });

  it('deletes handled files when after is delete', async () => {
    put(`${uuid(1)}.cdr.xml`, xml(1));
    const { s } = await spool({ after: 'delete' });
    await waitFor(() => s.stats.handled === 1 && spoolNames().length === 0, 'the file handled and deleted');
    assert.equal(fs.existsSync(path.join(dir, 'done')), false);
  });

  it('does not read a file while it is still being written', async () => {
    const name = `${uuid(7)}.cdr.xml`;
    // The settle interval is many scans long, so a busy machine delaying a scan cannot make a gap look like a pause.
    const { s, got } = await spool({ settleMs: 200 });
    const full = xml(7) + '<!--' + 'x'.repeat(400) + '-->\n';
    // Write a piece after each scan: the file never stays unchanged for a settle interval.
    for (let i = 0; i < full.length; i += 50) {
      fs.appendFileSync(path.join(dir, name), full.slice(i, i + 50));
      const polls = s.stats.polls;
      await waitFor(() => s.stats.polls > polls, 'the next scan');
    }
    assert.equal(got.files.length, 0, 'nothing handed over while writing');
    await waitFor(() => got.files.length === 1, 'the finished file');
    assert.equal(got.files[0].content.toString(), full);
  });

  const parses = (buf) => {
    try {
      JSON.parse(buf.toString());
      return true;
    } catch {
      return false;
    }
  };

  it('does not hand over a settled file until the complete predicate says yes', async () => {
    put(`${uuid(1)}.cdr.json`, '{"variables":{"uuid":"1"');
    const { s, got } = await spool({ isComplete: parses });
    const polls = s.stats.polls;
    await waitFor(() => s.stats.polls > polls + 6, 'several scans past the settle interval');
    assert.equal(got.files.length, 0, 'a settled but incomplete file is not handed over');
    fs.appendFileSync(path.join(dir, `${uuid(1)}.cdr.json`), '}}');
    await waitFor(() => got.files.length === 1, 'the completed file');
    assert.deepEqual(JSON.parse(got.files[0].content), { variables: { uuid: '1' } });
    assert.deepEqual(got.errors, []);
  });

  it('moves a file that never completes to the error folder', async () => {
    put(`${uuid(2)}.cdr.json`, '{"never": ');
    const { got } = await spool({ isComplete: parses, incompleteTimeoutMs: 100 });
    await waitFor(() => got.errors.length === 1, 'the never-complete file rejected');
    assert.equal(got.files.length, 0);
    assert.equal(got.errors[0].code, 'FILE_REJECTED');
    assert.match(got.errors[0].message, /incomplete/);
    assert.equal(got.errors[0].text, '{"never": ');
    assert.ok(fs.existsSync(path.join(dir, 'error', `${uuid(2)}.cdr.json`)));
  });

  it('moves a file the handler rejects to the error folder, reports it with its text, and never retries it', async () => {
    put(`${uuid(1)}.cdr.xml`, 'garbage \u0000\u0001 not xml');
    put(`${uuid(2)}.cdr.xml`, xml(2));
    let calls = 0;
    const { s, got } = await spool({
      onFile: (f) => {
        calls++;
        if (!f.content.toString().startsWith('<?xml')) throw new Error('not a CDR');
      },
    });
    await waitFor(() => s.stats.handled === 1 && s.stats.rejected === 1, 'one handled, one rejected');
    const polls = s.stats.polls;
    await waitFor(() => s.stats.polls > polls + 3, 'a few more scans');
    assert.equal(calls, 2);
    assert.equal(got.errors.length, 1);
    assert.equal(got.errors[0].code, 'FILE_REJECTED');
    assert.match(got.errors[0].message, /not a CDR/);
    assert.equal(got.errors[0].text, 'garbage \u0000\u0001 not xml');
    assert.deepEqual(fs.readdirSync(path.join(dir, 'error')), [`${uuid(1)}.cdr.xml`]);
    assert.deepEqual(spoolNames(), []);
  });

  it('never reads through a symbolic link out of the spool directory (the target is not emitted); a link inside it is read', async () => {
    const secret = path.join(root, 'secret.txt');
    fs.writeFileSync(secret, 'password=hunter2 </cdr>');
    fs.symlinkSync(secret, path.join(dir, `${uuid(1)}.cdr.xml`));
    fs.mkdirSync(path.join(dir, 'keep'));
    fs.writeFileSync(path.join(dir, 'keep', 'inner.xml'), xml(3));
    fs.symlinkSync(path.join(dir, 'keep', 'inner.xml'), path.join(dir, `${uuid(3)}.cdr.xml`));
    put(`${uuid(2)}.cdr.xml`, xml(2));
    const { s, got } = await spool({
      onFile: (f) => {
        got.files.push(f);
        if (!f.content.toString().startsWith('<?xml')) throw new Error(`not a CDR: ${f.content}`);
      },
    });
    await waitFor(() => s.stats.handled === 2 && s.stats.rejected === 1, 'two handled, the outside link rejected');
    assert.equal(got.files.length, 2);
    for (const f of got.files) assert.doesNotMatch(f.content.toString(), /hunter2/);
    assert.equal(got.errors.length, 1);
    assert.match(got.errors[0].message, /symbolic link to a file outside the spool directory/);
    assert.equal(got.errors[0].text, undefined);
    assert.doesNotMatch(JSON.stringify({ m: got.errors[0].message, t: got.errors[0].text }), /hunter2/);
    // The link was moved, not its target.
    assert.equal(fs.readFileSync(secret, 'utf8'), 'password=hunter2 </cdr>');
  });

  it('keeps a file whose handler asks to retry later, and hands it over again', async () => {
    put(`${uuid(1)}.cdr.xml`, xml(1));
    let calls = 0;
    const { s } = await spool({
      retryDelayMs: 40,
      onFile: () => {
        calls++;
        if (calls < 3) throw new SpoolRetryLater('downstream busy');
      },
    });
    await waitFor(() => s.stats.handled === 1, 'the file handled on the third try');
    assert.equal(calls, 3);
    assert.equal(s.stats.rejected, 0);
  });

  it('moves a file that cannot be read three times to the error folder (not as root: root reads anything)', async function () {
    if (typeof process.getuid === 'function' && process.getuid() === 0) this.skip();
    if (process.platform === 'win32') this.skip();
    put(`${uuid(1)}.cdr.xml`, xml(1));
    fs.chmodSync(path.join(dir, `${uuid(1)}.cdr.xml`), 0o000);
    const { s, got } = await spool({ retryDelayMs: 10 });
    await waitFor(() => s.stats.rejected === 1 && got.errors.length === 3, 'the rejection reported');
    assert.deepEqual(got.errors.map((e) => e.code), ['IO', 'IO', 'FILE_REJECTED']);
    assert.match(got.errors[2].message, /could not be read 3 times/);
    assert.ok(fs.existsSync(path.join(dir, 'error', `${uuid(1)}.cdr.xml`)));
  });

  it('rejects a file over the size limit unread', async () => {
    put(`${uuid(1)}.cdr.xml`, 'x'.repeat(2000));
    let calls = 0;
    const { s, got } = await spool({ maxFileBytes: 1000, onFile: () => calls++ });
    // The count goes up before the file is moved and the error reported: wait for the report.
    await waitFor(() => s.stats.rejected === 1 && got.errors.length === 1, 'the rejection reported');
    assert.equal(calls, 0);
    assert.match(got.errors[0].message, /over the 1000-byte limit/);
  });

  it('keeps at most `concurrency` files in flight', async () => {
    for (let i = 0; i < 30; i++) put(`${uuid(i)}.cdr.xml`, xml(i));
    let inHand = 0;
    let max = 0;
    const { s } = await spool({
      concurrency: 3,
      onFile: () => {
        inHand++;
        max = Math.max(max, inHand);
        return new Promise((r) => setTimeout(() => { inHand--; r(); }, 2));
      },
    });
    await waitFor(() => s.stats.handled === 30, 'all files');
    assert.equal(max, 3);
  });

  it('a clean close finishes the files in flight: a restart repeats none and loses none', async () => {
    const total = 300;
    for (let i = 0; i < total; i++) put(`${uuid(i)}.cdr.xml`, xml(i));
    const seen = [];
    const first = await spool({ concurrency: 5, onFile: (f) => new Promise((r) => setImmediate(() => { seen.push(f.name); r(); })) });
    await waitFor(() => seen.length >= 100, '100 files');
    await first.s.close();
    assert.deepEqual(fdsInto(root), [], 'close released every handle');
    const afterFirst = seen.length;
    assert.ok(afterFirst < total);
    assert.equal(spoolNames().length, total - afterFirst, 'every handled file was moved');
    const second = await spool({ onFile: (f) => { seen.push(f.name); } });
    await waitFor(() => second.s.stats.handled === total - afterFirst, 'the rest');
    assert.equal(seen.length, total, 'no repeat');
    assert.equal(new Set(seen).size, total, 'none lost');
  });

  it('5,000 files, the process killed (SIGKILL) mid-way and restarted: every file handled at least once', async function () {
    this.timeout(30000);
    const total = 5000;
    // Written in parallel batches: on a busy disk that is several times faster than one by one.
    for (let i = 0; i < total; i += 100) {
      const batch = [];
      for (let j = i; j < Math.min(total, i + 100); j++) batch.push(fs.promises.writeFile(path.join(dir, `${j % 2 ? 'a_' : ''}${uuid(j)}.cdr.xml`), xml(j)));
      await Promise.all(batch);
    }
    const log = path.join(root, 'sent.log');
    const modPath = require.resolve('../../../nodes/lib/transport/spool-dir');
    const script = `
      const fs = require('node:fs');
      const { createSpoolDir } = require(${JSON.stringify(modPath)});
      const out = fs.openSync(${JSON.stringify(log)}, 'a');
      let n = 0;
      createSpoolDir({
        dir: ${JSON.stringify(dir)}, pattern: '*.cdr.xml', pollIntervalMs: 20, settleMs: 10, concurrency: 8,
        onFile: (f) => new Promise((r) => {
          fs.writeSync(out, f.name + '\\n');
          if (++n === 2000) process.stdout.write('half\\n');
          setImmediate(r);
        }),
      }).start();`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve, reject) => {
      child.on('error', reject);
      child.stdout.on('data', (d) => String(d).includes('half') && resolve());
    });
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGKILL');
    await exited;
    const before = fs.readFileSync(log, 'utf8').split('\n').filter(Boolean);
    assert.ok(before.length >= 2000 && before.length < total, `killed mid-way (${before.length} sent)`);
    const again = [];
    const { s } = await spool({ pattern: '*.cdr.xml', concurrency: 8, settleMs: 10, onFile: (f) => { again.push(f.name); } });
    await waitFor(() => spoolNames().length === 0 && s.stats.inFlight === 0, 'the spool drained after the restart', 20000);
    const all = new Set([...before, ...again]);
    assert.equal(all.size, total, 'none lost');
    assert.equal(fs.readdirSync(path.join(dir, 'done')).length, total);
    const repeats = before.length + again.length - total;
    assert.ok(repeats >= 0 && repeats <= 8, `only the files in flight at the kill are sent again (${repeats})`);
  });

  it('waits for a spool directory that does not exist yet', async () => {
    removeDir(dir);
    const { s, got } = await spool();
    await waitFor(() => got.events.some((e) => e.kind === 'waiting'), 'the waiting notice');
    fs.mkdirSync(dir);
    put(`${uuid(1)}.cdr.xml`, xml(1));
    await waitFor(() => s.stats.handled === 1, 'the file');
    assert.ok(fs.existsSync(path.join(dir, 'done', `${uuid(1)}.cdr.xml`)));
  });

  it('rejects bad options', () => {
    assert.throws(() => createSpoolDir({ pattern: '*', onFile() {} }), /dir is required/);
    assert.throws(() => createSpoolDir({ dir, pattern: '*' }), /onFile/);
    assert.throws(() => createSpoolDir({ dir, pattern: '*', onFile() {}, after: 'keep' }), /after/);
    assert.throws(() => createSpoolDir({ dir, pattern: '*', onFile() {}, doneDir: '.' }), /must differ/);
  });
});

'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { createCheckpointStore, checkpointFileName } = require('../../../nodes/lib/transport/checkpoint');
const { tempDir, removeDir } = require('./helpers');

describe('transport/checkpoint', () => {
  let dir;
  beforeEach(() => {
    dir = tempDir('ckpt');
  });
  afterEach(() => removeDir(dir));

  it('reports a missing checkpoint, then round-trips a saved state', async () => {
    const store = createCheckpointStore({ dir: path.join(dir, 'sub'), name: 'node-1' });
    assert.deepEqual(await store.load(), { status: 'missing' });
    await store.save({ offset: 42, file: 'Master.csv' });
    const again = createCheckpointStore({ dir: path.join(dir, 'sub'), name: 'node-1' });
    assert.deepEqual(await again.load(), { status: 'ok', state: { offset: 42, file: 'Master.csv' } });
    const env = JSON.parse(fs.readFileSync(store.file, 'utf8'));
    assert.equal(env.format, 'cdrflow-checkpoint');
    assert.equal(env.name, 'node-1');
    // No temp file left behind.
    assert.deepEqual(fs.readdirSync(path.join(dir, 'sub')), [path.basename(store.file)]);
  });

  it('keeps one file per source, with safe and distinct names', async () => {
    const a = createCheckpointStore({ dir, name: 'a/b' });
    const b = createCheckpointStore({ dir, name: 'a_b' });
    const c = createCheckpointStore({ dir, name: '../../etc/passwd' });
    await Promise.all([a.save(1), b.save(2), c.save(3)]);
    assert.equal((await a.load()).state, 1);
    assert.equal((await b.load()).state, 2);
    assert.equal((await c.load()).state, 3);
    for (const s of [a, b, c]) assert.equal(path.dirname(s.file), dir);
    assert.notEqual(checkpointFileName('a/b'), checkpointFileName('a_b'));
  });

  it('coalesces concurrent saves and ends with the newest state', async () => {
    const store = createCheckpointStore({ dir, name: 'busy' });
    const saves = [];
    for (let i = 0; i < 200; i++) saves.push(store.save({ n: i }));
    await Promise.all(saves);
    assert.deepEqual((await store.load()).state, { n: 199 });
    assert.equal(fs.readdirSync(dir).length, 1);
  });

  it('treats an unparseable file as corrupt, keeps it aside and starts clean', async () => {
    const store = createCheckpointStore({ dir, name: 'x' });
    fs.writeFileSync(store.file, '{"format":"cdrflow-checkpoint","version":1,"state":{"off');
    const r = await store.load();
    assert.equal(r.status, 'corrupt');
    assert.equal(r.state, undefined);
    assert.match(r.warning, /not JSON/);
    assert.match(r.warning, /moved to .*\.corrupt-/);
    assert.equal(fs.readdirSync(dir).filter((n) => n.includes('.corrupt-')).length, 1);
    assert.deepEqual(await store.load(), { status: 'missing' });
    await store.save({ offset: 1 });
    assert.deepEqual((await store.load()).state, { offset: 1 });
  });

  it('treats foreign JSON and a state failing validation as corrupt', async () => {
    const isPos = (v) => v !== null && typeof v === 'object' && Number.isInteger(v.offset) && v.offset >= 0;
    const store = createCheckpointStore({ dir, name: 'v', validate: isPos });
    fs.writeFileSync(store.file, JSON.stringify({ hello: 'world' }));
    assert.equal((await store.load()).status, 'corrupt');
    await store.save({ offset: -5 });
    const r = await store.load();
    assert.equal(r.status, 'corrupt');
    assert.match(r.warning, /unexpected shape/);
    await store.save({ offset: 5 });
    assert.deepEqual(await store.load(), { status: 'ok', state: { offset: 5 } });
  });

  it('removes a temp file left by a crash before the rename', async () => {
    const store = createCheckpointStore({ dir, name: 't' });
    await store.save({ offset: 7 });
    const stale = `${store.file}.tmp-99999-deadbeef`;
    fs.writeFileSync(stale, '{"half');
    assert.deepEqual((await store.load()).state, { offset: 7 });
    assert.equal(fs.existsSync(stale), false);
  });

  it('remove() deletes the stored state', async () => {
    const store = createCheckpointStore({ dir, name: 'r' });
    await store.save(1);
    await store.remove();
    await store.remove();
    assert.deepEqual(await store.load(), { status: 'missing' });
  });

  it('always holds a whole state after a process is killed (SIGKILL) while saving', async function () {
    this.timeout(15000);
    const modulePath = require.resolve('../../../nodes/lib/transport/checkpoint');
    const script = `
      const { createCheckpointStore } = require(${JSON.stringify(modulePath)});
      const store = createCheckpointStore({ dir: ${JSON.stringify(dir)}, name: 'killed' });
      (async () => {
        for (let n = 1; ; n++) {
          await store.save({ n, pad: 'x'.repeat(4000) });
          if (n % 20 === 0) process.stdout.write(n + '\\n');
        }
      })();`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let lastReported = 0;
    await new Promise((resolve, reject) => {
      child.on('error', reject);
      child.stdout.on('data', (d) => {
        const lines = String(d).trim().split('\n');
        lastReported = Number(lines[lines.length - 1]);
        if (lastReported >= 100) resolve();
      });
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    const r = await createCheckpointStore({ dir, name: 'killed' }).load();
    assert.equal(r.status, 'ok');
    assert.ok(r.state.n >= lastReported, `${r.state.n} >= ${lastReported}`);
    assert.equal(r.state.pad.length, 4000);
  });
});

'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const helper = require('node-red-node-test-helper');
const fsNode = require('../../nodes/fs-cdr-in.js');
const sim = require('../../nodes/lib/sim/freeswitch');
const { MasterCsvWriter } = require('../../nodes/lib/sim/freeswitch-send');
const { samplePath } = require('../support/samples');
const { waitFor } = require('../support/wait');

helper.init(require.resolve('node-red'));

describe('fs-cdr-in (Master.csv mode)', function () {
  let tmp;
  let file;
  let ckpt;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-csv-'));
    file = path.join(tmp, 'Master.csv');
    ckpt = path.join(tmp, 'checkpoints');
  });
  afterEach(async () => {
    await helper.unload();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function start(extra = {}) {
    await helper.load(fsNode, [
      { id: 'fs', type: 'fs-cdr-in', mode: 'csv', file, template: 'example', startAt: 'beginning', checkpoint: ckpt, pollSec: 0.02, wires: [['out']], ...extra },
      { id: 'out', type: 'helper' },
    ]);
    const node = helper.getNode('fs');
    const got = [];
    helper.getNode('out').on('input', (msg) => got.push(msg));
    const errors = [];
    node.error = (e, msg) => errors.push([e, msg]);
    await node.listening;
    return { node, got, errors };
  }

  const lines = (n, seed = 1) => {
    const gen = new sim.FsCallGenerator({ seed });
    return Array.from({ length: n }, () => sim.toCsvLine(gen.call().a, 'example'));
  };
  const uuidOf = (line) => line.split('","')[10];

  it('reads the documentation Master.csv and follows what is appended', async () => {
    fs.copyFileSync(samplePath('freeswitch', 'Master.csv'), file);
    const { got } = await start();
    await waitFor(() => got.length === 5, 'the five sample lines');
    assert.equal(got[1].payload.destination_number, '+34688886392');
    assert.equal(got[1].payload.answer_stamp, '');
    assert.deepEqual(got[1].source.vendor, 'freeswitch');
    assert.equal(got[1].source.format, 'csv');
    assert.equal(got[1].source.file, file);
    fs.appendFileSync(file, lines(3).join(''));
    await waitFor(() => got.length === 8, 'three appended lines');
  });

  it('reads each line once, in order, when Master.csv is renamed away while being written, finishing the old file first', async () => {
    const all = lines(90, 2);
    const w = new MasterCsvWriter({ dir: tmp });
    await w.append(all[0]);
    const { got } = await start();
    // Three rounds: a burst of lines, a rotation (rename + new file, as mod_cdr_csv on SIGHUP)
    // right after it, while the node is still reading the burst, then more lines in the new file.
    for (let round = 0; round < 3; round++) {
      const from = 1 + round * 30;
      for (const l of all.slice(from, from + 20)) await w.append(l);
      await w.rotate();
      for (const l of all.slice(from + 20, Math.min(from + 30, all.length))) await w.append(l);
      await waitFor(() => got.length === Math.min(from + 30, all.length), `round ${round}`, 10000);
    }
    assert.deepEqual(got.map((m) => m.payload.uuid), all.map(uuidOf));
    assert.equal(w.rotated.length, 3);
  });

  it('starts over when Master.csv is truncated (rotate-on-hup false, external logrotate)', async () => {
    const all = lines(10, 3);
    fs.writeFileSync(file, all.slice(0, 5).join(''));
    const { got } = await start();
    await waitFor(() => got.length === 5, 'first five');
    fs.truncateSync(file, 0);
    // Truncation is seen as "shorter than the read position": the first lines
    // after it must not yet reach the old size (file-tail compares sizes).
    fs.appendFileSync(file, all[5]);
    await waitFor(() => got.length === 6, 'the first line after truncation');
    fs.appendFileSync(file, all.slice(6).join(''));
    await waitFor(() => got.length === 10, 'the rest after truncation');
    assert.deepEqual(got.map((m) => m.payload.uuid), all.map(uuidOf));
  });

  it('resumes at the checkpoint after a restart: no loss, no repeat', async () => {
    const all = lines(30, 4);
    fs.writeFileSync(file, all.slice(0, 10).join(''));
    let run = await start();
    await waitFor(() => run.got.length === 10, 'first ten');
    const seen = run.got.map((m) => m.payload.uuid);
    await helper.unload();
    // Written while the node was stopped, including a rotation.
    fs.appendFileSync(file, all.slice(10, 20).join(''));
    fs.renameSync(file, `${file}.2024-01-01-00-00-00`);
    fs.writeFileSync(file, all.slice(20, 25).join(''));
    run = await start();
    fs.appendFileSync(file, all.slice(25).join(''));
    await waitFor(() => run.got.length === 20, 'the other twenty');
    seen.push(...run.got.map((m) => m.payload.uuid));
    assert.deepEqual(seen, all.map(uuidOf));
  });

  it('reports a line that does not fit the template with its text, and reads the next', async () => {
    const all = lines(2, 5);
    fs.writeFileSync(file, all[0] + '"only","three","fields"\n' + all[1]);
    const { got, errors } = await start();
    await waitFor(() => got.length === 2 && errors.length === 1, 'two records and one error');
    assert.equal(errors[0][1].payload, '"only","three","fields"');
    assert.equal(errors[0][1].source.format, 'csv');
  });

  it('reads with a custom template', async () => {
    fs.writeFileSync(file, 'u1|1001|+3460|NORMAL_CLEARING\n');
    const { got } = await start({ template: 'custom', customTemplate: '${uuid}|${caller_id_number}|${destination_number}|${hangup_cause}' });
    await waitFor(() => got.length === 1, 'one record');
    assert.deepEqual(got[0].payload, { uuid: 'u1', caller_id_number: '1001', destination_number: '+3460', hangup_cause: 'NORMAL_CLEARING' });
  });

  it('rejects a custom template it cannot read back', async () => {
    await helper.load(fsNode, [{ id: 'fs', type: 'fs-cdr-in', mode: 'csv', file, template: 'custom', customTemplate: '${a}${b}', wires: [] }]);
    const errors = helper.log().args.filter((a) => a[0].level === helper.log().ERROR && a[0].type === 'fs-cdr-in');
    assert.equal(errors.length, 1);
  });
});

'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const helper = require('node-red-node-test-helper');
const fsNode = require('../../nodes/fs-cdr-in.js');
const sim = require('../../nodes/lib/sim/freeswitch');
const { writeSpoolFile, spoolFileName } = require('../../nodes/lib/sim/freeswitch-send');
const { samplePath } = require('../support/samples');
const { waitFor } = require('../support/wait');

helper.init(require.resolve('node-red'));

describe('fs-cdr-in (spool directory mode)', function () {
  let tmp;
  beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-spool-'))));
  afterEach(async () => {
    await helper.unload();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function start(extra = {}) {
    await helper.load(fsNode, [
      { id: 'fs', type: 'fs-cdr-in', mode: 'spool', dir: tmp, settleSec: 0.05, pollSec: 0.02, wires: [['out']], ...extra },
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

  it('reads files already there and new ones, XML and JSON, then moves them to done', async () => {
    fs.copyFileSync(samplePath('freeswitch', 'a_80183ec8-d424-11e3-8fb2-65b6c3cdac7d.cdr.xml'), path.join(tmp, 'a_80183ec8-d424-11e3-8fb2-65b6c3cdac7d.cdr.xml'));
    fs.writeFileSync(path.join(tmp, 'notes.txt'), 'not a CDR file name: left alone');
    const { got } = await start();
    await waitFor(() => got.length === 1, 'the file present at start');
    fs.copyFileSync(samplePath('freeswitch', 'answered-bridged-with-hold.cdr.json'), path.join(tmp, '3da8bf84-c133-4959-9e24-e72875cb33a1.cdr.json'));
    await waitFor(() => got.length === 2, 'the new file');
    assert.equal(got[0].payload.variables.uuid, '80183ec8-d424-11e3-8fb2-65b6c3cdac7d');
    assert.equal(got[0].source.format, 'xml');
    assert.equal(got[0].source.transport, 'spool');
    assert.equal(got[0].source.file, path.join(tmp, 'a_80183ec8-d424-11e3-8fb2-65b6c3cdac7d.cdr.xml'));
    assert.equal(got[1].payload.variables.billsec, '68');
    await waitFor(() => fs.readdirSync(path.join(tmp, 'done')).length === 2, 'both moved to done');
    assert.deepEqual(fs.readdirSync(tmp).sort(), ['done', 'error', 'notes.txt']);
  });

  it('does not read a file still being written', async () => {
    const { got, errors } = await start({ settleSec: 0.2 });
    const call = new sim.FsCallGenerator({ seed: 4 }).call();
    // Written in 10 pieces over ~0.5 s, each pause longer than the settle time would allow if size were ignored.
    await writeSpoolFile(tmp, spoolFileName(call.a.variables.uuid, 'xml'), sim.toXml(call.a), { chunks: 10, chunkDelayMs: 50 });
    await waitFor(() => got.length === 1, 'the finished file');
    assert.deepEqual(got[0].payload.variables, call.a.variables);
    assert.equal(errors.length, 0);
  });

  it('moves an unparseable file to the error folder, reports it with its text, and goes on', async () => {
    const { got, errors } = await start();
    fs.writeFileSync(path.join(tmp, 'bad.cdr.json'), '{"event":"not a cdr"}');
    fs.writeFileSync(path.join(tmp, 'bad2.cdr.xml'), '<other>complete but wrong</other>\n</cdr>');
    const call = new sim.FsCallGenerator({ seed: 5 }).call();
    fs.writeFileSync(path.join(tmp, spoolFileName(call.a.variables.uuid, 'json')), sim.toJson(call.a));
    await waitFor(() => got.length === 1 && errors.length === 2, 'one record and two errors');
    await waitFor(() => fs.readdirSync(path.join(tmp, 'error')).length === 2, 'bad files in error/');
    const texts = errors.map(([, msg]) => msg.payload).sort();
    assert.deepEqual(texts, ['<other>complete but wrong</other>\n</cdr>', '{"event":"not a cdr"}']);
    assert.equal(errors[0][1].source.vendor, 'freeswitch');
  });

  it('deletes handled files when set to', async () => {
    const { got } = await start({ after: 'delete' });
    const gen = new sim.FsCallGenerator({ seed: 6 });
    for (let i = 0; i < 20; i++) {
      const { a } = gen.call();
      fs.writeFileSync(path.join(tmp, spoolFileName(a.variables.uuid, 'xml', true)), sim.toXml(a));
    }
    await waitFor(() => got.length === 20, '20 records');
    await waitFor(() => fs.readdirSync(tmp).filter((f) => f.endsWith('.xml')).length === 0, 'files deleted');
    assert.equal(fs.existsSync(path.join(tmp, 'done')) ? fs.readdirSync(path.join(tmp, 'done')).length : 0, 0);
  });

  it('rejects a missing directory setting', async () => {
    await helper.load(fsNode, [{ id: 'fs', type: 'fs-cdr-in', mode: 'spool', dir: '', wires: [] }]);
    const errors = helper.log().args.filter((a) => a[0].level === helper.log().ERROR && a[0].type === 'fs-cdr-in');
    assert.equal(errors.length, 1);
    // The test helper has no locale files: the key shows (its detail is errors.no-dir).
    assert.equal(errors[0][0].msg, 'fs-cdr-in.errors.setting');
  });
});

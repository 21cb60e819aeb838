'use strict';
const assert = require('node:assert/strict');
const { fork } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const sim = require('../../nodes/lib/sim/freeswitch');
const { spoolFileName } = require('../../nodes/lib/sim/freeswitch-send');
const { mapFreeswitch } = require('../../nodes/lib/cdr/normalize/freeswitch');
const { waitFor } = require('../support/wait');

const CHILD = path.join(__dirname, '..', 'support', 'fs-spool-child.js');
const FILES = 5000;

function logLines(file) {
  if (!fs.existsSync(file)) return [];
  // A SIGKILL can cut the last line short: only complete lines count as sent.
  const text = fs.readFileSync(file, 'utf8');
  return text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter(Boolean);
}

function startChild(spool, log) {
  const child = fork(CHILD, [spool, log], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  child.exited = new Promise((r) => child.once('exit', r));
  return child;
}

describe('fs-cdr-in (spool directory mode): killed and restarted', function () {
  this.timeout(120000);
  let tmp;
  const children = [];
  beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-kill-'))));
  afterEach(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it(`sends every one of ${FILES} files at least once across a SIGKILL, repeats sharing their id`, async () => {
    const spool = path.join(tmp, 'xml_cdr');
    fs.mkdirSync(spool);
    const log = path.join(tmp, 'sent.log');
    const gen = new sim.FsCallGenerator({ seed: 21 });
    const expected = new Set();
    const write = (n) => {
      for (let i = 0; i < n; ) {
        const call = gen.call();
        for (const [rec, isA] of [[call.a, true], [call.b, false]]) {
          if (!rec || i >= n) continue;
          const uuid = rec.variables.uuid;
          const format = expected.size % 2 ? 'json' : 'xml';
          fs.writeFileSync(path.join(spool, spoolFileName(uuid, format, isA)), format === 'xml' ? sim.toXml(rec) : sim.toJson(rec));
          expected.add(uuid);
          i++;
        }
      }
    };
    // Half the files are there before the first start, half arrive while it runs.
    write(FILES / 2);
    const first = startChild(spool, log);
    children.push(first);
    await waitFor(() => logLines(log).length >= FILES / 4, 'a quarter sent', 60000, 10);
    write(FILES / 2);
    await waitFor(() => logLines(log).length >= FILES / 2, 'half sent', 60000, 2);
    first.kill('SIGKILL');
    await first.exited;
    const beforeRestart = logLines(log).length;
    assert.ok(beforeRestart < FILES, 'killed before the end');

    const second = startChild(spool, log);
    children.push(second);
    const pending = () => fs.readdirSync(spool).filter((f) => f.includes('.cdr.')).length;
    await waitFor(() => pending() === 0, 'the spool emptied', 90000, 20);
    second.kill('SIGTERM');
    await second.exited;

    const records = logLines(log).map((l) => JSON.parse(l));
    const ids = records.map((r) => mapFreeswitch(r, { timeZone: 'UTC' }).legs[0].id);
    const distinct = new Set(ids);
    // None lost: every file written was sent, under its own uuid as id.
    assert.equal(distinct.size, FILES);
    assert.deepEqual([...distinct].sort(), [...expected].sort());
    // Repeats (files sent but not yet moved when killed) are the same record: same id, same content,
    // so cdr-normalize's de-duplication drops them.
    const firstById = new Map();
    for (let i = 0; i < records.length; i++) {
      if (firstById.has(ids[i])) assert.deepEqual(records[i], firstById.get(ids[i]));
      else firstById.set(ids[i], records[i]);
    }
    assert.ok(records.length - FILES <= 8, `at most the in-flight files repeat (got ${records.length - FILES})`);
    assert.equal(fs.readdirSync(path.join(spool, 'done')).length, FILES);
    assert.equal(fs.readdirSync(path.join(spool, 'error')).length, 0);
  });
});

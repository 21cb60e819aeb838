'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { runFreeswitchCli, parseFsCliArgs } = require('../../../nodes/lib/sim/freeswitch-cli');
const { parsePostBody } = require('../../../nodes/lib/formats/freeswitch');

describe('sim/freeswitch-cli', () => {
  let tmp;
  let write;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-cli-'));
    write = process.stdout.write;
    process.stdout.write = () => true; // keep the mocha report clean
  });
  afterEach(() => {
    process.stdout.write = write;
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('rejects unknown options and bad values with the usage', () => {
    assert.throws(() => parseFsCliArgs(['--bogus']), /unknown option --bogus[\s\S]*cdr-sim freeswitch --mode/);
    assert.throws(() => parseFsCliArgs(['--encoding', 'gzip']), /must be one of/);
    assert.throws(() => parseFsCliArgs(['--count']), /needs a value/);
  });

  it('--live: calls end when they are sent (the npm start demo)', async () => {
    assert.equal(parseFsCliArgs([]).live, undefined);
    assert.equal(parseFsCliArgs(['--live']).live, true);
    const before = Date.now() * 1000;
    await runFreeswitchCli(['--mode', 'spool', '--dir', tmp, '--count', '3', '--rate', '0', '--format', 'json', '--legs', 'a', '--live']);
    const after = Date.now() * 1000;
    const ends = fs.readdirSync(tmp).map((f) => Number(JSON.parse(fs.readFileSync(path.join(tmp, f), 'utf8')).variables.end_uepoch));
    assert.equal(ends.length, 3);
    for (const end of ends) assert.ok(end >= before && end <= after, `${end} in ${before}..${after}`);
  });

  it('spool mode writes one file per leg', async () => {
    await runFreeswitchCli(['--mode', 'spool', '--dir', tmp, '--count', '20', '--rate', '0', '--format', 'json', '--legs', 'a', '--prefix-a-leg']);
    const files = fs.readdirSync(tmp);
    assert.equal(files.length, 20);
    assert.ok(files.every((f) => /^a_[0-9a-f-]{36}\.cdr\.json$/.test(f)));
  });

  it('csv mode grows Master.csv and rotates it', async () => {
    await runFreeswitchCli(['--mode', 'csv', '--dir', tmp, '--count', '10', '--rate', '0', '--legs', 'a', '--rotate-every', '4']);
    const all = fs.readdirSync(tmp).sort();
    assert.equal(all.length, 3); // Master.csv and two rotated files
    const lines = all.map((f) => fs.readFileSync(path.join(tmp, f), 'utf8')).join('').split('\n').filter(Boolean);
    assert.equal(lines.length, 10);
  });

  it('http mode POSTs every leg with the chosen encoding', async () => {
    const uuids = [];
    const srv = http.createServer((req, res) => {
      const parts = [];
      req.on('data', (c) => parts.push(c));
      req.on('end', () => {
        uuids.push(parsePostBody(Buffer.concat(parts), req.headers['content-type'], req.url.split('?')[1]).uuid);
        res.end();
      });
    });
    await new Promise((r) => srv.listen(0, '127.0.0.1', r));
    await runFreeswitchCli(['--mode', 'http', '--to', `http://127.0.0.1:${srv.address().port}/cdr`, '--encoding', 'urlencoded', '--count', '5', '--rate', '0', '--legs', 'a']);
    srv.close();
    assert.equal(uuids.length, 5);
    assert.equal(new Set(uuids).size, 5);
  });
});

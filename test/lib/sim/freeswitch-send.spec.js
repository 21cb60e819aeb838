'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { postWithRetry, writeSpoolFile, spoolFileName, MasterCsvWriter } = require('../../../nodes/lib/sim/freeswitch-send');

function server(statuses) {
  const seen = [];
  const srv = http.createServer((req, res) => {
    const parts = [];
    req.on('data', (c) => parts.push(c));
    req.on('end', () => {
      seen.push({ url: req.url, headers: req.headers, body: Buffer.concat(parts).toString() });
      res.statusCode = statuses[Math.min(seen.length - 1, statuses.length - 1)];
      res.end();
    });
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve({ srv, seen, port: srv.address().port })));
}

describe('sim/freeswitch-send', () => {
  let tmp;
  beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-send-'))));
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('retries on non-2xx like mod_xml_cdr, appending ?uuid= and Basic credentials', async () => {
    const { srv, seen, port } = await server([500, 503, 200]);
    const r = await postWithRetry({ url: `http://127.0.0.1:${port}/cdr`, body: 'cdr=x', contentType: 'application/x-www-form-plaintext', uuid: 'a_u1', cred: 'fs:pw', retries: 2, delayMs: 1 });
    srv.close();
    assert.deepEqual(r, { ok: true, attempts: 3, status: 200 });
    assert.equal(seen.length, 3);
    assert.equal(seen[0].url, '/cdr?uuid=a_u1');
    assert.equal(seen[0].headers.authorization, 'Basic ' + Buffer.from('fs:pw').toString('base64'));
    assert.equal(seen[0].headers['user-agent'], 'freeswitch-xml/1.0');
  });

  it('keeps the document in the error directory after the last failure', async () => {
    const { srv, seen, port } = await server([400]);
    const r = await postWithRetry({ url: `http://127.0.0.1:${port}/cdr?x=1`, body: 'cdr=..', contentType: 'text/xml', uuid: 'u2', retries: 1, delayMs: 1, errorDir: tmp, document: '<cdr/>', format: 'xml' });
    srv.close();
    assert.equal(r.ok, false);
    assert.equal(r.attempts, 2);
    assert.equal(seen[0].url, '/cdr?x=1&uuid=u2');
    assert.equal(fs.readFileSync(path.join(tmp, 'u2.cdr.xml'), 'utf8'), '<cdr/>');
  });

  it('writes spool files named like FreeSWITCH, in pieces when asked', async () => {
    assert.equal(spoolFileName('u', 'xml', true), 'a_u.cdr.xml');
    assert.equal(spoolFileName('u', 'json'), 'u.cdr.json');
    const f = await writeSpoolFile(tmp, 'a_u.cdr.xml', '<cdr>0123456789</cdr>', { chunks: 4 });
    assert.equal(fs.readFileSync(f, 'utf8'), '<cdr>0123456789</cdr>');
  });

  it('grows Master.csv and rotates it by rename every N lines, or truncates it', async () => {
    const w = new MasterCsvWriter({ dir: tmp, rotateEvery: 2, now: () => new Date(2024, 0, 2, 3, 4, 5) });
    for (let i = 0; i < 5; i++) await w.append(`"${i}"`);
    assert.deepEqual(w.rotated.map((f) => path.basename(f)), ['Master.csv.2024-01-02-03-04-05', 'Master.csv.2024-01-02-03-04-05.1']);
    assert.equal(fs.readFileSync(w.rotated[0], 'utf8'), '"0"\n"1"\n');
    assert.equal(fs.readFileSync(w.file, 'utf8'), '"4"\n');
    const t = new MasterCsvWriter({ dir: path.join(tmp), rotateEvery: 1, rotate: 'truncate' });
    await t.append('"x"');
    assert.equal(fs.readFileSync(t.file, 'utf8'), '');
  });
});

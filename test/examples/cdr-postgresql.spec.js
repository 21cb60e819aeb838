'use strict';
// examples/cdr-postgresql.json as users run it: real Node-RED runtimes (child
// processes started like `npm start`, the flow deployed through the Admin API)
// fed by every simulator over real sockets, writing through the function
// node's `pg` into a real PostgreSQL server started by the test. For the test
// only: the source ports, the tab's retry settings and the dead-letter file
// are changed, debug nodes become JSON-lines files, and cdr-calc's output is
// also tapped into a file (every row the flow made).
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Client, Pool } = require('pg');
const { waitFor } = require('../support/wait');
const { startPostgres, requirePostgres } = require('../support/postgres');
const { startRed } = require('../support/red-process');
const { startSources } = require('../support/sources');
const { FLAT_COLUMNS, createTableSql } = require('../../nodes/lib/cdr/rows.js');

const EXAMPLE = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'cdr-postgresql.json'), 'utf8'));
const byName = (name) => EXAMPLE.find((n) => n.name === name);
const ofType = (type) => EXAMPLE.find((n) => n.type === type);
const INSERT = byName('INSERT … ON CONFLICT DO NOTHING');
const TAB = ofType('tab');
const VENDORS = ['asterisk', 'freeswitch', 'gateway', 'ucm', 'vos3000'];

describe('example: cdr-postgresql (the flow file)', () => {
  it('creates the table with createTableSql("cdr")\'s exact text and inserts FLAT_COLUMNS in order with ON CONFLICT (id) DO NOTHING', () => {
    const ini = INSERT.initialize;
    const table = /const createTable = `([^`]*)`;/.exec(ini);
    assert.ok(table, 'On Start defines createTable');
    assert.equal(table[1], createTableSql('cdr'), 'the CREATE TABLE is the library\'s (update the example when FLAT_COLUMNS changes)');
    const cols = /const columns = \[([^\]]*)\];/.exec(ini);
    assert.ok(cols, 'On Start defines columns');
    const names = [...cols[1].matchAll(/'([a-z0-9_]+)'/g)].map((m) => m[1]);
    assert.deepEqual(names, FLAT_COLUMNS.map((c) => c.name), 'the INSERT column list is FLAT_COLUMNS, in order');
    assert.match(ini, /INSERT INTO cdr \(\$\{columns\.join\(', '\)\}\)\nVALUES \(\$\{columns\.map\(\(c, i\) => '\$' \+ \(i \+ 1\)\)\.join\(', '\)\}\)\nON CONFLICT \(id\) DO NOTHING/);
    assert.deepEqual(INSERT.libs, [{ var: 'pg', module: 'pg' }]);
    assert.match(INSERT.finalize, /pool\.end\(\)/);
    assert.doesNotMatch(JSON.stringify(EXAMPLE), /PGPASSWORD\s*[=:]\s*\S|password\s*:/i, 'no password in the flow');
  });

  it('is wired as documented: five sources → cdr-normalize (legs) → cdr-calc (flat row) → INSERT; failures → retry → dead letter; a catch for the tab', () => {
    const normalize = ofType('cdr-normalize');
    const calc = ofType('cdr-calc');
    for (const type of ['ucm-cdr-in', 'fs-cdr-in', 'vos-cdr-in', 'gw-cdr-in', 'ami-cdr-in']) {
      const src = ofType(type);
      assert.ok(src, type);
      assert.deepEqual(src.wires[0], [normalize.id], `${type} → cdr-normalize`);
    }
    assert.equal(normalize.output, 'leg');
    assert.deepEqual(normalize.wires, [[calc.id]]);
    assert.equal(calc.format, 'row');
    assert.deepEqual(calc.wires, [[INSERT.id]]);
    assert.equal(INSERT.outputs, 2);
    const retry = byName('retry or give up');
    assert.deepEqual(INSERT.wires, [[byName('stored').id], [retry.id]]);
    assert.deepEqual(retry.wires, [[byName('wait msg.delay').id], [byName('dead-letter file').id, byName('dead letter').id]]);
    assert.deepEqual(byName('wait msg.delay').wires, [[INSERT.id]]);
    assert.deepEqual(byName('row, first try').wires, [[INSERT.id]]);
    const c = ofType('catch');
    assert.ok(c.scope === null && c.uncaught === false, 'the catch covers every node of the tab');
    assert.deepEqual(c.wires, [[byName('errors').id]]);
    assert.deepEqual(TAB.env.map((e) => [e.name, e.value]), [['PG_MAX_TRIES', '8'], ['PG_FIRST_RETRY_MS', '5000'], ['DEAD_LETTER_FILE', 'cdr-postgresql-dead-letter.jsonl']]);
    const notes = EXAMPLE.filter((n) => n.type === 'comment').map((n) => n.info).join('\n');
    for (const v of ['PGHOST', 'PGPORT', 'PGUSER', 'PGPASSWORD', 'PGDATABASE']) assert.ok(notes.includes(v), `the comment names ${v}`);
  });
});

/** Complete JSON lines of a file written by a file node ([] while it does not exist). */
function jsonLines(file) {
  if (!fs.existsSync(file)) return [];
  const text = fs.readFileSync(file, 'utf8');
  return text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

describe('example: cdr-postgresql in real Node-RED runtimes against a real PostgreSQL', function () {
  this.timeout(120000);
  let pg;
  let db; // the test's own connections, as the table's owner
  let dir;
  const running = []; // { red, sources }

  before(async function () {
    this.timeout(90000);
    requirePostgres(this);
    pg = await startPostgres();
    db = new Pool({ ...pg.connection, max: 2, connectionTimeoutMillis: 10000 });
    // Idle connections broken by a server stop are dropped; the next query opens a new one.
    db.on('error', () => undefined);
  });
  after(async () => {
    if (db) await db.end().catch(() => {});
    if (pg) await pg.stop();
  });
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdr-postgresql-'));
    if (pg && !pg.running) await pg.resume();
    await db.query('DROP TABLE IF EXISTS cdr');
  });
  afterEach(async function () {
    if (this.currentTest && this.currentTest.state === 'failed') {
      for (const [i, r] of running.entries()) console.log(`--- Node-RED ${i} log (tail) ---\n${r.red.log().split('\n').slice(-40).join('\n')}`);
    }
    for (const r of running.splice(0)) {
      await r.red.stop();
      await r.sources.close();
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Starts one Node-RED (with `pgEnv` as its environment) and deploys the
   * example into it, wired to its own simulated PBXs. Returns the runtime,
   * the sources, and readers for the taps.
   */
  async function instance(name, { pgEnv = pg.env, maxTries = 50, firstRetryMs = 100 } = {}) {
    const files = {
      calc: path.join(dir, `${name}-calc.jsonl`),
      stored: path.join(dir, `${name}-stored.jsonl`),
      errors: path.join(dir, `${name}-errors.jsonl`),
      dead: path.join(dir, `${name}-dead-letter.jsonl`),
    };
    const sources = await startSources(EXAMPLE);
    const tap = (id, file, func) => [
      { id: `${id}-fn`, type: 'function', z: TAB.id, name: `tap ${id}`, func, outputs: 1, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], x: 0, y: 0, wires: [[`${id}-file`]] },
      { id: `${id}-file`, type: 'file', z: TAB.id, name: `tap ${id} file`, filename: file, filenameType: 'str', appendNewline: true, createDir: true, overwriteFile: 'false', encoding: 'utf8', x: 0, y: 0, wires: [[]] },
    ];
    const settings = { PG_MAX_TRIES: maxTries, PG_FIRST_RETRY_MS: firstRetryMs, DEAD_LETTER_FILE: files.dead };
    const flow = sources.flow.map((n) => {
      if (n.type === 'tab') return { ...n, env: n.env.map((e) => (e.name in settings ? { ...e, value: String(settings[e.name]) } : e)) };
      if (n.type === 'cdr-calc') return { ...n, wires: [[...n.wires[0], 'calc-fn']] };
      return n;
    });
    // The debug nodes' inputs go to the taps instead.
    const rewire = (fromName, toId) => {
      const target = EXAMPLE.find((n) => n.name === fromName).id;
      for (const n of flow) if (n.wires) n.wires = n.wires.map((out) => out.map((w) => (w === target ? toId : w)));
    };
    rewire('stored', 'stored-fn');
    rewire('errors', 'errors-fn');
    flow.push(
      ...tap('calc', files.calc, 'return { payload: msg.payload };'),
      ...tap('stored', files.stored, 'return { payload: { id: msg.payload.id, stored: msg.stored, attempt: msg.attempt || 0 } };'),
      ...tap('errors', files.errors, 'return { payload: { message: msg.error && msg.error.message, source: msg.error && msg.error.source && msg.error.source.id, id: msg.payload && msg.payload.id, code: msg.dbError ? msg.dbError.code : null } };'),
    );
    const red = await startRed({ externalModules: ['pg'], env: pgEnv, prefix: `cdrflow-pg-${name}-` });
    running.push({ red, sources });
    await red.deploy(flow);
    await sources.ready();
    return {
      red,
      sources,
      files,
      calc: () => jsonLines(files.calc),
      stored: () => jsonLines(files.stored),
      errors: () => jsonLines(files.errors),
      dead: () => jsonLines(files.dead),
      /** Still serving the Admin API, and the process is alive. */
      alive: async () => (await red.request('GET', '/flows', undefined, { 'Node-RED-API-Version': 'v1' })).status === 200,
    };
  }

  const total = (batch) => Object.values(batch.legs).reduce((a, b) => a + b, 0);
  const rowsInDb = async () => (await db.query('SELECT * FROM cdr ORDER BY id')).rows;
  const count = async () => {
    const r = await db.query("SELECT to_regclass('public.cdr') IS NOT NULL AS there");
    return r.rows[0].there ? Number((await db.query('SELECT count(*) AS n FROM cdr')).rows[0].n) : 0;
  };

  /** Every row made by cdr-calc is in the table exactly once, as made; nothing else is. */
  async function assertStoredExactlyOnce(made) {
    const byId = new Map();
    for (const row of made) {
      if (byId.has(row.id)) assert.deepEqual(row, byId.get(row.id), `the same id ${row.id} means the same row in every instance`);
      byId.set(row.id, row);
    }
    const rows = await rowsInDb();
    const ids = rows.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length, 'no id twice');
    assert.deepEqual(ids, [...byId.keys()].sort(), 'exactly the rows cdr-calc made, no extra rows');
    for (const r of rows) {
      assert.deepEqual(r, byId.get(r.id), `row ${r.id} as cdr-calc made it`);
      assert.deepEqual(Object.keys(r), FLAT_COLUMNS.map((c) => c.name));
      for (const c of FLAT_COLUMNS) {
        const v = r[c.name];
        if (v === null) continue;
        assert.equal(typeof v, c.type === 'TEXT' ? 'string' : 'number', `${c.name} of ${r.id}`);
        if (c.type === 'INTEGER') assert.ok(Number.isInteger(v), `${c.name} is an integer`);
      }
      for (const t of ['start_time', 'end_time', 'call_time']) assert.ok(!Number.isNaN(Date.parse(r[t])) && /Z$/.test(r[t]), `${t} ${r[t]} is an ISO UTC time`);
      if (r.answer_time !== null) assert.ok(Date.parse(r.answer_time) >= Date.parse(r.start_time), 'answered after the start');
      assert.ok(Date.parse(r.end_time) >= Date.parse(r.start_time), 'ended after the start');
      assert.ok(r.duration_sec >= 0 && r.talk_sec >= 0 && r.bill_sec >= 0);
      JSON.parse(r.extra);
    }
    return rows;
  }

  it('the test server itself: its own cluster on 127.0.0.1, scram-sha-256 password logins, a wrong password refused; stop() leaves no server and no files', async () => {
    const other = await startPostgres({ user: 'probe', database: 'probe' });
    try {
      assert.notEqual(other.port, pg.port);
      const c = new Client({ ...other.connection, connectionTimeoutMillis: 10000 });
      await c.connect();
      const { rows } = await c.query("SELECT current_user AS u, current_database() AS d, host(inet_server_addr()) AS addr, current_setting('password_encryption') AS enc");
      await c.end();
      assert.deepEqual(rows[0], { u: 'probe', d: 'probe', addr: '127.0.0.1', enc: 'scram-sha-256' });
      // As the cluster's superuser, over the unix socket in the temp dir.
      const admin = new Client({ host: other.socketDir, port: other.port, user: 'postgres', database: 'postgres' });
      await admin.connect();
      const hba = (await admin.query("SELECT DISTINCT auth_method FROM pg_hba_file_rules WHERE type = 'host'")).rows.map((r) => r.auth_method);
      const secret = (await admin.query("SELECT rolpassword FROM pg_authid WHERE rolname = 'probe'")).rows[0].rolpassword;
      await admin.end();
      assert.deepEqual(hba, ['scram-sha-256'], 'TCP logins need a password');
      assert.match(secret, /^SCRAM-SHA-256\$/);
      const wrong = new Client({ ...other.connection, password: 'wrong' });
      await assert.rejects(wrong.connect(), (err) => err.code === '28P01');
    } finally {
      await other.stop();
    }
    assert.equal(fs.existsSync(other.dir), false, 'the temp dir is removed');
    const after = new Client({ ...other.connection, connectionTimeoutMillis: 5000 });
    await assert.rejects(after.connect(), (err) => err.code === 'ECONNREFUSED', 'the server is gone');
  });

  it('two instances, one database: every leg of five vendors (over 1,000, sent to both at once) is stored exactly once with sane values', async () => {
    const a = await instance('a');
    const b = await instance('b');

    // The same calls to both (a PBX that sends to two collectors), at the same time.
    const shared = [a.sources.traffic({ seed: 1, count: 200 }), b.sources.traffic({ seed: 1, count: 200 })];
    assert.deepEqual(shared[0].legs, shared[1].legs);
    await Promise.all(shared.map((t) => t.send()));
    const n1 = total(shared[0]);
    assert.ok(n1 >= 1000, `${n1} legs: enough to race the two instances' INSERTs`);
    await waitFor(() => a.stored().length >= n1 && b.stored().length >= n1, `${n1} rows stored or found by each instance`, 30000);

    // A's PBXs resend the shared calls; then each instance gets calls of its own.
    await shared[0].send();
    const onlyA = a.sources.traffic({ seed: 2, count: 5, startMs: Date.UTC(2026, 0, 6, 9) });
    const onlyB = b.sources.traffic({ seed: 3, count: 5, startMs: Date.UTC(2026, 0, 7, 9) });
    await Promise.all([onlyA.send(), onlyB.send()]);
    await waitFor(() => a.stored().length >= n1 + total(onlyA) && b.stored().length >= n1 + total(onlyB), 'the own calls stored', 30000);

    assert.equal(a.stored().length, n1 + total(onlyA), 'A handled each of its rows once');
    assert.equal(b.stored().length, n1 + total(onlyB), 'B handled each of its rows once');
    const madeA = a.calc();
    const madeB = b.calc();
    assert.equal(madeA.length, n1 + total(onlyA), "A's cdr-normalize dropped its PBXs' resends");
    assert.equal(madeB.length, n1 + total(onlyB));
    const rows = await assertStoredExactlyOnce([...madeA, ...madeB]);
    assert.equal(rows.length, n1 + total(onlyA) + total(onlyB));
    assert.deepEqual([...new Set(rows.map((r) => r.vendor))].sort(), VENDORS, 'every vendor present');
    assert.ok(rows.some((r) => typeof r.cost_amount === 'number' && r.cost_currency === 'USD'), 'rated rows carry their cost');
    assert.ok(rows.some((r) => r.disposition === 'answered') && rows.some((r) => r.disposition !== 'answered'));

    // Each shared leg was inserted by one instance and found already there by the other.
    const stored = [...a.stored(), ...b.stored()];
    const idsB = new Set(madeB.map((r) => r.id));
    const sharedIds = new Set(madeA.map((r) => r.id).filter((id) => idsB.has(id)));
    assert.equal(sharedIds.size, n1);
    for (const id of sharedIds) {
      assert.deepEqual(stored.filter((s) => s.id === id).map((s) => s.stored).sort(), ['duplicate', 'inserted'], `${id}: one insert, one duplicate`);
    }
    assert.equal(stored.filter((s) => s.stored === 'inserted').length, rows.length);
    assert.deepEqual([...a.errors(), ...b.errors()], []);
    assert.deepEqual([...a.dead(), ...b.dead()], []);
  });

  it('the server stopped mid-run: each failure reported, Node-RED keeps running, and every row is stored once after the server is back', async () => {
    const a = await instance('a', { maxTries: 40, firstRetryMs: 100 });
    const first = a.sources.traffic({ seed: 4, count: 4 });
    await first.send();
    await waitFor(() => a.stored().length === total(first), 'the first rows stored', 30000);
    assert.equal(await count(), total(first));

    await pg.halt();
    const during = a.sources.traffic({ seed: 5, count: 4, startMs: Date.UTC(2026, 0, 8, 9) });
    await during.send();
    const n2 = total(during);
    await waitFor(() => a.calc().length === total(first) + n2, 'the rows made while the server is down', 30000);
    const duringIds = new Set(a.calc().slice(total(first)).map((r) => r.id));
    await waitFor(() => new Set(a.errors().map((e) => e.id)).size === n2, 'an error for every row made while the server is down', 30000);
    for (const e of a.errors()) {
      assert.ok(duringIds.has(e.id), 'errors only for rows made while the server was down');
      assert.equal(e.source, INSERT.id, 'reported by the INSERT node');
      assert.match(e.message, /^PostgreSQL: /);
      assert.ok(['ECONNREFUSED', '57P01', '57P03', null].includes(e.code) || /terminat|connect/i.test(e.message), `a connection error: ${e.code} ${e.message}`);
    }
    assert.ok(a.errors().some((e) => e.code === 'ECONNREFUSED'), 'the refused connections named');
    assert.ok(await a.alive(), 'Node-RED still answers');
    assert.match(a.red.log(), /PostgreSQL: idle connection lost/, 'the pool reported the connections the shutdown broke');
    assert.equal(a.stored().length, total(first), 'nothing reported stored while the server is down');

    await pg.resume();
    await waitFor(() => a.stored().length === total(first) + n2, 'the retried rows stored', 60000);
    const retried = a.stored().slice(total(first));
    assert.ok(retried.every((s) => s.stored === 'inserted' && s.attempt >= 1), 'stored by a retry');
    await assertStoredExactlyOnce(a.calc());
    assert.deepEqual(a.dead(), [], 'no dead letters');
    assert.ok(await a.alive());
  });

  it('a server down longer than the retries: every row dead-lettered with its error, then replayed into the table exactly once (twice is harmless)', async () => {
    const a = await instance('a', { maxTries: 2, firstRetryMs: 50 });
    await pg.halt();
    const batch = a.sources.traffic({ seed: 6, count: 3 });
    await batch.send();
    const n = total(batch);
    await waitFor(() => a.dead().length === n, `${n} dead letters`, 30000);
    const made = a.calc();
    assert.equal(made.length, n);
    const letters = a.dead();
    assert.deepEqual(letters.map((l) => l.row.id).sort(), made.map((r) => r.id).sort(), 'every row dead-lettered once');
    for (const l of letters) {
      assert.equal(l.tries, 2);
      assert.equal(l.lastError.code, 'ECONNREFUSED');
      assert.match(l.lastError.message, /ECONNREFUSED/);
      assert.ok(!Number.isNaN(Date.parse(l.failedAt)));
      assert.deepEqual(l.row, made.find((r) => r.id === l.row.id), 'the whole row is kept');
    }
    assert.equal(new Set(a.errors().map((e) => e.id)).size, n);
    assert.equal(a.errors().length, 2 * n, 'each try reported');
    assert.ok(await a.alive());

    // The database is back: the user clicks "replay dead letters".
    await pg.resume();
    const inject = byName('replay dead letters').id;
    assert.equal((await a.red.request('POST', `/inject/${inject}`)).status, 200);
    await waitFor(() => a.stored().length === n, 'the replayed rows stored', 30000);
    assert.ok(a.stored().every((s) => s.stored === 'inserted' && s.attempt === 0));
    await assertStoredExactlyOnce(made);

    assert.equal((await a.red.request('POST', `/inject/${inject}`)).status, 200);
    await waitFor(() => a.stored().length === 2 * n, 'the second replay handled', 30000);
    assert.ok(a.stored().slice(n).every((s) => s.stored === 'duplicate'), 'found already there');
    assert.equal(await count(), n);
    assert.equal(a.dead().length, n, 'no new dead letters');
  });

  it('a table dropped while running: the failed INSERT is reported, the retry creates the table again, every row is stored once', async () => {
    const a = await instance('a', { maxTries: 10, firstRetryMs: 50 });
    const first = a.sources.traffic({ seed: 8, count: 2 });
    await first.send();
    await waitFor(() => a.stored().length === total(first), 'the first rows stored', 30000);
    await db.query('DROP TABLE cdr');
    const next = a.sources.traffic({ seed: 9, count: 2, startMs: Date.UTC(2026, 0, 9, 9) });
    await next.send();
    await waitFor(() => a.stored().length === total(first) + total(next), 'the next rows stored', 30000);
    const errors = a.errors();
    assert.ok(errors.length >= 1, 'the missing table reported');
    assert.ok(errors.every((e) => e.code === '42P01' && /relation "cdr" does not exist/.test(e.message)), JSON.stringify(errors));
    await assertStoredExactlyOnce(a.calc().slice(total(first)));
    assert.deepEqual(a.dead(), []);
  });

  it('a wrong password: a clear error naming the user, nothing stored, the rows dead-lettered; Node-RED keeps running', async () => {
    const a = await instance('a', { pgEnv: { ...pg.env, PGPASSWORD: 'not-the-password' }, maxTries: 2, firstRetryMs: 50 });
    const batch = a.sources.traffic({ seed: 7, count: 2 });
    await batch.send();
    const n = total(batch);
    await waitFor(() => a.dead().length === n, `${n} dead letters`, 30000);
    const errors = a.errors();
    assert.equal(errors.length, 2 * n);
    for (const e of errors) {
      assert.equal(e.code, '28P01', 'invalid_password');
      assert.equal(e.message, `PostgreSQL: password authentication failed for user "${pg.user}"`);
    }
    assert.ok(a.dead().every((l) => l.lastError.code === '28P01'));
    assert.equal(await count(), 0, 'no table, no row');
    assert.equal(a.stored().length, 0);
    assert.ok(await a.alive());
  });
});

'use strict';
// examples/cdr-postgresql.json as users run it: real Node-RED runtimes (child
// processes started like `npm start`, the flow deployed through the Admin API)
// fed by every simulator over real sockets, writing through the function
// node's `pg` into a real PostgreSQL server started by the test. For the test
// only: the source ports, their ack timeout (short, so a record not
// acknowledged comes again within the test) and the dead-letter file are
// changed, debug nodes become JSON-lines files, and cdr-calc's output is also
// tapped into a file (every row the flow made, in every copy).
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
const { request } = require('../support/http');
const fsSim = require('../../nodes/lib/sim/freeswitch');
const { parseXmlCdr } = require('../../nodes/lib/formats/freeswitch/xml');
const { normalize } = require('../../nodes/lib/cdr/normalize');
const { jsonLines } = require('../support/file-lines');

const EXAMPLE = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'cdr-postgresql.json'), 'utf8'));
const byName = (name) => EXAMPLE.find((n) => n.name === name);
const ofType = (type) => EXAMPLE.find((n) => n.type === type);
const INSERT = byName('INSERT … ON CONFLICT DO NOTHING');
const TAB = ofType('tab');
const VENDORS = ['asterisk', 'freeswitch', 'gateway', 'ucm', 'vos3000'];
// Seconds a source waits for cdr-ack before it sends a record again (60 as shipped).
const ACK_SEC = 2;
// For the taps: a message's rows, one or a batch.
const EACH = 'const each = (p) => (Array.isArray(p) ? p : [p]); const size = Array.isArray(msg.payload) ? msg.payload.length : 0';
/** INSERT statements the server ran, counted in its log (log_statement 'mod'; not the STATEMENT lines of errors). */
/** CPU seconds (user + system) a process has used so far, from /proc (Linux clock ticks of 1/100 s). */
const cpuSec = (pid) => {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
/** Milliseconds the server spent on statements, summed from its log (log_duration). */
const serverMsIn = (log) => [...log.matchAll(/LOG: +duration: ([\d.]+) ms/g)].reduce((a, m) => a + Number(m[1]), 0);
const insertsIn = (log) => (log.match(/LOG: +(?:execute [^:]*|statement): INSERT INTO cdr \(/g) || []).length;

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
    // One multi-row INSERT for n rows: row r's column i is parameter r × columns + i + 1.
    assert.match(ini, /const insertSql = \(n\) => `INSERT INTO cdr \(\$\{columns\.join\(', '\)\}\)\nVALUES \$\{Array\.from\(\{ length: n \}, \(_, r\) => `\(\$\{columns\.map\(\(c, i\) => '\$' \+ \(r \* columns\.length \+ i \+ 1\)\)\.join\(', '\)\}\)`\)\.join\(',\\n'\)\}\nON CONFLICT \(id\) DO NOTHING\nRETURNING id`;/);
    assert.match(ini, /const maxRows = Math\.floor\(65535 \/ columns\.length\);/, 'statements under PostgreSQL\'s 65,535 parameters');
    assert.deepEqual(INSERT.libs, [{ var: 'pg', module: 'pg' }]);
    assert.match(INSERT.finalize, /pool\.end\(\)/);
    assert.doesNotMatch(JSON.stringify(EXAMPLE), /PGPASSWORD\s*[=:]\s*\S|password\s*:/i, 'no password in the flow');
  });

  it('is wired as documented: five sources → cdr-normalize (legs) → cdr-calc (flat row) → INSERT → cdr-ack; refused for good → dead-letter file → cdr-ack; no retry loop', () => {
    const normalize = ofType('cdr-normalize');
    const calc = ofType('cdr-calc');
    for (const type of ['ucm-cdr-in', 'fs-cdr-in', 'vos-cdr-in', 'gw-cdr-in', 'ami-cdr-in']) {
      const src = ofType(type);
      assert.ok(src, type);
      assert.deepEqual(src.wires[0], [normalize.id], `${type} → cdr-normalize`);
    }
    assert.equal(normalize.output, 'leg');
    // Batches of up to 100 legs or 200 ms: one multi-row INSERT each.
    assert.deepEqual([normalize.batchSize, normalize.batchMs], [100, 200]);
    assert.deepEqual(normalize.wires, [[calc.id]]);
    assert.equal(calc.format, 'row');
    assert.deepEqual(calc.wires, [[INSERT.id]]);
    assert.equal(INSERT.outputs, 2);
    const storedAck = byName('stored: acknowledge');
    const deadAck = byName('dead-lettered: acknowledge');
    assert.equal(storedAck.type, 'cdr-ack');
    assert.equal(deadAck.type, 'cdr-ack');
    assert.deepEqual(INSERT.wires, [[storedAck.id], [byName('dead-letter file').id]]);
    assert.deepEqual(storedAck.wires, [[byName('stored').id]]);
    assert.deepEqual(byName('dead-letter file').wires, [[deadAck.id]], 'a dead letter is acknowledged once written');
    assert.deepEqual(deadAck.wires, [[byName('dead letters').id]]);
    assert.deepEqual(byName('row, marked as a replay').wires, [[INSERT.id]]);
    // Nothing else goes back into the INSERT: no delay node, no retry function.
    assert.equal(EXAMPLE.filter((n) => n.type === 'delay').length, 0);
    const into = EXAMPLE.filter((n) => (n.wires || []).some((out) => out.includes(INSERT.id))).map((n) => n.name);
    assert.deepEqual(into.sort(), ['rate → flat row', 'row, marked as a replay']);
    const c = ofType('catch');
    assert.ok(c.scope === null && c.uncaught === false, 'the catch covers every node of the tab');
    assert.deepEqual(c.wires, [[byName('errors').id]]);
    assert.deepEqual(TAB.env.map((e) => [e.name, e.value]), [['DEAD_LETTER_FILE', 'cdr-postgresql-dead-letter.jsonl']]);
    const notes = EXAMPLE.filter((n) => n.type === 'comment').map((n) => n.info).join('\n');
    for (const v of ['PGHOST', 'PGPORT', 'PGUSER', 'PGPASSWORD', 'PGDATABASE', 'cdr-ack', 'ack timeout', 'DEAD_LETTER_FILE']) assert.ok(notes.includes(v), `the comment names ${v}`);
  });
});


describe('example: cdr-postgresql in real Node-RED runtimes against a real PostgreSQL', function () {
  this.timeout(120000);
  let pg;
  let db; // the test's own connections, as the table's owner
  let dir;
  const running = []; // { red, sources }

  before(async function () {
    this.timeout(90000);
    requirePostgres(this);
    // Every INSERT in the server log (without its parameters): the test counts statements there.
    // And each statement's duration: the measured test sums the server's time.
    pg = await startPostgres({ settings: { log_statement: 'mod', log_parameter_max_length: 0, log_duration: 'on' } });
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
   * example into it, wired to its own simulated PBXs, every source waiting
   * `ackSec` for cdr-ack before it sends a record again, cdr-normalize batching
   * as `batch` says (`{ batchSize, batchMs }`; the example's own by default).
   * Returns the runtime, the sources, and readers for the taps.
   */
  async function instance(name, { pgEnv = pg.env, ackSec = ACK_SEC, batch = {} } = {}) {
    const files = {
      calc: path.join(dir, `${name}-calc.jsonl`),
      stored: path.join(dir, `${name}-stored.jsonl`),
      deadAcked: path.join(dir, `${name}-dead-acked.jsonl`),
      errors: path.join(dir, `${name}-errors.jsonl`),
      dead: path.join(dir, `${name}-dead-letter.jsonl`),
    };
    const sources = await startSources(EXAMPLE);
    const tap = (id, file, func) => [
      { id: `${id}-fn`, type: 'function', z: TAB.id, name: `tap ${id}`, func, outputs: 1, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], x: 0, y: 0, wires: [[`${id}-file`]] },
      { id: `${id}-file`, type: 'file', z: TAB.id, name: `tap ${id} file`, filename: file, filenameType: 'str', appendNewline: true, createDir: true, overwriteFile: 'false', encoding: 'utf8', x: 0, y: 0, wires: [[]] },
    ];
    const flow = sources.flow.map((n) => {
      if (n.type === 'tab') return { ...n, env: n.env.map((e) => (e.name === 'DEAD_LETTER_FILE' ? { ...e, value: files.dead } : e)) };
      if (n.type === 'cdr-calc') return { ...n, wires: [[...n.wires[0], 'calc-fn']] };
      if (/-cdr-in$/.test(n.type)) return { ...n, ackTimeoutSec: ackSec };
      if (n.type === 'cdr-normalize') return { ...n, ...batch };
      return n;
    });
    // The debug nodes' inputs go to the taps instead.
    const rewire = (fromName, toId) => {
      const target = EXAMPLE.find((n) => n.name === fromName).id;
      for (const n of flow) if (n.wires) n.wires = n.wires.map((out) => out.map((w) => (w === target ? toId : w)));
    };
    rewire('stored', 'stored-fn');
    rewire('dead letters', 'deadacked-fn');
    rewire('errors', 'errors-fn');
    flow.push(
      // A batch (msg.payload an array) is written one line per row; `batch` its size (0: a single row).
      ...tap('calc', files.calc, `${EACH}; return [each(msg.payload).map((row) => ({ payload: { row, redelivered: msg.redelivered === true, batch: size } }))];`),
      ...tap('stored', files.stored, `${EACH}; return [each(msg.payload).map((r, i) => ({ payload: { id: r.id, stored: Array.isArray(msg.stored) ? msg.stored[i] : msg.stored, redelivered: msg.redelivered === true, replay: msg.replay === true, batch: size } }))];`),
      // Dead letters of a batch: one string of JSON lines.
      ...tap('deadacked', files.deadAcked, "const ls = typeof msg.payload === 'string' ? msg.payload.split('\\n').map((l) => JSON.parse(l)) : [msg.payload]; return [ls.map((l) => ({ payload: { id: l.row.id, handles: (msg.cdrAck || []).length } }))];"),
      ...tap('errors', files.errors, `${EACH}; return [each(msg.payload).map((r) => ({ payload: { message: msg.error && msg.error.message, source: msg.error && msg.error.source && msg.error.source.id, id: r && r.id, code: msg.dbError ? msg.dbError.code : null } }))];`),
    );
    const red = await startRed({ externalModules: ['pg'], env: pgEnv, prefix: `cdrflow-pg-${name}-` });
    running.push({ red, sources });
    await red.deploy(flow);
    await sources.ready();
    const calc = () => jsonLines(files.calc);
    return {
      red,
      sources,
      files,
      /** Every row cdr-calc made, in every copy (a record sent again comes again). */
      calcAll: calc,
      /** The rows cdr-calc made, the first copy of each id. */
      calc: () => [...new Map(calc().map((c) => [c.row.id, c.row])).values()],
      stored: () => jsonLines(files.stored),
      storedIds: () => new Set(jsonLines(files.stored).map((s) => s.id)),
      deadAcked: () => jsonLines(files.deadAcked).map((d) => d.id),
      /** The dead letters acknowledged, with how many handles each message carried. */
      deadAckedAll: () => jsonLines(files.deadAcked),
      errors: () => jsonLines(files.errors),
      dead: () => jsonLines(files.dead),
      /** Still serving the Admin API, and the process is alive. */
      alive: async () => (await red.request('GET', '/flows', undefined, { 'Node-RED-API-Version': 'v1' })).status === 200,
    };
  }

  const total = (batch) => Object.values(batch.legs).reduce((a, b) => a + b, 0);
  // No table yet (the example creates it before its first INSERT): no rows.
  const rowsInDb = async () => ((await db.query("SELECT to_regclass('public.cdr') IS NOT NULL AS there")).rows[0].there ? (await db.query('SELECT * FROM cdr ORDER BY id')).rows : []);
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

  it('two instances, one database: every leg of five vendors (over 1,000, sent to both at once) is stored exactly once with sane values, and acknowledged', async () => {
    // The shipped ack timeout: over 1,000 legs on a busy machine must not be sent again while in flight.
    const a = await instance('a', { ackSec: 60 });
    const b = await instance('b', { ackSec: 60 });
    const insertsBefore = insertsIn(pg.log());

    // The same calls to both (a PBX that sends to two collectors), at the same time.
    const shared = [a.sources.traffic({ seed: 1, count: 200 }), b.sources.traffic({ seed: 1, count: 200 })];
    assert.deepEqual(shared[0].legs, shared[1].legs);
    await Promise.all(shared.map((t) => t.send()));
    const n1 = total(shared[0]);
    assert.ok(n1 >= 1000, `${n1} legs: enough to race the two instances' INSERTs`);
    await waitFor(() => a.storedIds().size >= n1 && b.storedIds().size >= n1, `${n1} rows stored or found, and acknowledged, by each instance`, 60000);

    // A's PBXs resend the shared calls; then each instance gets calls of its own.
    await shared[0].send();
    const onlyA = a.sources.traffic({ seed: 2, count: 5, startMs: Date.UTC(2026, 0, 6, 9) });
    const onlyB = b.sources.traffic({ seed: 3, count: 5, startMs: Date.UTC(2026, 0, 7, 9) });
    await Promise.all([onlyA.send(), onlyB.send()]);
    await waitFor(() => a.storedIds().size >= n1 + total(onlyA) && b.storedIds().size >= n1 + total(onlyB), 'the own calls stored', 30000);

    assert.equal(a.storedIds().size, n1 + total(onlyA), 'A acknowledged each of its rows');
    assert.equal(b.storedIds().size, n1 + total(onlyB), 'B acknowledged each of its rows');
    const madeA = a.calc();
    const madeB = b.calc();
    assert.equal(madeA.length, n1 + total(onlyA), "A's cdr-normalize dropped its PBXs' resends");
    assert.equal(madeB.length, n1 + total(onlyB));
    const rows = await assertStoredExactlyOnce([...a.calcAll(), ...b.calcAll()].map((c) => c.row));
    assert.equal(rows.length, n1 + total(onlyA) + total(onlyB));
    assert.deepEqual([...new Set(rows.map((r) => r.vendor))].sort(), VENDORS, 'every vendor present');
    assert.ok(rows.some((r) => typeof r.cost_amount === 'number' && r.cost_currency === 'USD'), 'rated rows carry their cost');
    assert.ok(rows.some((r) => r.disposition === 'answered') && rows.some((r) => r.disposition !== 'answered'));

    // Each shared leg was inserted by one instance and found already there by the other.
    const stored = [...a.stored(), ...b.stored()];
    const idsB = new Set(madeB.map((r) => r.id));
    const sharedIds = new Set(madeA.map((r) => r.id).filter((id) => idsB.has(id)));
    assert.equal(sharedIds.size, n1);
    const inserted = new Map();
    for (const s of stored) if (s.stored === 'inserted') inserted.set(s.id, (inserted.get(s.id) || 0) + 1);
    for (const id of sharedIds) {
      assert.equal(inserted.get(id), 1, `${id}: inserted once`);
      assert.ok(stored.some((s) => s.id === id && s.stored === 'duplicate'), `${id}: found already there by the other`);
    }
    assert.equal(inserted.size, rows.length);
    // In batches: the server ran far fewer INSERTs than rows were handled (each leg by both instances).
    const statements = insertsIn(pg.log()) - insertsBefore;
    console.log(`      ${stored.length} rows handled in ${statements} INSERT statements (${(stored.length / statements).toFixed(1)} rows each)`);
    assert.ok(statements > 0 && statements * 5 <= stored.length, `${statements} INSERTs for ${stored.length} rows`);
    assert.ok(stored.every((s) => s.batch >= 1), 'every row came in a batch');
    assert.deepEqual([...a.errors(), ...b.errors()], []);
    assert.deepEqual([...a.dead(), ...b.dead()], []);
  });

  it('the server stopped mid-run: each failure reported, nothing acknowledged, Node-RED keeps running; the sources send the rows again and each is stored once after the server is back', async () => {
    const a = await instance('a');
    const first = a.sources.traffic({ seed: 4, count: 4 });
    await first.send();
    await waitFor(() => a.storedIds().size === total(first), 'the first rows stored', 30000);
    assert.equal(await count(), total(first));

    await pg.halt();
    const during = a.sources.traffic({ seed: 5, count: 4, startMs: Date.UTC(2026, 0, 8, 9) });
    await during.send();
    const n2 = total(during);
    await waitFor(() => a.calc().length === total(first) + n2, 'the rows made while the server is down', 30000);
    const duringIds = new Set(a.calc().slice(total(first)).map((r) => r.id));
    await waitFor(() => new Set(a.errors().map((e) => e.id)).size === n2, 'an error for every row made while the server is down', 30000);
    // Not acknowledged: every one of them comes again from its source, and fails again.
    await waitFor(() => [...duringIds].every((id) => a.errors().filter((e) => e.id === id).length >= 2), 'every row sent again and failing again', 30000);
    for (const e of a.errors()) {
      assert.ok(duringIds.has(e.id), 'errors only for rows made while the server was down');
      assert.equal(e.source, INSERT.id, 'reported by the INSERT node');
      assert.match(e.message, /^PostgreSQL: /);
      assert.ok(['ECONNREFUSED', '57P01', '57P03', null].includes(e.code) || /terminat|connect/i.test(e.message), `a connection error: ${e.code} ${e.message}`);
    }
    assert.ok(a.errors().some((e) => e.code === 'ECONNREFUSED'), 'the refused connections named');
    assert.ok(a.calcAll().some((c) => c.redelivered && duringIds.has(c.row.id)), 'sent again by the sources');
    assert.ok(await a.alive(), 'Node-RED still answers');
    assert.match(a.red.log(), /PostgreSQL: idle connection lost/, 'the pool reported the connections the shutdown broke');
    assert.equal(a.storedIds().size, total(first), 'nothing acknowledged while the server is down');

    await pg.resume();
    await waitFor(() => a.storedIds().size === total(first) + n2, 'the rows stored once the server is back', 60000);
    const later = a.stored().filter((s) => duringIds.has(s.id));
    assert.ok(later.some((s) => s.stored === 'inserted' && s.redelivered), 'stored from a copy its source sent again');
    await assertStoredExactlyOnce(a.calcAll().map((c) => c.row));
    assert.deepEqual(a.dead(), [], 'no dead letters: a server down is not a reason to give a row up');
    assert.ok(await a.alive());
  });

  it('a row PostgreSQL refuses for good (a CHECK constraint): dead-lettered with its error, acknowledged and not sent again; once the cause is fixed, a replay stores it once (twice is harmless)', async () => {
    await db.query(createTableSql('cdr'));
    await db.query("ALTER TABLE cdr ADD CONSTRAINT no_vos CHECK (vendor <> 'vos3000')");
    const a = await instance('a');
    const batch = a.sources.traffic({ seed: 6, count: 3 });
    await batch.send();
    const n = total(batch);
    const nVos = batch.legs.vos3000;
    await waitFor(() => a.deadAcked().length === nVos && a.storedIds().size === n - nVos, `${nVos} dead letters acknowledged, the others stored`, 30000);
    const made = a.calc();
    assert.equal(made.length, n);
    const vos = made.filter((r) => r.vendor === 'vos3000');
    const letters = a.dead();
    assert.deepEqual(letters.map((l) => l.row.id).sort(), vos.map((r) => r.id).sort(), 'every refused row dead-lettered once');
    assert.deepEqual([...a.deadAcked()].sort(), vos.map((r) => r.id).sort(), 'and acknowledged after the file was written');
    for (const l of letters) {
      assert.equal(l.error.code, '23514', 'check_violation');
      assert.match(l.error.message, /no_vos/);
      assert.ok(!Number.isNaN(Date.parse(l.failedAt)));
      assert.deepEqual(l.row, made.find((r) => r.id === l.row.id), 'the whole row is kept');
    }
    // Acknowledged: more than two ack timeouts later, no copy of them came again.
    const since = Date.now();
    await waitFor(() => Date.now() - since > 2.5 * ACK_SEC * 1000, 'two ack timeouts', 10000, 100);
    assert.equal(a.calcAll().filter((c) => c.row.vendor === 'vos3000').length, nVos, 'a dead letter is not sent again');
    assert.equal(a.dead().length, nVos);
    assert.deepEqual(a.errors(), [], 'a dead letter is not an error');

    // The cause fixed, the user clicks "replay dead letters".
    await db.query('ALTER TABLE cdr DROP CONSTRAINT no_vos');
    const inject = byName('replay dead letters').id;
    assert.equal((await a.red.request('POST', `/inject/${inject}`)).status, 200);
    await waitFor(() => a.stored().filter((s) => s.replay).length === nVos, 'the replayed rows stored', 30000);
    assert.ok(a.stored().filter((s) => s.replay).every((s) => s.stored === 'inserted'));
    await assertStoredExactlyOnce(made);

    assert.equal((await a.red.request('POST', `/inject/${inject}`)).status, 200);
    await waitFor(() => a.stored().filter((s) => s.replay).length === 2 * nVos, 'the second replay handled', 30000);
    assert.ok(a.stored().filter((s) => s.replay).slice(nVos).every((s) => s.stored === 'duplicate'), 'found already there');
    assert.equal(await count(), n);
    assert.equal(a.dead().length, nVos, 'no new dead letters');
  });

  it('a batch with one row refused for good: that row alone is dead-lettered, the rest of its batch stored once, and the batch acknowledged with the dead letter (not sent again)', async () => {
    await db.query(createTableSql('cdr'));
    // An ack timeout well past the batch's longest wait, so no copy comes again while the batch fills on a busy machine.
    const ackSec = 10;
    const gen = new fsSim.FsCallGenerator({ seed: 81, startMs: Date.UTC(2026, 0, 13, 9, 0, 0) });
    const docs = Array.from({ length: 12 }, () => fsSim.toXml(gen.call().a));
    const ids = docs.flatMap((d) => normalize('freeswitch', parseXmlCdr(d), { timeZone: 'UTC' }).legs.map((l) => l.id));
    // The batch is sent once it holds every leg: the refused one is in it with all the others.
    const a = await instance('a', { ackSec, batch: { batchSize: ids.length, batchMs: 5000 } });
    const refused = ids[5];
    await db.query(`ALTER TABLE cdr ADD CONSTRAINT not_this_one CHECK (id <> '${refused}')`);
    const port = Number(a.sources.flow.find((n) => n.type === 'fs-cdr-in').port);
    const insertsBefore = insertsIn(pg.log());
    await Promise.all(
      docs.map(async (doc) => {
        const { body, contentType } = fsSim.postBody(doc, 'xml', 'urlencoded');
        const res = await request({ port, path: '/cdr', body, headers: { 'Content-Type': contentType } });
        assert.equal(res.status, 200);
      }),
    );
    await waitFor(() => a.deadAcked().length === 1 && a.storedIds().size === ids.length - 1, 'one dead letter acknowledged, the other rows stored', 30000);
    assert.ok(a.calcAll().every((c) => c.batch === ids.length), 'all in one batch');
    assert.deepEqual(a.deadAcked(), [refused]);
    const letters = a.dead();
    assert.equal(letters.length, 1);
    assert.equal(letters[0].error.code, '23514');
    assert.match(letters[0].error.message, /not_this_one/);
    assert.deepEqual(letters[0].row, a.calc().find((r) => r.id === refused), 'the whole row is kept');
    assert.ok(a.deadAckedAll()[0].handles >= ids.length, "the batch's handles travel with its dead letter");
    assert.ok(a.stored().every((s) => s.stored === 'inserted' && s.id !== refused));
    await assertStoredExactlyOnce(a.calc().filter((r) => r.id !== refused));
    // The multi-row INSERT refused, then one per row of the batch.
    assert.equal(insertsIn(pg.log()) - insertsBefore, 1 + ids.length);
    // Acknowledged: more than two ack timeouts later, no copy came again.
    const since = Date.now();
    await waitFor(() => Date.now() - since > 2.5 * ackSec * 1000, 'two ack timeouts', 40000, 100);
    assert.equal(a.calcAll().length, ids.length, 'nothing sent again');
    assert.deepEqual(a.errors(), []);
  });

  it('a batch over 65,535 parameters: INSERTs under the limit in one transaction, rolled back whole when a row of its second statement is refused', async () => {
    await db.query(createTableSql('cdr'));
    const maxRows = Math.floor(65535 / FLAT_COLUMNS.length);
    const gen = new fsSim.FsCallGenerator({ seed: 91, startMs: Date.UTC(2026, 0, 14, 9, 0, 0) });
    const docs = Array.from({ length: maxRows + 60 }, () => fsSim.toXml(gen.call().a));
    const ids = docs.map((d) => normalize('freeswitch', parseXmlCdr(d), { timeZone: 'UTC' }).legs[0].id);
    // The batch is sent once it holds every record; no copy comes again meanwhile, however slow the machine.
    const a = await instance('a', { ackSec: 300, batch: { batchSize: docs.length, batchMs: 60000 } });
    const last = ids[ids.length - 1];
    await db.query(`ALTER TABLE cdr ADD CONSTRAINT not_the_last CHECK (id <> '${last}')`);
    const port = Number(a.sources.flow.find((n) => n.type === 'fs-cdr-in').port);
    const post = async (doc) => {
      const { body, contentType } = fsSim.postBody(doc, 'xml', 'urlencoded');
      const res = await request({ port, path: '/cdr', body, headers: { 'Content-Type': contentType } });
      assert.equal(res.status, 200);
    };
    const insertsBefore = insertsIn(pg.log());
    const logBefore = pg.log().length;
    // Eight senders, then the refused record alone: it is the batch's last row, in its second statement.
    const queue = docs.slice(0, -1);
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (queue.length > 0) await post(queue.shift());
    }));
    await post(docs[docs.length - 1]);
    await waitFor(() => a.deadAcked().length === 1 && a.storedIds().size === ids.length - 1, 'one dead letter, the other rows stored', 90000, 50);
    assert.ok(a.calcAll().every((c) => c.batch === ids.length), 'one batch');
    assert.deepEqual(a.deadAcked(), [last]);
    assert.equal(a.dead()[0].error.code, '23514');
    // Had the first statement been committed on its own, its rows would be found as duplicates when tried one by one.
    assert.ok(a.stored().every((s) => s.stored === 'inserted'), 'the first statement was rolled back with the second: one transaction');
    await assertStoredExactlyOnce(a.calc().filter((r) => r.id !== last));
    const log = pg.log().slice(logBefore);
    const params = [...log.matchAll(/\$(\d+)\)/g)].map((m) => Number(m[1]));
    assert.ok(params.includes(maxRows * FLAT_COLUMNS.length), `a full statement of ${maxRows} rows`);
    assert.ok(Math.max(...params) <= 65535, 'no statement over 65,535 parameters');
    // The two statements of the batch, then one per row.
    assert.equal(insertsIn(pg.log()) - insertsBefore, 2 + ids.length);
    assert.deepEqual(a.errors(), []);
  });

  it('measured: rows/s from the first send to the last row stored, one INSERT per row vs the example\'s batches (printed for the README, not asserted)', async () => {
    const figures = [];
    for (const [run, [label, batch]] of [['one INSERT per row', { batchSize: 0 }], ['batches of 100 / 200 ms (as shipped)', {}]].entries()) {
      await db.query('DROP TABLE IF EXISTS cdr');
      const a = await instance(`m${run}`, { ackSec: 60, batch });
      const traffic = a.sources.traffic({ seed: 11, count: 400 });
      const n = total(traffic);
      const logBefore = pg.log().length;
      const cpu0 = cpuSec(a.red.pid());
      const t0 = process.hrtime.bigint();
      await traffic.send();
      await waitFor(() => a.storedIds().size === n, `${n} rows stored (${label})`, 90000, 20);
      const sec = Number(process.hrtime.bigint() - t0) / 1e9;
      const cpu = cpuSec(a.red.pid()) - cpu0;
      const log = pg.log().slice(logBefore);
      const statements = insertsIn(log);
      figures.push({ label, n, statements, sec, cpu, serverMs: serverMsIn(log) });
      await assertStoredExactlyOnce(a.calc());
      if (batch.batchSize === 0) assert.equal(statements, n, 'one INSERT per row');
      else assert.ok(statements * 5 <= n, `${statements} INSERTs for ${n} rows`);
      assert.deepEqual(a.errors(), []);
      const r = running.pop();
      await r.red.stop();
      await r.sources.close();
    }
    // The machine is shared: a figure of this run, never a timing assertion.
    // Wall time is bounded by the senders here; the CPU of Node-RED and the server's statement time are what batches save.
    const [one] = figures;
    for (const f of figures) {
      console.log(
        `      ${f.label}: ${f.n} rows in ${f.statements} INSERTs; ${Math.round(f.n / f.sec)} rows/s from the first send to the last stored (${(one.sec / f.sec).toFixed(2)}×); ` +
          `Node-RED CPU ${((f.cpu * 1e6) / f.n).toFixed(0)} µs/row (${(one.cpu / f.cpu).toFixed(2)}× less); server ${((f.serverMs * 1e3) / f.n).toFixed(0)} µs/row (${(one.serverMs / f.serverMs).toFixed(2)}× less)`,
      );
    }
  });

  it('a table dropped while running: the failed INSERT is reported, the table is created again, and every row its source sends again is stored once', async () => {
    const a = await instance('a');
    const first = a.sources.traffic({ seed: 8, count: 2 });
    await first.send();
    await waitFor(() => a.storedIds().size === total(first), 'the first rows stored', 30000);
    await db.query('DROP TABLE cdr');
    const next = a.sources.traffic({ seed: 9, count: 2, startMs: Date.UTC(2026, 0, 9, 9) });
    await next.send();
    await waitFor(() => a.storedIds().size === total(first) + total(next), 'the next rows stored', 30000);
    const errors = a.errors();
    assert.ok(errors.length >= 1, 'the missing table reported');
    assert.ok(errors.every((e) => e.code === '42P01' && /relation "cdr" does not exist/.test(e.message)), JSON.stringify(errors));
    await assertStoredExactlyOnce(a.calc().slice(total(first)));
    assert.deepEqual(a.dead(), []);
  });

  it('a wrong password: a clear error naming the user, nothing stored, nothing dead-lettered, the rows sent again; Node-RED keeps running', async () => {
    const a = await instance('a', { pgEnv: { ...pg.env, PGPASSWORD: 'not-the-password' } });
    const batch = a.sources.traffic({ seed: 7, count: 2 });
    await batch.send();
    const n = total(batch);
    await waitFor(() => a.calc().length === n && a.calc().every((r) => a.errors().filter((e) => e.id === r.id).length >= 2), 'every row refused twice (sent again by its source)', 30000);
    for (const e of a.errors()) {
      assert.equal(e.code, '28P01', 'invalid_password');
      assert.equal(e.message, `PostgreSQL: password authentication failed for user "${pg.user}"`);
    }
    assert.deepEqual(a.dead(), [], 'a login refused is not a reason to give a row up');
    assert.equal(await count(), 0, 'no table, no row');
    assert.equal(a.stored().length, 0);
    assert.ok(await a.alive());
  });

  it('SIGKILL of Node-RED mid-stream while the server is down: after the restart every record FreeSWITCH got a 200 for is in the table exactly once', async () => {
    const a = await instance('a');
    const port = Number(a.sources.flow.find((n) => n.type === 'fs-cdr-in').port);
    const gen = new fsSim.FsCallGenerator({ seed: 71, startMs: Date.UTC(2026, 0, 12, 9, 0, 0) });
    const docs = Array.from({ length: 40 }, () => fsSim.toXml(gen.call().a));
    // The example reads the PBX clocks as UTC.
    const idOf = new Map(docs.map((d) => [d, normalize('freeswitch', parseXmlCdr(d), { timeZone: 'UTC' }).legs.map((l) => l.id)]));
    const ok = []; // ids FreeSWITCH got a 200 for: it deletes those records
    let sending = true;
    // The test lets the sender go a few records at a time, so the halt and the kill each come at a known record
    // (paced by a timer, a slow halt on a loaded machine could come after the last record).
    let allowed = 6;
    const legsOf = (n) => docs.slice(0, n).reduce((sum, d) => sum + idOf.get(d).length, 0);
    // FreeSWITCH's mod_xml_cdr: each record POSTed until answered 200 (refused while Node-RED is down).
    const sender = (async () => {
      for (const [i, doc] of docs.entries()) {
        await waitFor(() => !sending || i < allowed, `the test letting record ${i + 1} go`, 120000, 10);
        const { body, contentType } = fsSim.postBody(doc, 'xml', 'urlencoded');
        while (sending) {
          const res = await request({ port, path: '/cdr', body, headers: { 'Content-Type': contentType } }).catch(() => null);
          if (res && res.status === 200) {
            ok.push(...idOf.get(doc));
            break;
          }
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    })();
    try {
      await waitFor(() => ok.length >= legsOf(6), 'the first records answered 200', 30000, 20);
      await pg.halt();
      const atHalt = ok.length;
      allowed = 20;
      await waitFor(() => ok.length >= legsOf(20), () => `more records answered 200 while the server is down (${atHalt}, ${ok.length}): ${JSON.stringify(a.errors().filter((e) => !/^PostgreSQL/.test(e.message)).slice(0, 5))}`, 30000, 20);
      // Acknowledged to FreeSWITCH while the server was down: only the journal has them.
      const onlyInJournal = ok.slice(atHalt);
      await a.red.restart({ signal: 'SIGKILL' });
      allowed = docs.length;
      await a.sources.ready();
      await pg.resume();
      await sender;
      const want = docs.flatMap((d) => idOf.get(d));
      await waitFor(async () => {
        const have = new Set((await rowsInDb()).map((r) => r.id));
        return want.every((id) => have.has(id));
      }, 'every record of the stream in the table', 60000, 200);
      const rows = (await db.query("SELECT id FROM cdr WHERE vendor = 'freeswitch' AND start_time >= '2026-01-12'")).rows.map((r) => r.id);
      assert.deepEqual(rows.sort(), [...want].sort(), 'each record of the stream exactly once, nothing else');
      assert.ok(onlyInJournal.length >= 8 && onlyInJournal.every((id) => rows.includes(id)), `the ${onlyInJournal.length} records acknowledged while the server was down are stored`);
    } finally {
      sending = false;
      await sender;
    }
  });
});

'use strict';
// examples/cdr-sqlite.json as a user runs it: a real Node-RED (child process,
// the package and node-red-node-sqlite installed in its userDir), the flow
// deployed through the Admin API, every simulator sending to its source node
// over real sockets, rows written into a real SQLite file that the test reads
// with the sqlite3 module. The test changes only the listening ports and the
// database file, and adds taps (core nodes): cdr-calc's output and the INSERT's
// output go to JSON-lines files, and a catch of its own records every error.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const sqlite3 = require('sqlite3');
const { startRed } = require('../support/red-process');
const { startSources } = require('../support/sources');
const { waitFor } = require('../support/wait');
const { FLAT_COLUMNS, createTableSql } = require('../../nodes/lib/cdr/rows');

const EXAMPLE = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'cdr-sqlite.json'), 'utf8'));
const byName = (name) => EXAMPLE.find((n) => n.name === name);
const ofType = (type) => EXAMPLE.filter((n) => n.type === type);
const COLUMNS = FLAT_COLUMNS.map((c) => c.name);
const VENDORS = ['ucm', 'freeswitch', 'vos3000', 'gateway', 'asterisk'];

/** Rows of a query on the database file, read through a connection of the test's own (none while there is no file). */
function query(file, sql, params = []) {
  if (!fs.existsSync(file)) return Promise.resolve([]);
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, sqlite3.OPEN_READONLY, (err) => {
      if (err) return reject(err);
      db.all(sql, params, (err2, rows) => db.close(() => (err2 ? reject(err2) : resolve(rows))));
    });
  });
}

/** The complete lines of a file a core file node appends to. */
function lines(file) {
  if (!fs.existsSync(file)) return [];
  const text = fs.readFileSync(file, 'utf8');
  return text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter(Boolean);
}
const jsonLines = (file) => lines(file).map((l) => JSON.parse(l));

const sum = (o) => Object.values(o).reduce((a, b) => a + b, 0);

describe('example: cdr-sqlite (a real Node-RED, every simulated PBX, a real SQLite file)', function () {
  this.timeout(60000);
  let dir;
  let red;
  let sources;
  let dbFile;
  const taps = {};

  /**
   * The example with the ports of `sources`, the database `file`, and the
   * taps: emitted (cdr-calc's rows), written (ids the INSERT answered for) and
   * errors (every error any node reported, by a catch of the test's own).
   */
  function withTaps(base, file, change = () => {}) {
    const nodes = JSON.parse(JSON.stringify(base));
    const z = nodes.find((n) => n.type === 'tab').id;
    nodes.find((n) => n.type === 'sqlitedb').db = file;
    nodes.find((n) => n.type === 'cdr-calc').wires[0].push('tap-emitted');
    nodes.find((n) => n.name === 'INSERT … DO NOTHING').wires[0].push('tap-written-id');
    const file_ = (id, name, filename) => ({ id, type: 'file', z, name, filename, filenameType: 'str', appendNewline: true, createDir: true, overwriteFile: 'false', encoding: 'utf8', wires: [[]] });
    nodes.push(
      file_('tap-emitted', 'tap: emitted rows', taps.emitted),
      { id: 'tap-written-id', type: 'change', z, name: 'tap: id', rules: [{ t: 'set', p: 'payload', pt: 'msg', to: 'params.$id', tot: 'msg' }], wires: [['tap-written']] },
      file_('tap-written', 'tap: written ids', taps.written),
      { id: 'tap-catch', type: 'catch', z, name: 'tap: every error', scope: null, uncaught: false, wires: [['tap-error-line']] },
      {
        id: 'tap-error-line',
        type: 'function',
        z,
        name: 'tap: error line',
        func: 'const p = msg.payload; msg.payload = { message: String(msg.error && msg.error.message), node: msg.error && msg.error.source && msg.error.source.name, id: p && typeof p === "object" ? p.id : null }; return msg;',
        outputs: 1,
        libs: [],
        wires: [['tap-errors']],
      },
      file_('tap-errors', 'tap: errors', taps.errors),
    );
    change(nodes);
    return nodes;
  }

  const emitted = () => jsonLines(taps.emitted);
  const written = () => lines(taps.written);
  const errors = () => jsonLines(taps.errors);
  const rowsOf = (file = dbFile) => query(file, 'SELECT * FROM cdr ORDER BY id');

  const countByVendor = (rows) => rows.reduce((c, r) => ({ ...c, [r.vendor]: (c[r.vendor] || 0) + 1 }), {});

  /**
   * Waits until cdr-calc has emitted `want[vendor]` more rows of each vendor
   * than `before` (a count of emitted rows) and the INSERT answered for every
   * emitted row; then no more rows than that came.
   */
  async function settled(before, want, what) {
    const target = {};
    for (const v of Object.keys(want)) target[v] = (before[v] || 0) + want[v];
    const reached = () => {
      const now = countByVendor(emitted());
      return Object.keys(target).every((v) => (now[v] || 0) >= target[v]);
    };
    try {
      await waitFor(reached, 'rows from cdr-calc', 30000, 50);
      await waitFor(() => written().length >= emitted().length, 'an INSERT answer for each row', 30000, 50);
    } catch (err) {
      err.message += ` (${what}): want ${JSON.stringify(target)}, cdr-calc emitted ${JSON.stringify(countByVendor(emitted()))}, INSERT answered ${written().length}, errors ${JSON.stringify(errors())}`;
      throw err;
    }
    assert.deepEqual(countByVendor(emitted()), { ...before, ...target }, 'no more rows than the simulators sent');
    assert.equal(written().length, emitted().length, 'one INSERT answer per row');
  }

  /** Every row cdr-calc emitted is in the table exactly once, with the same values, and nothing else is. */
  async function assertTableHoldsEmitted(file = dbFile, emittedRows = emitted()) {
    const rows = await query(file, 'SELECT * FROM cdr');
    const byId = new Map(emittedRows.map((r) => [r.id, r]));
    const ids = rows.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length, 'no id twice');
    assert.deepEqual([...ids].sort(), [...byId.keys()].sort(), 'the table holds exactly the emitted ids');
    for (const row of rows) {
      const want = byId.get(row.id);
      for (const c of COLUMNS) {
        if (typeof want[c] === 'number') assert.ok(Math.abs(row[c] - want[c]) < 1e-9, `${row.id} ${c}: ${row[c]} ≠ ${want[c]}`);
        else assert.equal(row[c], want[c], `${row.id} ${c}`);
      }
    }
    return rows;
  }

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdr-sqlite-'));
    dbFile = path.join(dir, 'cdrflow.db');
    taps.emitted = path.join(dir, 'emitted.jsonl');
    taps.written = path.join(dir, 'written.jsonl');
    taps.errors = path.join(dir, 'errors.jsonl');
    red = await startRed({ prefix: 'cdr-sqlite-red-' });
    sources = await startSources(EXAMPLE);
    await red.deploy(withTaps(sources.flow, dbFile));
    await sources.ready();
  });

  after(async () => {
    if (red) await red.stop();
    if (sources) await sources.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  afterEach(function () {
    if (this.currentTest.state === 'failed' && red) console.log(`--- Node-RED log (tail) ---\n${red.log().split('\n').slice(-60).join('\n')}`);
  });

  it("keeps the example's CREATE TABLE and INSERT column list in step with FLAT_COLUMNS", () => {
    const create = byName('CREATE TABLE cdr');
    assert.equal(create.type, 'sqlite');
    assert.equal(create.sqlquery, 'fixed');
    assert.equal(create.sql, createTableSql('cdr'));
    const insert = byName('INSERT … DO NOTHING');
    assert.equal(insert.sqlquery, 'prepared');
    assert.equal(insert.mydb, create.mydb, 'one sqlitedb connection for both');
    const m = /^INSERT INTO cdr \(([^)]*)\)\s*VALUES \(([^)]*)\)\s*ON CONFLICT \(id\) DO NOTHING;?$/.exec(insert.sql);
    assert.ok(m, insert.sql);
    assert.deepEqual(m[1].split(',').map((s) => s.trim()), COLUMNS);
    assert.deepEqual(m[2].split(',').map((s) => s.trim()), COLUMNS.map((c) => `$${c}`));
    // Everything the user needs is named in the flow: the sink is theirs to install.
    assert.ok(ofType('comment').some((c) => /node-red-node-sqlite/.test(c.name + c.info)));
    assert.equal(ofType('sqlitedb').length, 1);
  });

  it('writes every record of every vendor into the table exactly once, with cost and metric columns', async () => {
    assert.deepEqual([...sources.vendors].sort(), [...VENDORS].sort(), 'the example has a source for every vendor');
    const batch = sources.traffic({ seed: 1, count: 8 });
    await batch.send();
    await settled({}, batch.legs, 'first sending');
    const rows = await assertTableHoldsEmitted();
    assert.equal(rows.length, sum(batch.legs));
    for (const v of VENDORS) assert.equal(rows.filter((r) => r.vendor === v).length, batch.legs[v], `${v} rows`);
    assert.deepEqual(errors(), [], 'no node reported an error');

    // Plausible values: metrics add up, rated answered calls have a cost.
    for (const r of rows) {
      assert.equal(r.kind, 'leg');
      assert.ok(r.total_sec >= 0 && r.talk_sec >= 0 && r.ring_sec >= 0, r.id);
      assert.ok(r.talk_sec <= r.total_sec + 1e-9, `${r.id} talk ${r.talk_sec} ≤ total ${r.total_sec}`);
      if (r.disposition !== 'answered') assert.equal(r.talk_sec, 0, r.id);
      if (r.cost_amount !== null) {
        assert.equal(r.cost_currency, 'USD');
        assert.ok(r.cost_amount >= 0 && r.cost_rate_per_minute > 0 && r.cost_prefix, r.id);
      }
      assert.equal(r.leg_count, 1);
      assert.doesNotThrow(() => JSON.parse(r.extra));
    }
    const rated = rows.filter((r) => r.disposition === 'answered' && r.cost_amount > 0);
    assert.ok(rated.length >= 5, `answered calls with a cost: ${rated.length}`);
    assert.ok(new Set(rated.map((r) => r.vendor)).size >= 3, 'costs from several vendors');
  });

  it('adds no row when the same traffic is sent again (resends)', async () => {
    const before = await rowsOf();
    const was = countByVendor(emitted());
    const batch = sources.traffic({ seed: 1, count: 8 });
    // What a PBX resends after an outage: UCM, FreeSWITCH, VOS3000 and Asterisk
    // records again. A gateway sends events, not records: replayed events of
    // calls gw-cdr-in has closed are "late" and dropped there, so the gateway's
    // replay is in the restart case, where the assembler starts empty.
    const resent = ['ucm', 'freeswitch', 'vos3000', 'asterisk'];
    await batch.send({ only: resent });
    await settled(was, Object.fromEntries(resent.map((v) => [v, batch.legs[v]])), 'resending');
    // cdr-normalize passes repeats on (duplicates off): each reached the INSERT, which did nothing.
    const again = emitted().slice(sum(was));
    assert.ok(again.every((r) => before.some((b) => b.id === r.id)), 'every resent record has a known id');
    assert.deepEqual(await rowsOf(), before, 'the table is unchanged');
    assert.deepEqual(errors(), []);
  });

  it('keeps the table over a Node-RED restart: resent and new records are each there once', async () => {
    await red.restart();
    await sources.ready();
    const was = countByVendor(emitted());
    const again = sources.traffic({ seed: 1, count: 8 });
    const fresh = sources.traffic({ seed: 2, count: 4, startMs: Date.UTC(2026, 0, 6, 9, 0, 0) });
    await again.send();
    await fresh.send();
    const want = Object.fromEntries(VENDORS.map((v) => [v, again.legs[v] + fresh.legs[v]]));
    await settled(was, want, 'after the restart');
    const rows = await assertTableHoldsEmitted();
    assert.equal(rows.length, sum(again.legs) + sum(fresh.legs));
    assert.deepEqual(errors(), []);
  });

  /** A connection of the test's own that can write (to hold a lock, drop the table). */
  function openDb(file) {
    return new Promise((resolve, reject) => {
      const db = new sqlite3.Database(file, sqlite3.OPEN_READWRITE, (err) => (err ? reject(err) : resolve(db)));
    });
  }
  const exec = (db, sql) => new Promise((resolve, reject) => db.exec(sql, (err) => (err ? reject(err) : resolve())));
  const closeDb = (db) => new Promise((resolve) => db.close(() => resolve()));

  it('reports SQLITE_BUSY while another program holds the database, retries, and loses no record', async () => {
    const was = countByVendor(emitted());
    const seen = emitted().length;
    const errorsBefore = errors().length;
    const holder = await openDb(dbFile);
    let locked = true;
    try {
      await exec(holder, 'BEGIN EXCLUSIVE');
      // Few rows: each INSERT waits 1 s for the lock (sqlite3's busy timeout)
      // while holding one of libuv's 4 threads, which Node-RED's file writes
      // (the taps) need too.
      const batch = sources.traffic({ seed: 3, count: 3, startMs: Date.UTC(2026, 0, 7, 9, 0, 0) });
      await batch.send({ only: ['ucm'] });
      // Then the INSERT fails: the catch must see it.
      await waitFor(() => errors().slice(errorsBefore).some((e) => /SQLITE_BUSY/.test(e.message)), 'an SQLITE_BUSY error reported', 20000, 50);
      await exec(holder, 'COMMIT');
      locked = false;
      await settled(was, { ucm: batch.legs.ucm }, 'after the lock was released');
    } finally {
      if (locked) await exec(holder, 'ROLLBACK').catch(() => {});
      await closeDb(holder);
    }
    const reported = errors().slice(errorsBefore);
    assert.ok(reported.length > 0);
    assert.ok(reported.every((e) => /SQLITE_BUSY/.test(e.message) && e.node === 'INSERT … DO NOTHING'), JSON.stringify(reported));
    // Every row of this batch was written once, though some INSERTs failed first.
    const rows = await rowsOf();
    const mine = emitted().slice(seen);
    for (const r of mine) assert.equal(rows.filter((x) => x.id === r.id).length, 1, r.id);
    await assertTableHoldsEmitted();
  });

  it('creates the table again when it was dropped, and writes the rows that found no table', async () => {
    const was = countByVendor(emitted());
    const errorsBefore = errors().length;
    const db = await openDb(dbFile);
    await exec(db, 'DROP TABLE cdr');
    await closeDb(db);
    const batch = sources.traffic({ seed: 4, count: 3, startMs: Date.UTC(2026, 0, 8, 9, 0, 0) });
    const mineFrom = emitted().length;
    await batch.send();
    await settled(was, batch.legs, 'after DROP TABLE');
    const reported = errors().slice(errorsBefore);
    assert.ok(reported.length > 0 && reported.every((e) => /no such table/.test(e.message)), JSON.stringify(reported));
    await assertTableHoldsEmitted(dbFile, emitted().slice(mineFrom));
  });

  it('holds the rows that arrive before the table exists (no CREATE at deploy, a new database file) and writes each once', async () => {
    const file = path.join(dir, 'later.db');
    // The deploy-time CREATE never runs: the first rows meet a database without the table.
    const noCreate = withTaps(sources.flow, file, (nodes) => {
      nodes.find((n) => n.type === 'inject').once = false;
    });
    await red.deploy(noCreate);
    await sources.ready();
    assert.deepEqual(await query(file, "SELECT name FROM sqlite_master WHERE name = 'cdr'"), [], 'no table yet');
    const was = countByVendor(emitted());
    const errorsBefore = errors().length;
    const mineFrom = emitted().length;
    const batch = sources.traffic({ seed: 5, count: 4, startMs: Date.UTC(2026, 0, 9, 9, 0, 0) });
    await batch.send();
    await settled(was, batch.legs, 'into a database without the table');
    assert.deepEqual(errors().slice(errorsBefore), [], 'no INSERT ran before the table was there');
    const rows = await assertTableHoldsEmitted(file, emitted().slice(mineFrom));
    assert.equal(rows.length, sum(batch.legs));
  });

  it('reports a database it cannot open, keeps the rows waiting, and writes them once the path is fixed and deployed', async () => {
    const mineFrom = emitted().length;
    const was = countByVendor(emitted());
    await red.deploy(withTaps(sources.flow, path.join(dir, 'no-such-dir', 'cdr.db')));
    await sources.ready();
    const batch = sources.traffic({ seed: 6, count: 3, startMs: Date.UTC(2026, 0, 10, 9, 0, 0) });
    await batch.send({ only: ['ucm'] });
    await waitFor(() => countByVendor(emitted()).ucm >= (was.ucm || 0) + batch.legs.ucm, 'the rows from cdr-calc', 20000, 50);
    // node-red-node-sqlite reports it from the sqlitedb config node (log and
    // debug sidebar, not a catch node); its statements then never run, so the
    // rows wait in "row → $params, wait for table" (its status counts them).
    await waitFor(() => red.log().includes(`failed to open ${path.join(dir, 'no-such-dir', 'cdr.db')}`), 'the open failure in the log', 20000, 50);
    assert.equal(written().length, mineFrom, 'nothing was written');
    // The user fixes the path and deploys: the waiting rows are written.
    const file = path.join(dir, 'fixed.db');
    await red.deploy(withTaps(sources.flow, file));
    await waitFor(() => written().length >= emitted().length, 'the waiting rows written', 20000, 50);
    await assertTableHoldsEmitted(file, emitted().slice(mineFrom));
    assert.equal((await query(file, 'SELECT count(*) AS n FROM cdr'))[0].n, batch.legs.ucm);
  });
});

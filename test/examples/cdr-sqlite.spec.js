'use strict';
// examples/cdr-sqlite.json as a user runs it: a real Node-RED (child process,
// the package and node-red-node-sqlite installed in its userDir), the flow
// deployed through the Admin API, every simulator sending to its source node
// over real sockets, rows written into a real SQLite file that the test reads
// with the sqlite3 module. The test changes only the listening ports, the
// database and dead-letter files and the sources' ack timeout (short, so a
// record not acknowledged comes again within the test), and adds taps (core
// nodes): cdr-calc's output, the ids each cdr-ack let go and every error go
// to JSON-lines files.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const sqlite3 = require('sqlite3');
const { startRed } = require('../support/red-process');
const { startSources } = require('../support/sources');
const { request } = require('../support/http');
const { waitFor } = require('../support/wait');
const { FLAT_COLUMNS, createTableSql } = require('../../nodes/lib/cdr/rows');
const fsSim = require('../../nodes/lib/sim/freeswitch');
const { parseXmlCdr } = require('../../nodes/lib/formats/freeswitch/xml');
const { normalize } = require('../../nodes/lib/cdr/normalize');
const { completeLines: lines, jsonLines } = require('../support/file-lines');

const EXAMPLE = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'cdr-sqlite.json'), 'utf8'));
const byName = (name) => EXAMPLE.find((n) => n.name === name);
const ofType = (type) => EXAMPLE.filter((n) => n.type === type);
const COLUMNS = FLAT_COLUMNS.map((c) => c.name);
const VENDORS = ['ucm', 'freeswitch', 'vos3000', 'gateway', 'asterisk'];
const INSERT = 'INSERT … DO NOTHING';
const STORED_ACK = 'stored: acknowledge';
const DEAD_ACK = 'dead-lettered: acknowledge';
// Seconds a source waits for cdr-ack before it sends a record again (60 as shipped).
const ACK_SEC = 2;

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

/** A connection of the test's own that can write (to hold a lock, drop the table, add a trigger). */
function openDb(file) {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, sqlite3.OPEN_READWRITE, (err) => (err ? reject(err) : resolve(db)));
  });
}
const exec = (db, sql) => new Promise((resolve, reject) => db.exec(sql, (err) => (err ? reject(err) : resolve())));
const all = (db, sql) => new Promise((resolve, reject) => db.all(sql, (err, rows) => (err ? reject(err) : resolve(rows))));
const closeDb = (db) => new Promise((resolve) => db.close(() => resolve()));
async function onDb(file, sql) {
  const db = await openDb(file);
  try {
    await exec(db, sql);
  } finally {
    await closeDb(db);
  }
}

const sum = (o) => Object.values(o).reduce((a, b) => a + b, 0);

describe('example: cdr-sqlite (the flow file)', () => {
  it("keeps the example's CREATE TABLE and INSERT column list in step with FLAT_COLUMNS", () => {
    const create = byName('CREATE TABLE cdr');
    assert.equal(create.type, 'sqlite');
    assert.equal(create.sqlquery, 'fixed');
    assert.equal(create.sql, createTableSql('cdr'));
    const insert = byName(INSERT);
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

  it('acknowledges a row once stored or dead-lettered, and has no retry loop of its own', () => {
    const insert = byName(INSERT);
    const stored = byName(STORED_ACK);
    assert.equal(stored.type, 'cdr-ack');
    assert.deepEqual(insert.wires, [[stored.id]], "the INSERT's success output is acknowledged");
    // A refusal: "no table" creates it, a refusal for good is dead-lettered, then acknowledged.
    const why = byName('no table? refused for good?');
    const deadFile = byName('dead-letter file');
    assert.deepEqual(why.wires, [[byName('CREATE TABLE cdr').id], [deadFile.id], [byName('not written yet (sent again)').id]]);
    assert.equal(deadFile.filename, 'DEAD_LETTER_FILE');
    assert.deepEqual(deadFile.wires, [[byName(DEAD_ACK).id]]);
    assert.equal(byName(DEAD_ACK).type, 'cdr-ack');
    const dbCatch = byName('database errors');
    assert.deepEqual([...dbCatch.scope].sort(), [insert.id, byName('CREATE TABLE cdr').id].sort());
    // Nothing waits in the flow: no delay node, no rows held in context, nothing sent back to the INSERT.
    assert.deepEqual(ofType('delay'), []);
    for (const fn of ofType('function')) assert.doesNotMatch(fn.func + fn.initialize + fn.finalize, /flow\.set|context\.set|setTimeout/, fn.name);
    const intoInsert = EXAMPLE.filter((n) => (n.wires || []).some((out) => out.includes(insert.id))).map((n) => n.name);
    assert.deepEqual(intoInsert, ['row → $params']);
    const comment = ofType('comment').map((c) => c.info).join('\n');
    for (const words of ['cdr-ack', 'ack timeout', 'DEAD_LETTER_FILE', 'SQLITE_CONSTRAINT']) assert.ok(comment.includes(words), `the comment explains ${words}`);
  });
});

describe('example: cdr-sqlite (a real Node-RED, every simulated PBX, a real SQLite file)', function () {
  this.timeout(90000);
  let dir;
  let red;
  let sources;
  let dbFile;
  const taps = {};

  /**
   * The example with the ports of `sources`, the database `file`, a short ack
   * timeout, and the taps: emitted (cdr-calc's rows, and whether the record
   * was sent again), acked (ids the stored cdr-ack let go), dead (ids the
   * dead-letter cdr-ack let go) and errors (every error any node reported, by
   * a catch of the test's own).
   */
  function withTaps(base, file, change = () => {}) {
    const nodes = JSON.parse(JSON.stringify(base));
    const tab = nodes.find((n) => n.type === 'tab');
    const z = tab.id;
    tab.env = tab.env.map((e) => (e.name === 'DEAD_LETTER_FILE' ? { ...e, value: taps.deadLetters } : e));
    for (const n of nodes) if (/-cdr-in$/.test(n.type)) n.ackTimeoutSec = ACK_SEC;
    nodes.find((n) => n.type === 'sqlitedb').db = file;
    nodes.find((n) => n.type === 'cdr-calc').wires[0].push('tap-emitted-fn');
    nodes.find((n) => n.name === STORED_ACK).wires[0].push('tap-acked-id');
    nodes.find((n) => n.name === DEAD_ACK).wires[0].push('tap-dead-id');
    const file_ = (id, name, filename) => ({ id, type: 'file', z, name, filename, filenameType: 'str', appendNewline: true, createDir: true, overwriteFile: 'false', encoding: 'utf8', wires: [[]] });
    const fn = (id, func, to) => ({ id, type: 'function', z, name: `tap: ${id}`, func, outputs: 1, libs: [], wires: [[to]] });
    nodes.push(
      fn('tap-emitted-fn', 'msg.payload = { row: msg.payload, redelivered: msg.redelivered === true }; return msg;', 'tap-emitted'),
      file_('tap-emitted', 'tap: emitted rows', taps.emitted),
      fn('tap-acked-id', 'msg.payload = msg.params.$id; return msg;', 'tap-acked'),
      file_('tap-acked', 'tap: acknowledged ids', taps.acked),
      fn('tap-dead-id', 'msg.payload = msg.payload.row.id; return msg;', 'tap-dead'),
      file_('tap-dead', 'tap: dead-lettered ids', taps.dead),
      { id: 'tap-catch', type: 'catch', z, name: 'tap: every error', scope: null, uncaught: false, wires: [['tap-error-line']] },
      fn(
        'tap-error-line',
        'const p = msg.payload; msg.payload = { message: String(msg.error && msg.error.message), node: msg.error && msg.error.source && msg.error.source.name, id: p && typeof p === "object" ? p.id : null }; return msg;',
        'tap-errors',
      ),
      file_('tap-errors', 'tap: errors', taps.errors),
    );
    change(nodes);
    return nodes;
  }

  const emitted = () => jsonLines(taps.emitted);
  const acked = () => lines(taps.acked);
  const dead = () => lines(taps.dead);
  const errors = () => jsonLines(taps.errors);
  const rowsOf = (file = dbFile) => query(file, 'SELECT * FROM cdr ORDER BY id');

  /** The first emitted row of each id, and each id's vendor. */
  function distinct(list = emitted()) {
    const byId = new Map();
    for (const e of list) if (!byId.has(e.row.id)) byId.set(e.row.id, e.row);
    return byId;
  }
  const countByVendor = (rows) => rows.reduce((c, r) => ({ ...c, [r.vendor]: (c[r.vendor] || 0) + 1 }), {});

  /**
   * Waits until cdr-calc has emitted `want[vendor]` new ids of each vendor
   * (ids not in `before`) and every emitted id is acknowledged (stored or
   * dead-lettered); then checks no more ids came. Returns the new ids.
   */
  async function settled(before, want, what) {
    const fresh = () => [...distinct().values()].filter((r) => !before.has(r.id));
    const reached = () => {
      const now = countByVendor(fresh());
      return Object.keys(want).every((v) => (now[v] || 0) >= want[v]);
    };
    const allAcked = () => {
      const done = new Set([...acked(), ...dead()]);
      return [...distinct().keys()].every((id) => done.has(id));
    };
    try {
      await waitFor(reached, 'rows from cdr-calc', 40000, 50);
      await waitFor(allAcked, 'every emitted row acknowledged', 40000, 50);
    } catch (err) {
      err.message += ` (${what}): want ${JSON.stringify(want)}, new ids ${JSON.stringify(countByVendor(fresh()))}, acknowledged ${acked().length}, errors ${JSON.stringify(errors().slice(-5))}`;
      throw err;
    }
    assert.deepEqual(countByVendor(fresh()), want, 'no ids other than the simulators sent');
    return fresh().map((r) => r.id);
  }

  /** Every row cdr-calc emitted (every id, in every copy the same) is in the table exactly once, with those values, and nothing else is. */
  async function assertTableHoldsEmitted(file = dbFile, list = emitted(), skip = new Set()) {
    const byId = distinct(list);
    for (const e of list) assert.deepEqual(e.row, byId.get(e.row.id), `a record sent again gives the same row (${e.row.id})`);
    for (const id of skip) byId.delete(id);
    const rows = await query(file, 'SELECT * FROM cdr');
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
    taps.acked = path.join(dir, 'acked.jsonl');
    taps.dead = path.join(dir, 'dead-ids.jsonl');
    taps.errors = path.join(dir, 'errors.jsonl');
    taps.deadLetters = path.join(dir, 'dead-letters.jsonl');
    red = await startRed({ prefix: 'cdr-sqlite-red-' });
    sources = await startSources(EXAMPLE);
    await red.deploy(withTaps(sources.flow, dbFile));
    await sources.ready().catch((err) => {
      err.message += `\n${red.log()}`;
      throw err;
    });
    // The flow creates the table just after deploy: traffic from here on finds it. A record that comes
    // sooner meets "no such table", is sent again by its source and stored (the dropped-table test shows it).
    await waitFor(async () => (await query(dbFile, "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'cdr'")).length === 1, 'the table the flow creates at deploy', 30000, 20);
  });

  after(async () => {
    if (red) await red.stop();
    if (sources) await sources.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  afterEach(function () {
    if (this.currentTest.state === 'failed' && red) console.log(`--- Node-RED log (tail) ---\n${red.log().split('\n').slice(-60).join('\n')}`);
  });

  it('writes every record of every vendor into the table exactly once, with cost and metric columns, and acknowledges each', async () => {
    assert.deepEqual([...sources.vendors].sort(), [...VENDORS].sort(), 'the example has a source for every vendor');
    const batch = sources.traffic({ seed: 1, count: 8 });
    await batch.send();
    const ids = await settled(new Set(), batch.legs, 'first sending');
    assert.equal(ids.length, sum(batch.legs));
    const rows = await assertTableHoldsEmitted();
    assert.equal(rows.length, sum(batch.legs));
    for (const v of VENDORS) assert.equal(rows.filter((r) => r.vendor === v).length, batch.legs[v], `${v} rows`);
    assert.deepEqual(errors(), [], 'no node reported an error');
    assert.deepEqual(dead(), []);

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

  it('adds no row when the same traffic is sent again (resends), and acknowledges the repeats', async () => {
    const before = await rowsOf();
    const ackedBefore = acked().length;
    const emittedBefore = emitted().length;
    const batch = sources.traffic({ seed: 1, count: 8 });
    // What a PBX resends after an outage: UCM, FreeSWITCH, VOS3000 and Asterisk
    // records again. A gateway sends events, not records: replayed events of
    // calls gw-cdr-in has closed are "late" and dropped there, so the gateway's
    // replay is in the restart case, where the assembler starts empty.
    const resent = ['ucm', 'freeswitch', 'vos3000', 'asterisk'];
    await batch.send({ only: resent });
    const n = resent.reduce((a, v) => a + batch.legs[v], 0);
    // cdr-normalize passes repeats on (duplicates off): each reached the INSERT, which did nothing, and was acknowledged.
    await waitFor(() => acked().length >= ackedBefore + n, 'the repeats acknowledged', 30000, 50);
    const again = emitted().slice(emittedBefore);
    assert.ok(again.every((e) => before.some((b) => b.id === e.row.id)), 'every resent record has a known id');
    assert.deepEqual(await rowsOf(), before, 'the table is unchanged');
    assert.deepEqual(errors(), []);
  });

  it('keeps the table over a Node-RED restart: resent and new records are each there once', async () => {
    await red.restart();
    await sources.ready();
    const before = new Set(distinct().keys());
    const again = sources.traffic({ seed: 1, count: 8 });
    const fresh = sources.traffic({ seed: 2, count: 4, startMs: Date.UTC(2026, 0, 6, 9, 0, 0) });
    await again.send();
    await fresh.send();
    // The gateway's replayed events make its calls again (the assembler started empty): known ids.
    await settled(before, fresh.legs, 'after the restart');
    const rows = await assertTableHoldsEmitted();
    assert.equal(rows.length, sum(again.legs) + sum(fresh.legs));
    assert.deepEqual(errors(), []);
  });

  it('locked by another program (SQLITE_BUSY): nothing is acknowledged, the sources send the rows again, and once the lock is gone each is stored once', async () => {
    const before = new Set(distinct().keys());
    const errorsBefore = errors().length;
    const holder = await openDb(dbFile);
    let locked = true;
    try {
      await exec(holder, 'BEGIN EXCLUSIVE');
      // Few rows: each INSERT waits 1 s for the lock (sqlite3's busy timeout)
      // while holding one of libuv's 4 threads, which Node-RED's file writes
      // (the taps, the journal) need too.
      const batch = sources.traffic({ seed: 3, count: 3, startMs: Date.UTC(2026, 0, 7, 9, 0, 0) });
      await batch.send({ only: ['ucm'] });
      const mine = () => [...distinct().keys()].filter((id) => !before.has(id));
      await waitFor(() => mine().length === batch.legs.ucm, 'the rows from cdr-calc', 20000, 50);
      // Every row fails, is not acknowledged, and comes again from the journal.
      await waitFor(() => emitted().some((e) => e.redelivered && mine().includes(e.row.id)), 'a row sent again by its source', 20000, 50);
      const reported = errors().slice(errorsBefore);
      assert.ok(reported.length > 0 && reported.every((e) => /SQLITE_BUSY/.test(e.message) && e.node === INSERT), JSON.stringify(reported));
      const ackedIds = new Set(acked());
      assert.ok(mine().every((id) => !ackedIds.has(id)), 'no row of the batch acknowledged while the database is locked');
      assert.deepEqual(await all(holder, "SELECT count(*) AS n FROM cdr WHERE vendor = 'ucm' AND start_time >= '2026-01-07'"), [{ n: 0 }]);
      await exec(holder, 'COMMIT');
      locked = false;
      await settled(before, { ucm: batch.legs.ucm }, 'after the lock was released');
    } finally {
      if (locked) await exec(holder, 'ROLLBACK').catch(() => {});
      await closeDb(holder);
    }
    await assertTableHoldsEmitted();
    assert.deepEqual(dead(), [], 'a lock is not a reason to give a row up');
  });

  it('creates the table again when it was dropped, and stores the rows that found no table when their sources send them again', async () => {
    const before = new Set(distinct().keys());
    const errorsBefore = errors().length;
    const emittedBefore = emitted().length;
    await onDb(dbFile, 'DROP TABLE cdr');
    const batch = sources.traffic({ seed: 4, count: 3, startMs: Date.UTC(2026, 0, 8, 9, 0, 0) });
    await batch.send();
    await settled(before, batch.legs, 'after DROP TABLE');
    const reported = errors().slice(errorsBefore);
    assert.ok(reported.length > 0 && reported.every((e) => /no such table/.test(e.message)), JSON.stringify(reported));
    assert.ok(emitted().slice(emittedBefore).some((e) => e.redelivered), 'the rows that found no table came again');
    await assertTableHoldsEmitted(dbFile, emitted().slice(emittedBefore));
  });

  it('a row the database refuses for good (a trigger) goes to the dead-letter file, is acknowledged and not sent again; the others are stored', async () => {
    const before = new Set(distinct().keys());
    const errorsBefore = errors().length;
    const emittedBefore = emitted().length;
    // The database's own rule: no VOS3000 row from 9 January on.
    await onDb(dbFile, "CREATE TRIGGER refuse_vos BEFORE INSERT ON cdr WHEN NEW.vendor = 'vos3000' AND NEW.start_time >= '2026-01-09' BEGIN SELECT RAISE(ABORT, 'vos3000 rows refused by the test'); END;");
    try {
      const batch = sources.traffic({ seed: 5, count: 3, startMs: Date.UTC(2026, 0, 9, 9, 0, 0) });
      await batch.send();
      const mine = await settled(before, batch.legs, 'with a refusing trigger');
      const vos = mine.filter((id) => distinct().get(id).vendor === 'vos3000');
      assert.equal(vos.length, batch.legs.vos3000);
      assert.deepEqual([...dead()].sort(), [...vos].sort(), 'each refused row dead-lettered and acknowledged once');
      const letters = jsonLines(taps.deadLetters);
      assert.deepEqual(letters.map((l) => l.row.id).sort(), [...vos].sort());
      for (const l of letters) {
        assert.match(l.error, /SQLITE_CONSTRAINT: vos3000 rows refused by the test/);
        assert.ok(!Number.isNaN(Date.parse(l.failedAt)));
        assert.deepEqual(l.row, distinct().get(l.row.id), 'the whole row is kept');
      }
      // Acknowledged: after more than two ack timeouts, no copy of them came again.
      const sentAt = Date.now();
      await waitFor(() => Date.now() - sentAt > 2.5 * ACK_SEC * 1000, 'two ack timeouts', 10000, 100);
      const copies = emitted().slice(emittedBefore).filter((e) => vos.includes(e.row.id));
      assert.equal(copies.length, vos.length, 'a dead-lettered row is not sent again');
      assert.ok(errors().slice(errorsBefore).every((e) => /SQLITE_CONSTRAINT/.test(e.message)));
      const have = new Set((await rowsOf()).map((r) => r.id));
      for (const id of mine) assert.equal(have.has(id), !vos.includes(id), `${id} stored unless refused`);
    } finally {
      await onDb(dbFile, 'DROP TRIGGER IF EXISTS refuse_vos');
    }
  });

  it('a database it cannot open: reported, nothing acknowledged; once the path is fixed and deployed, the journal sends the rows again and each is stored once', async () => {
    const before = new Set(distinct().keys());
    const emittedBefore = emitted().length;
    const ackedBefore = acked().length;
    const badPath = path.join(dir, 'no-such-dir', 'cdr.db');
    await red.deploy(withTaps(sources.flow, badPath));
    await sources.ready();
    const batch = sources.traffic({ seed: 6, count: 3, startMs: Date.UTC(2026, 0, 10, 9, 0, 0) });
    await batch.send({ only: ['ucm'] });
    const mine = () => [...distinct().keys()].filter((id) => !before.has(id));
    await waitFor(() => mine().length >= batch.legs.ucm, 'the rows from cdr-calc', 20000, 50);
    // node-red-node-sqlite reports it from the sqlitedb config node (log and
    // debug sidebar, not a catch node); its statements then never run.
    await waitFor(() => red.log().includes(`failed to open ${badPath}`), 'the open failure in the log', 20000, 50);
    await waitFor(() => emitted().slice(emittedBefore).some((e) => e.redelivered), 'the rows sent again', 20000, 50);
    assert.equal(acked().length, ackedBefore, 'nothing acknowledged');
    // The user fixes the path and deploys: the new source nodes replay their journals.
    const file = path.join(dir, 'fixed.db');
    await red.deploy(withTaps(sources.flow, file));
    await settled(before, { ucm: batch.legs.ucm }, 'after the path was fixed');
    await assertTableHoldsEmitted(file, emitted().slice(emittedBefore));
    assert.equal((await query(file, 'SELECT count(*) AS n FROM cdr'))[0].n, batch.legs.ucm);
    // Back to the first database for the next test.
    await red.deploy(withTaps(sources.flow, dbFile));
    await sources.ready().catch((err) => {
      err.message += `\n${red.log()}`;
      throw err;
    });
  });

  it('SIGKILL of Node-RED mid-stream, the database locked: after the restart every record FreeSWITCH got a 200 for is in the table exactly once', async () => {
    const port = Number(sources.flow.find((n) => n.type === 'fs-cdr-in').port);
    const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const gen = new fsSim.FsCallGenerator({ seed: 70, startMs: Date.UTC(2026, 0, 11, 9, 0, 0) });
    const docs = Array.from({ length: 24 }, () => fsSim.toXml(gen.call().a));
    const idOf = new Map(docs.map((d) => [d, normalize('freeswitch', parseXmlCdr(d), { timeZone }).legs.map((l) => l.id)]));
    const ok = []; // ids FreeSWITCH got a 200 for: it deletes those records
    let running = true;
    // The test lets the sender go a few records at a time, so the lock and the kill each come at a known record
    // (unpaced, a fast machine posted them all before the lock and a slow one none after it).
    let allowed = 6;
    const legsOf = (n) => docs.slice(0, n).reduce((a, d) => a + idOf.get(d).length, 0);
    // FreeSWITCH's mod_xml_cdr: each record POSTed until answered 200 (refused while Node-RED is down).
    const sender = (async () => {
      for (const [i, doc] of docs.entries()) {
        await waitFor(() => !running || i < allowed, `the test letting record ${i + 1} go`, 120000, 10);
        const { body, contentType } = fsSim.postBody(doc, 'xml', 'urlencoded');
        while (running) {
          const res = await request({ port, path: '/cdr', body, headers: { 'Content-Type': contentType } }).catch(() => null);
          if (res && res.status === 200) {
            ok.push(...idOf.get(doc));
            break;
          }
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    })();
    const holder = await openDb(dbFile);
    let locked = false;
    try {
      await waitFor(() => ok.length >= legsOf(6), 'the first records answered 200', 30000, 20);
      await exec(holder, 'BEGIN EXCLUSIVE');
      locked = true;
      allowed = 14;
      await waitFor(() => ok.length >= legsOf(14), 'more records answered 200 while the database is locked', 30000, 20);
      // Acknowledged to FreeSWITCH, not in the table: only the journal has them.
      const stored = new Set((await all(holder, 'SELECT id FROM cdr')).map((r) => r.id));
      const onlyInJournal = ok.filter((id) => !stored.has(id));
      assert.ok(onlyInJournal.length >= 6, `records acknowledged but not stored at the kill: ${onlyInJournal.length}`);
      const restarting = red.restart({ signal: 'SIGKILL' });
      allowed = docs.length;
      // SIGKILL is sent at once; then the lock goes and Node-RED starts again.
      await exec(holder, 'COMMIT');
      locked = false;
      await restarting;
      await sources.ready();
      await sender;
      const want = docs.flatMap((d) => idOf.get(d));
      await waitFor(async () => {
        const have = new Set((await query(dbFile, 'SELECT id FROM cdr')).map((r) => r.id));
        return want.every((id) => have.has(id));
      }, 'every record of the stream in the table', 60000, 200);
      const rows = await query(dbFile, `SELECT id, count(*) AS n FROM cdr WHERE id IN (${want.map(() => '?').join(',')}) GROUP BY id`, want);
      assert.equal(rows.length, want.length);
      assert.ok(rows.every((r) => r.n === 1), 'each exactly once');
      assert.ok(onlyInJournal.every((id) => rows.some((r) => r.id === id)), 'every record acknowledged before the kill is stored');
      const extra = (await query(dbFile, "SELECT id FROM cdr WHERE vendor = 'freeswitch' AND start_time >= '2026-01-11'")).map((r) => r.id);
      assert.deepEqual(extra.sort(), [...want].sort(), 'no row that FreeSWITCH did not send');
    } finally {
      running = false;
      if (locked) await exec(holder, 'ROLLBACK').catch(() => {});
      await closeDb(holder);
      await sender;
    }
  });
});

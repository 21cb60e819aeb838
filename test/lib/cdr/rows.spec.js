'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { toFlatRow, createTableSql, FLAT_COLUMNS } = require('../../../nodes/lib/cdr/rows');
const { calc } = require('../../../nodes/lib/cdr/calc');
const { parseRateTable } = require('../../../nodes/lib/cdr/rating');
const { mapUcm } = require('../../../nodes/lib/cdr/normalize/ucm');
const { ucmRecords } = require('../../support/ucm-samples');

function sqlLiteral(v) {
  if (v === null) return 'NULL';
  if (typeof v === 'number') return String(v);
  return `'${v.replace(/'/g, "''")}'`;
}

function sqlite(db, sql) {
  return execFileSync('sqlite3', ['-bail', db], { input: sql, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

function sampleCdrs() {
  const rates = parseRateTable('prefix,rate,first,increment\n07,0.10,60,60\n01,0.02,1,1');
  const out = [];
  for (const r of ucmRecords()) {
    const m = mapUcm(r, { timeZone: 'Europe/London' });
    for (const leg of m.legs) out.push(calc(leg, { rates, rating: { currency: 'GBP', decimals: 4 } }));
    if (m.call) out.push(calc(m.call, { rates, rating: { currency: 'GBP' } }));
  }
  // What UCM does not have: hangup, timing with holds and PDD, a name with quotes and non-ASCII text.
  const odd = structuredClone(out[0]);
  odd.id = 'fs:odd';
  odd.caller = { number: '+33 1 23', name: 'Zoë O\'Brien "the boss"' };
  odd.hangup = { cause: 'NORMAL_CLEARING', q850: 16, by: 'callee' };
  odd.timing = { progressTime: odd.startTime, holds: [{ start: odd.startTime, end: odd.endTime }] };
  odd.extra = { note: 'line1\nline2', n: 1 };
  out.push(calc(odd));
  return out;
}

describe('cdr/rows', () => {
  it('flattens a Cdr into the documented snake_case columns, including the PBX-logger set', () => {
    const call = mapUcm(ucmRecords()[0], { timeZone: 'UTC' }).call;
    const row = toFlatRow(call);
    assert.deepEqual(Object.keys(row), FLAT_COLUMNS.map((c) => c.name));
    for (const v of Object.values(row)) assert.ok(v === null || ['string', 'number'].includes(typeof v));
    assert.equal(row.account_code, null);
    assert.equal(row.dialed, '71');
    assert.equal(row.caller_number, '07700900100');
    assert.equal(row.call_type, 'incoming');
    assert.equal(row.call_time, '2022-08-22T09:34:32.000Z');
    // The group's main_cdr counts (65 / 65), not the timestamps' 66.
    assert.equal(row.talk_sec, 65);
    assert.equal(row.talk_time, '0:01:05');
    assert.equal(row.total_sec, 65);
    assert.equal(row.ring_sec, 0);
    assert.equal(row.ring_time, '0:00:00');
    assert.equal(row.call_id, '1661157236570719-07700900100');
    assert.equal(row.leg_count, 2);
    assert.equal(row.recordings, '2022-08/auto-1661157307-07700900100-203.wav');
    assert.deepEqual(JSON.parse(row.extra), call.extra);
  });

  it('refuses a table name that is not a plain identifier', () => {
    assert.throws(() => createTableSql('cdr; DROP TABLE x'), /plain SQL table name/);
  });

  it('rows inserted into a real SQLite file read back equal', function () {
    this.timeout(20000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdrflow-rows-'));
    try {
      const db = path.join(dir, 'cdr.sqlite');
      const rows = sampleCdrs().map(toFlatRow);
      const names = FLAT_COLUMNS.map((c) => c.name);
      const inserts = rows.map((r) => `INSERT INTO cdr (${names.join(', ')}) VALUES (${names.map((n) => sqlLiteral(r[n])).join(', ')});`);
      sqlite(db, `${createTableSql('cdr')}\nBEGIN;\n${inserts.join('\n')}\nCOMMIT;\n`);
      const back = JSON.parse(sqlite(db, '.mode json\nSELECT * FROM cdr ORDER BY rowid;\n'));
      assert.equal(back.length, rows.length);
      assert.deepEqual(back, rows);
      const [{ n }] = JSON.parse(sqlite(db, ".mode json\nSELECT count(*) AS n FROM cdr WHERE cost_amount > 0;\n"));
      assert.ok(n >= 1, 'some records were rated');
      // The primary key refuses the same record twice: a resend cannot double a bill.
      assert.throws(() => sqlite(db, inserts[0]), /UNIQUE constraint failed/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

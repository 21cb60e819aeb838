'use strict';
// The real Asterisk 22 captures (see test/fixtures/samples/asterisk/ORIGIN.md) and the
// cdr_csv ground truth for them.
const fs = require('node:fs');
const path = require('node:path');

const { samplePath } = require('./samples');

const DIR = samplePath('asterisk');

function sample(name) {
  return fs.readFileSync(path.join(DIR, name));
}

/** RFC 4180 CSV (quoted fields, "" for a quote) → rows of strings; unquoted empty → null. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let i = 0;
  while (i < text.length) {
    let v;
    if (text[i] === '"') {
      let s = '';
      i++;
      for (;;) {
        if (text[i] === '"' && text[i + 1] === '"') { s += '"'; i += 2; }
        else if (text[i] === '"') { i++; break; }
        else s += text[i++];
      }
      v = s;
    } else {
      let j = i;
      while (j < text.length && text[j] !== ',' && text[j] !== '\n' && text[j] !== '\r') j++;
      v = j === i ? null : text.slice(i, j);
      i = j;
    }
    row.push(v);
    if (text[i] === ',') { i++; continue; }
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    rows.push(row);
    row = [];
  }
  return rows;
}

const CSV_COLUMNS = ['accountcode', 'src', 'dst', 'dcontext', 'clid', 'channel', 'dstchannel', 'lastapp',
  'lastdata', 'start', 'answer', 'end', 'duration', 'billsec', 'disposition', 'amaflags', 'uniqueid', 'userfield'];

function masterCsv() {
  return parseCsv(sample('cdr-csv-Master-part1.csv').toString('utf8')).map((r) => {
    const o = {};
    CSV_COLUMNS.forEach((c, i) => { o[c] = r[i]; });
    return o;
  });
}

module.exports = { DIR, sample, masterCsv };

'use strict';
// The README documents the schema, the UCM mapping and the flat-row columns; these
// checks keep it from drifting from the code.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { cdrJsonSchema } = require('../../../nodes/lib/cdr/schema');
const { FLAT_COLUMNS } = require('../../../nodes/lib/cdr/rows');
const { ucmLegs } = require('../../support/ucm-samples');

const root = path.join(__dirname, '..', '..', '..');
const docs = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

/** The text under `heading` up to the next heading of the same or a higher level. */
function section(heading) {
  const start = docs.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `README has "${heading}"`);
  const level = heading.indexOf(' ');
  const next = docs.slice(start + heading.length + 2).search(new RegExp(`\\n#{1,${level}} `));
  return next < 0 ? docs.slice(start) : docs.slice(start, start + heading.length + 2 + next);
}

describe('docs (schema, UCM mapping, flat rows)', () => {
  it('documents every Cdr field', () => {
    for (const field of Object.keys(cdrJsonSchema.properties)) assert.ok(docs.includes(`| \`${field}\` |`), field);
  });

  it('documents every flat-row column with its SQL type', () => {
    for (const c of FLAT_COLUMNS) assert.match(docs, new RegExp(`\\| \`${c.name}\` \\| ${c.type === 'REAL' ? 'DOUBLE PRECISION' : c.type} \\|`), c.name);
  });

  it('names every UCM field of the samples in the mapping table or its "every other field" row', () => {
    const mapping = section('### UCM field mapping');
    const fields = new Set(ucmLegs().flatMap((l) => Object.keys(l)));
    const missing = [...fields].filter((f) => !mapping.includes(`\`${f}\``));
    assert.deepEqual(missing, []);
  });
});

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
const docs = ['README.md', 'README-schema.md']
  .map((f) => path.join(root, f))
  .filter((f) => fs.existsSync(f))
  .map((f) => fs.readFileSync(f, 'utf8'))
  .join('\n');

describe('docs (schema, UCM mapping, flat rows)', () => {
  it('documents every Cdr field', () => {
    for (const field of Object.keys(cdrJsonSchema.properties)) assert.ok(docs.includes(`| \`${field}\` |`), field);
  });

  it('documents every flat-row column with its SQL type', () => {
    for (const c of FLAT_COLUMNS) assert.match(docs, new RegExp(`\\| \`${c.name}\` \\| ${c.type === 'REAL' ? 'DOUBLE PRECISION' : c.type} \\|`), c.name);
  });

  it('names every UCM field of the samples in the mapping table or its "every other field" row', () => {
    const section = docs.slice(docs.indexOf('## Grandstream UCM field mapping'), docs.indexOf('## cdr-normalize'));
    const fields = new Set(ucmLegs().flatMap((l) => Object.keys(l)));
    const missing = [...fields].filter((f) => !section.includes(`\`${f}\``));
    assert.deepEqual(missing, []);
  });
});

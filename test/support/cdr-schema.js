'use strict';
// Validates records against the JSON Schema the build ships (schema/cdr.schema.json),
// i.e. the very file users get. Tests only: ajv is a devDependency.
const fs = require('node:fs');
const path = require('node:path');
const assert = require('node:assert/strict');
const Ajv = require('ajv');

const SCHEMA_FILE = path.join(__dirname, '..', '..', 'schema', 'cdr.schema.json');
const schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8'));
const ajv = new Ajv({ allErrors: true, strict: true });
const check = ajv.compile(schema);

/** Errors of `cdr` against the schema, as readable lines; [] when valid. */
function cdrSchemaErrors(cdr) {
  if (check(cdr)) return [];
  return check.errors.map((e) => `${e.instancePath || '/'} ${e.message}${e.params ? ' ' + JSON.stringify(e.params) : ''}`);
}

/** Throws an AssertionError naming every violation when `cdr` is not a schema-valid Cdr. */
function assertValidCdr(cdr, label) {
  const errors = cdrSchemaErrors(cdr);
  assert.deepEqual(errors, [], `${label ? label + ': ' : ''}not a valid Cdr:\n  ${errors.join('\n  ')}\n${JSON.stringify(cdr)}`);
  // Times in order is part of "valid" for us, though JSON Schema cannot say it.
  const start = Date.parse(cdr.startTime);
  const end = Date.parse(cdr.endTime);
  assert.ok(end >= start, `${label || cdr.id}: endTime before startTime`);
  if (cdr.answerTime !== null) {
    const answer = Date.parse(cdr.answerTime);
    assert.ok(answer >= start && answer <= end, `${label || cdr.id}: answerTime outside start..end`);
  }
  if (cdr.legs) cdr.legs.forEach((leg, i) => assertValidCdr(leg, `${label || cdr.id} leg ${i}`));
}

module.exports = { SCHEMA_FILE, schema, cdrSchemaErrors, assertValidCdr };

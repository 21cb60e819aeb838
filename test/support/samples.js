'use strict';
const fs = require('node:fs');
const path = require('node:path');

// The real samples live in the repository (test/fixtures/samples, each vendor's
// ORIGIN note beside its files), so a bare clone tests itself.
const SAMPLES = path.resolve(__dirname, '..', 'fixtures', 'samples');

function samplePath(...parts) {
  return path.join(SAMPLES, ...parts);
}

function ucmSampleRecords() {
  return JSON.parse(fs.readFileSync(samplePath('ucm', 'cdrapi-ucm63xx.json'), 'utf8')).cdr_root;
}

module.exports = { SAMPLES, samplePath, ucmSampleRecords };

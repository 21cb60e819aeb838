'use strict';
const fs = require('node:fs');
const path = require('node:path');

/** ../shared beside the repository (CI: a clean clone with shared/ next to it). */
const SHARED = path.resolve(__dirname, '..', '..', '..', 'shared');

function samplePath(...parts) {
  return path.join(SHARED, 'samples', ...parts);
}

function ucmSampleRecords() {
  return JSON.parse(fs.readFileSync(samplePath('ucm', 'cdrapi-ucm63xx.json'), 'utf8')).cdr_root;
}

module.exports = { SHARED, samplePath, ucmSampleRecords };

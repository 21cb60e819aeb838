'use strict';
// The shared sample records live beside the repository (../shared in CI, /work/shared
// on the team machine); CDRFLOW_SHARED overrides both.
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
const candidates = [process.env.CDRFLOW_SHARED, path.join(root, '..', 'shared'), path.join(root, '..', '..', 'shared')].filter(Boolean);
const SHARED = candidates.find((d) => fs.existsSync(path.join(d, 'samples')));
if (!SHARED) throw new Error(`shared samples not found; tried ${candidates.join(', ')} (set CDRFLOW_SHARED)`);

function samplePath(...parts) {
  return path.join(SHARED, 'samples', ...parts);
}

/** The UCM cdrapi sample's cdr_root items: flat legs and main_cdr/sub_cdr groups. */
function ucmRecords() {
  return JSON.parse(fs.readFileSync(samplePath('ucm', 'cdrapi-ucm63xx.json'), 'utf8')).cdr_root;
}

/** Every leg of the UCM sample, flat, as the UCM would send them one by one. */
function ucmLegs() {
  const legs = [];
  for (const r of ucmRecords()) {
    if (!r.main_cdr) legs.push(r);
    else for (const [k, v] of Object.entries(r)) if (k.startsWith('sub_cdr')) legs.push(v);
  }
  return legs;
}

module.exports = { SHARED, samplePath, ucmRecords, ucmLegs };

'use strict';
const fs = require('node:fs');
const path = require('node:path');

/**
 * ../shared beside the repository (CI: a clean clone with shared/ next to it).
 * A git worktree sits one level deeper (wt/<name>), so look further up too.
 */
function findShared() {
  const repo = path.resolve(__dirname, '..', '..');
  for (let dir = path.dirname(repo); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'shared');
    if (fs.existsSync(path.join(candidate, 'samples'))) return candidate;
    if (path.dirname(dir) === dir) return path.join(path.dirname(repo), 'shared');
  }
}
const SHARED = process.env.CDRFLOW_SHARED ? path.resolve(process.env.CDRFLOW_SHARED) : findShared();

function samplePath(...parts) {
  return path.join(SHARED, 'samples', ...parts);
}

function ucmSampleRecords() {
  return JSON.parse(fs.readFileSync(samplePath('ucm', 'cdrapi-ucm63xx.json'), 'utf8')).cdr_root;
}

module.exports = { SHARED, samplePath, ucmSampleRecords };

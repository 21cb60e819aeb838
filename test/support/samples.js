'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const repo = path.resolve(__dirname, '..', '..');

/**
 * The shared/ folder with the real samples: $CDRFLOW_SHARED, else ../shared
 * beside the repository (CI: a clean clone with shared/ next to it), else beside
 * the main checkout when this is a git worktree.
 */
function findShared() {
  const candidates = [process.env.CDRFLOW_SHARED, path.join(repo, '..', 'shared')];
  try {
    const common = execFileSync('git', ['rev-parse', '--path-format=absolute', '--git-common-dir'], { cwd: repo, encoding: 'utf8' }).trim();
    candidates.push(path.join(path.dirname(common), '..', 'shared'));
  } catch {
    // Not a git checkout (an unpacked tarball): only the first two apply.
  }
  const found = candidates.find((c) => c && fs.existsSync(path.join(c, 'samples')));
  if (!found) throw new Error(`the shared samples were not found (looked in ${candidates.filter(Boolean).join(', ')}); set CDRFLOW_SHARED`);
  return found;
}

const SHARED = findShared();

function samplePath(...parts) {
  return path.join(SHARED, 'samples', ...parts);
}

function ucmSampleRecords() {
  return JSON.parse(fs.readFileSync(samplePath('ucm', 'cdrapi-ucm63xx.json'), 'utf8')).cdr_root;
}

module.exports = { SHARED, samplePath, ucmSampleRecords };

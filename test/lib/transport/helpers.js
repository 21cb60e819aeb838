'use strict';
// Shared by the transport specs: temp directories and bounded waits on a condition.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

/** A fresh directory under the OS temp dir, removed by cleanup(). */
function tempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `cdrflow-${prefix}-`));
}

function removeDir(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * Resolves once cond() is truthy; checks on every macrotask turn and rejects
 * with `what` after timeoutMs. Used to wait on effects of real file events.
 */
function waitFor(cond, what, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const check = () => {
      let v;
      try {
        v = cond();
      } catch (err) {
        reject(err);
        return;
      }
      if (v) resolve(v);
      else if (Date.now() > deadline) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(check, 5);
    };
    check();
  });
}

module.exports = { tempDir, removeDir, waitFor };

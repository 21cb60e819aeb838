'use strict';
// Shared by the file-transport specs: temp directories; waits come from test/support/wait.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { waitFor } = require('../../support/wait');

/** A fresh directory under the OS temp dir. */
function tempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `cdrflow-${prefix}-`));
}

function removeDir(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
}

module.exports = { tempDir, removeDir, waitFor };

'use strict';
// A Node-RED userDir of this test process's own: the sources keep their journals
// under it, so test runs side by side (or one after the other) never share one.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdrflow-red-'));
process.on('exit', () => fs.rmSync(userDir, { recursive: true, force: true }));

module.exports = { userDir };

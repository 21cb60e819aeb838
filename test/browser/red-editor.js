'use strict';
// A real Node-RED for the browser test, started the way `npm start` starts it
// (see ../support/red-process.js) on a free port, with an empty flow and no
// simulator.
const { startRed } = require('../support/red-process');

async function startEditor({ deadlineMs = 60000 } = {}) {
  const red = await startRed({ deadlineMs, logLevel: 'info', prefix: 'cdrflow-editor-' });
  return { url: red.url, port: red.port, userDir: red.userDir, deploy: red.deploy, stop: red.stop, log: red.log };
}

module.exports = { startEditor };

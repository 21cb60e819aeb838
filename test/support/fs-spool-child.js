'use strict';
// A Node-RED runtime (RED.init/RED.start) running one fs-cdr-in in spool mode,
// for the kill-and-restart test. Every record the node sends on is appended to
// a log file (synchronously, as it is sent) so a SIGKILL at any moment leaves an
// exact account of what was sent. Usage: node fs-spool-child.js <spoolDir> <logFile>
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');

const [spoolDir, logFile] = process.argv.slice(2);
const root = path.resolve(__dirname, '..', '..');
const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-spool-child-'));
fs.mkdirSync(path.join(userDir, 'node_modules', '@cdrflow'), { recursive: true });
fs.symlinkSync(root, path.join(userDir, 'node_modules', '@cdrflow', 'node-red-cdr'), 'dir');
const flow = [
  { id: 't', type: 'tab', label: 'spool' },
  { id: 'fs', z: 't', type: 'fs-cdr-in', mode: 'spool', dir: spoolDir, settleSec: 0.05, pollSec: 0.02, wires: [['sink']] },
  { id: 'sink', z: 't', type: 'debug', active: false, tosidebar: false, console: false, wires: [] },
];
fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flow));

const RED = require(require.resolve('node-red', { paths: [root] }));
RED.init(http.createServer(), {
  userDir,
  flowFile: 'flows.json',
  httpAdminRoot: false,
  httpNodeRoot: false,
  disableEditor: true,
  credentialSecret: false,
  logging: { console: { level: 'error', metrics: false, audit: false } },
  diagnostics: { enabled: false },
});

(async () => {
  await RED.start();
  let node = null;
  while (!(node = RED.nodes.getNode('fs'))) await new Promise((r) => setTimeout(r, 5));
  const send = node.send.bind(node);
  const fd = fs.openSync(logFile, 'a');
  node.send = (msg) => {
    fs.writeSync(fd, JSON.stringify(msg.payload) + '\n');
    send(msg);
  };
  process.send?.('ready');
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
process.on('SIGTERM', () => RED.stop().then(() => process.exit(0)));

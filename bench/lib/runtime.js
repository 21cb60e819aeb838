'use strict';
// A real embedded Node-RED runtime (RED.init/RED.start) for benchmarks — never
// the test helper, whose sinon spies cost ~40× per hop. One runtime per process:
// bench/run.js starts each *.bench.js in a process of its own.
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
let RED = null;
let server = null;
let userDir = null;

const started = (flow) => () => flow.every((n) => n.type === 'tab' || RED.nodes.getNode(n.id));

/** Starts Node-RED with this package installed and the bench nodes, and deploys `flow`. */
async function startRuntime(flow) {
  userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdrflow-bench-'));
  fs.mkdirSync(path.join(userDir, 'node_modules', '@cdrflow'), { recursive: true });
  fs.symlinkSync(root, path.join(userDir, 'node_modules', '@cdrflow', 'node-red-cdr'), 'dir');
  fs.mkdirSync(path.join(userDir, 'nodes'));
  for (const f of ['bench-nodes.js', 'bench-nodes.html']) fs.copyFileSync(path.join(__dirname, 'nodes', f), path.join(userDir, 'nodes', f));
  fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flow));
  RED = require(require.resolve('node-red', { paths: [root] }));
  server = http.createServer();
  RED.init(server, {
    userDir,
    flowFile: 'flows.json',
    httpAdminRoot: false,
    httpNodeRoot: false,
    disableEditor: true,
    credentialSecret: false,
    logging: { console: { level: 'warn', metrics: false, audit: false } },
    diagnostics: { enabled: false },
  });
  await RED.start();
  await waitUntil(started(flow), 'flow started');
  return { RED, getNode: (id) => RED.nodes.getNode(id) };
}

/** Replaces the deployed flow (a full deploy) and waits for its nodes. */
async function deploy(flow) {
  await RED.runtime.flows.setFlows({ flows: { flows: flow }, deploymentType: 'full' });
  await waitUntil(started(flow), 'flow deployed');
}

async function stopRuntime() {
  if (RED) await RED.stop();
  if (server) server.close();
  if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
}

async function waitUntil(check, what, ms = 60000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

module.exports = { startRuntime, deploy, stopRuntime, waitUntil };

#!/usr/bin/env node
// `npm start`: Node-RED 4 on 127.0.0.1:1880 with this package installed in a
// git-ignored userDir (.node-red/), the demo flow deployed, and the simulators
// sending records to it (the UCM also a fraud pattern every 5 minutes, which
// cdr-alert reports); the live calls on the dashboard page (/dashboard).
// Ctrl-C stops everything.
//   npm start -- --no-sim     receive from real PBXs only
//   npm start -- --reset      replace .node-red/flows.json with the demo flow
//   PORT=1990 npm start       another editor port
//   CDRFLOW_USER_DIR=/tmp/x   another userDir (the test of this script uses it)
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const userDir = path.resolve(process.env.CDRFLOW_USER_DIR || path.join(root, '.node-red'));
const args = new Set(process.argv.slice(2));
const withSim = !args.has('--no-sim') && process.env.CDRFLOW_SIM !== '0';
const uiPort = Number(process.env.PORT || 1880);
const demoFlow = withoutMissingDashboard(JSON.parse(fs.readFileSync(path.join(__dirname, 'demo-flow.json'), 'utf8')));

// The demo's live page needs Dashboard 2 (@flowfuse/node-red-dashboard, a dev
// dependency). Without it the ui-* nodes would be unknown types and Node-RED
// would not start the flow at all: leave them out, the rest of the demo runs.
function withoutMissingDashboard(flow) {
  try {
    require.resolve('@flowfuse/node-red-dashboard/package.json', { paths: [root] });
    return flow;
  } catch {
    const ui = new Set(flow.filter((n) => n.type.startsWith('ui-')).map((n) => n.id));
    console.log('cdrflow: @flowfuse/node-red-dashboard is not installed (npm install): the demo runs without its dashboard.');
    return flow.filter((n) => !ui.has(n.id)).map((n) => (n.wires ? { ...n, wires: n.wires.map((w) => w.filter((id) => !ui.has(id))) } : n));
  }
}

function prepareUserDir() {
  fs.mkdirSync(path.join(userDir, 'node_modules', '@cdrflow'), { recursive: true });
  // The package itself, linked: Node-RED loads it like one installed from the palette.
  const link = path.join(userDir, 'node_modules', '@cdrflow', 'node-red-cdr');
  let current = null;
  try {
    current = fs.readlinkSync(link);
  } catch {}
  if (current !== root) {
    fs.rmSync(link, { recursive: true, force: true });
    fs.symlinkSync(root, link, 'dir');
  }
  const pkg = path.join(userDir, 'package.json');
  if (!fs.existsSync(pkg)) {
    fs.writeFileSync(pkg, JSON.stringify({ name: 'cdrflow-demo', private: true, dependencies: { '@cdrflow/node-red-cdr': `file:${root}` } }, null, 2));
  }
  const flows = path.join(userDir, 'flows.json');
  if (args.has('--reset') || !fs.existsSync(flows)) {
    fs.writeFileSync(flows, JSON.stringify(demoFlow, null, 2));
    const ami = demoFlow.find((n) => n.type === 'ami-server');
    const creds = ami ? { [ami.id]: { username: 'cdruser', secret: 'cdrpass' } } : {};
    fs.writeFileSync(path.join(userDir, 'flows_cred.json'), JSON.stringify(creds, null, 2));
  }
  fs.writeFileSync(
    path.join(userDir, 'settings.js'),
    `module.exports = ${JSON.stringify(
      {
        uiHost: '127.0.0.1',
        uiPort,
        flowFile: 'flows.json',
        // The demo's credentials (the simulated Asterisk's AMI login) are stored
        // unencrypted in this throw-away userDir; a real install sets a secret.
        credentialSecret: false,
        logging: { console: { level: 'info', metrics: false, audit: false } },
        // A configured store: Node-RED then keeps node context (the counts of
        // cdr-stats and the alerts of cdr-alert) across a redeploy.
        contextStorage: { default: { module: 'memory' } },
        editorTheme: { tours: false, projects: { enabled: false } },
        diagnostics: { enabled: false },
        // No first-run question about update checks in a demo.
        telemetry: { enabled: false },
        externalModules: { palette: { allowInstall: true } },
      },
      null,
      2,
    )};\n`,
  );
}

function waitForPort(port, host, signal) {
  return new Promise((resolve) => {
    const attempt = () => {
      if (signal.aborted) return resolve(false);
      const s = net.connect({ port, host });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => setTimeout(attempt, 300));
    };
    attempt();
  });
}

async function main() {
  prepareUserDir();
  const red = spawn(process.execPath, [require.resolve('node-red/red.js', { paths: [root] }), '--userDir', userDir, '--settings', path.join(userDir, 'settings.js')], {
    stdio: 'inherit',
    cwd: userDir,
  });
  const stop = new AbortController();
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    stop.abort();
    red.kill('SIGINT');
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  red.on('exit', (code) => {
    stop.abort();
    process.exitCode = stopping ? 0 : (code ?? 1);
  });

  console.log(`\ncdrflow: Node-RED editor at http://127.0.0.1:${uiPort}/  (Ctrl-C stops)`);
  const dashboard = dashboardPath();
  if (dashboard) console.log(`cdrflow: live calls at http://127.0.0.1:${uiPort}${dashboard}`);
  else console.log('cdrflow: no dashboard in .node-red/flows.json (npm start -- --reset brings back the demo with its dashboard)');
  console.log('');
  if (!withSim) return;
  startSimulators(stop.signal);
}

/** The path of the Dashboard 2 in the flows Node-RED runs (ui-base), or null. */
function dashboardPath() {
  try {
    const flows = JSON.parse(fs.readFileSync(path.join(userDir, 'flows.json'), 'utf8'));
    const base = flows.find((n) => n.type === 'ui-base');
    return base ? `/${String(base.path || 'dashboard').replace(/^\/+/, '')}` : null;
  } catch {
    return null;
  }
}

/** Each simulator starts once its source node listens; their chatter is kept short. */
function startSimulators(signal) {
  const lib = path.join(root, 'nodes', 'lib', 'sim');
  const byType = (type) => demoFlow.find((n) => n.type === type);
  // A PBX waits for its collector as long as it takes: a source stopped for a
  // while in the editor gets the records when it is back.
  const waitForever = ['--timeout', '0'];
  const sims = [
    { type: 'ucm-cdr-in', port: (n) => n.port, run: (to) => require(`${lib}/ucm-cli.js`).runUcmCli(['--to', to, '--rate', '0.5', '--fraud', ...waitForever], signal, quiet('ucm')) },
    { type: 'fs-cdr-in', port: (n) => n.port, run: (to) => require(`${lib}/freeswitch-cli.js`).runFreeswitchCli(['--mode', 'http', '--to', `http://${to}/cdr`, '--format', 'xml', '--encoding', 'base64', '--legs', 'ab', '--rate', '0.3', '--count', '1000000', '--live', ...waitForever], signal) },
    { type: 'vos-cdr-in', port: (n) => n.tcpPort, run: (to) => require(`${lib}/vos-cli.js`).runVosCli(['--to', to, '--rate', '0.5', ...waitForever], signal) },
    { type: 'gw-cdr-in', port: (n) => n.port, run: (to) => require(`${lib}/gateway-cli.js`).runGatewayCli(['--to', to, '--calls', '20000', '--live', '--log', ...waitForever], signal) },
  ];
  const ami = byType('ami-server');
  if (ami) {
    // The fake Asterisk listens first; ami-server reconnects until it is there.
    const { PassThrough, Writable } = require('node:stream');
    const output = new Writable({
      write(chunk, _enc, cb) {
        for (const line of String(chunk).split('\n').filter(Boolean)) if (!/^login /.test(line)) console.log(`[sim ami] ${line}`);
        cb();
      },
    });
    require(`${lib}/ami-cli.js`)
      .runAmiCli(['--listen', String(ami.port), '--host', ami.host, '--user', 'cdruser:cdrpass:cdr', '--rate', '0.3', '--local'], signal, { input: new PassThrough(), output })
      .catch((err) => console.error(`[sim ami] ${err.message}`));
  }
  for (const sim of sims) {
    const node = byType(sim.type);
    if (!node) continue;
    const host = node.host === '0.0.0.0' ? '127.0.0.1' : node.host;
    const port = Number(sim.port(node));
    waitForPort(port, host, signal)
      .then((up) => up && sim.run(`${host}:${port}`))
      .catch((err) => console.error(`[sim ${sim.type}] ${err.message}`));
  }
}

function quiet(name) {
  return (line) => {
    if (!/^(sent|waiting) /.test(line)) console.log(`[sim ${name}] ${line}`);
  };
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

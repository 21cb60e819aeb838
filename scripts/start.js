#!/usr/bin/env node
// `npm start`: Node-RED 4 on 127.0.0.1:1880 with this package installed in a
// git-ignored userDir (.node-red/), the demo flow deployed, and the simulators
// sending records to it. Ctrl-C stops everything.
//   npm start -- --no-sim     receive from real PBXs only
//   npm start -- --reset      replace .node-red/flows.json with the demo flow
//   PORT=1990 npm start       another editor port
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const userDir = path.join(root, '.node-red');
const args = new Set(process.argv.slice(2));
const withSim = !args.has('--no-sim') && process.env.CDRFLOW_SIM !== '0';
const uiPort = Number(process.env.PORT || 1880);
const demoFlow = JSON.parse(fs.readFileSync(path.join(__dirname, 'demo-flow.json'), 'utf8'));

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
  if (args.has('--reset') || !fs.existsSync(flows)) fs.writeFileSync(flows, JSON.stringify(demoFlow, null, 2));
  fs.writeFileSync(
    path.join(userDir, 'settings.js'),
    `module.exports = ${JSON.stringify(
      {
        uiHost: '127.0.0.1',
        uiPort,
        flowFile: 'flows.json',
        credentialSecret: 'cdrflow-demo-only',
        logging: { console: { level: 'info', metrics: false, audit: false } },
        editorTheme: { tours: false, projects: { enabled: false } },
        diagnostics: { enabled: false },
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

  console.log(`\ncdrflow: Node-RED editor at http://127.0.0.1:${uiPort}/  (Ctrl-C stops)\n`);
  if (!withSim) return;
  const { runUcmCli } = require(path.join(root, 'nodes', 'lib', 'sim', 'ucm-cli.js'));
  const ucm = demoFlow.find((n) => n.type === 'ucm-cdr-in');
  if (!ucm) return;
  const host = ucm.host === '0.0.0.0' ? '127.0.0.1' : ucm.host;
  if (!(await waitForPort(Number(ucm.port), host, stop.signal))) return;
  const quiet = (line) => {
    if (!line.startsWith('sent ')) console.log(`[sim] ${line}`);
  };
  runUcmCli(['--to', `${host}:${ucm.port}`, '--rate', '1', '--shape', 'leg'], stop.signal, quiet).catch((err) => console.error(`[sim] ${err.message}`));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

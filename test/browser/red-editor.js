'use strict';
// A real Node-RED for the browser test, started the way `npm start` starts it
// (red.js in a child process, this package symlinked into a temporary userDir's
// node_modules) but on a free port, with an empty flow and no simulator.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// Node packages a user installs beside ours to run the examples (a sink, a
// dashboard): the ones in our devDependencies that are Node-RED node modules.
function nodeModulesToLink(pkg) {
  return Object.keys(pkg.devDependencies || {}).filter((name) => {
    if (name === 'node-red' || name.startsWith('@node-red/')) return false;
    try {
      const p = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8'));
      return !!(p['node-red'] && p['node-red'].nodes);
    } catch {
      return false;
    }
  });
}

function link(userDir, name, target) {
  const at = path.join(userDir, 'node_modules', name);
  fs.mkdirSync(path.dirname(at), { recursive: true });
  fs.symlinkSync(target, at, 'dir');
}

function get(port, urlPath) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', () => resolve(0));
    req.setTimeout(2000, () => req.destroy());
  });
}

async function startEditor({ deadlineMs = 60000 } = {}) {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdrflow-editor-'));
  link(userDir, pkg.name, root);
  for (const name of nodeModulesToLink(pkg)) link(userDir, name, path.join(root, 'node_modules', name));
  fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'cdrflow-editor-test', private: true }));
  fs.writeFileSync(path.join(userDir, 'flows.json'), '[]');
  const port = await freePort();
  const settings = {
    uiHost: '127.0.0.1',
    uiPort: port,
    flowFile: 'flows.json',
    credentialSecret: false,
    logging: { console: { level: 'warn', metrics: false, audit: false } },
    editorTheme: { tours: false, projects: { enabled: false }, palette: { catalogues: [] } },
    diagnostics: { enabled: false },
    telemetry: { enabled: false, updateNotification: false },
  };
  fs.writeFileSync(path.join(userDir, 'settings.js'), `module.exports = ${JSON.stringify(settings, null, 2)};\n`);

  const red = spawn(process.execPath, [require.resolve('node-red/red.js', { paths: [root] }), '--userDir', userDir, '--settings', path.join(userDir, 'settings.js')], {
    cwd: userDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const keep = (chunk) => {
    log = (log + chunk.toString('utf8')).slice(-20000);
  };
  red.stdout.on('data', keep);
  red.stderr.on('data', keep);
  let exited = null;
  const exit = new Promise((resolve) => red.once('exit', (code, signal) => resolve((exited = { code, signal }))));

  const stop = async () => {
    if (!exited) {
      red.kill('SIGINT');
      const timer = setTimeout(() => red.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(timer);
    }
    fs.rmSync(userDir, { recursive: true, force: true });
  };

  // Ready when the editor page is served (the runtime has loaded the nodes by then).
  const until = Date.now() + deadlineMs;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`Node-RED exited (${JSON.stringify(exited)}):\n${log}`);
    }
    if ((await get(port, '/')) === 200 && (await get(port, '/nodes')) === 200) break;
    if (Date.now() > until) {
      await stop();
      throw new Error(`Node-RED did not serve the editor within ${deadlineMs} ms:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url: `http://127.0.0.1:${port}/`, port, userDir, stop, log: () => log };
}

module.exports = { startEditor };

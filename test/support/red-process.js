'use strict';
// A real Node-RED in a child process, started the way `npm start` starts it
// (red.js with a temporary userDir whose node_modules links this package and
// every devDependency that is a Node-RED node module, as a user would have
// installed them from the palette), on a free port of 127.0.0.1. Flows are
// deployed through the Admin API like the editor's Deploy button does.
//
//   const red = await startRed({ externalModules: ['pg'] });
//   await red.deploy(flow);          // resolves once the runtime logged "Started flows"
//   ...
//   await red.restart();             // same userDir, flows and files: a Node-RED restart
//   await red.restart({ signal: 'SIGKILL' }); // the same after a crash
//   await red.stop();                // kills the process, removes the userDir
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { freePort } = require('./net');

const root = path.resolve(__dirname, '..', '..');
const MAX_LOG_LINES = 5000;

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

// Node packages a user installs beside ours to run the examples (a sink, a
// dashboard): the ones in our devDependencies that are Node-RED node modules.
function nodeModulesToLink(pkg) {
  return Object.keys(pkg.devDependencies || {}).filter((name) => {
    if (name === 'node-red' || name.startsWith('@node-red/')) return false;
    try {
      const p = readJson(path.join(root, 'node_modules', name, 'package.json'));
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

/** One HTTP request to the runtime; resolves { status, body } (status 0 when it could not connect). */
function request(port, method, urlPath, body, headers = {}, timeoutMs = 10000) {
  return new Promise((resolve) => {
    const data = body === undefined ? null : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: urlPath,
        headers: { ...(data ? { 'Content-Type': 'application/json', 'Content-Length': data.length } : {}), ...headers },
      },
      (res) => {
        const parts = [];
        res.on('data', (c) => parts.push(c));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(parts).toString('utf8') }));
        res.on('error', () => resolve({ status: 0, body: '' }));
      },
    );
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.setTimeout(timeoutMs, () => req.destroy());
    req.end(data);
  });
}

const nap = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts Node-RED. Options:
 *  - externalModules: names of packages in the root node_modules that function
 *    nodes may load through `libs` (written into the userDir package.json
 *    `dependencies` and linked into its node_modules, so no install is tried);
 *  - settings: overrides merged into settings.js (plain JSON values);
 *  - flow: the flows.json to start with (default: empty);
 *  - env: environment variables for the Node-RED process (on every start, restarts too);
 *  - logLevel: console log level (default 'info': "Started flows" is an info line);
 *  - deadlineMs: how long start-up may take.
 */
async function startRed({ externalModules = [], settings = {}, env = {}, flow = [], logLevel = 'info', deadlineMs = 60000, prefix = 'cdrflow-red-' } = {}) {
  const pkg = readJson(path.join(root, 'package.json'));
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const dependencies = {};
  try {
    link(userDir, pkg.name, root);
    for (const name of nodeModulesToLink(pkg)) link(userDir, name, path.join(root, 'node_modules', name));
    for (const name of externalModules) {
      const dir = path.join(root, 'node_modules', name);
      dependencies[name] = readJson(path.join(dir, 'package.json')).version;
      link(userDir, name, dir);
    }
  } catch (err) {
    fs.rmSync(userDir, { recursive: true, force: true });
    throw err;
  }
  fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'cdrflow-red-test', private: true, dependencies }, null, 2));
  fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flow));
  const port = await freePort();
  const all = {
    uiHost: '127.0.0.1',
    uiPort: port,
    flowFile: 'flows.json',
    // Test credentials (an AMI login of the simulated Asterisk) are stored
    // unencrypted in this throw-away userDir.
    credentialSecret: false,
    logging: { console: { level: logLevel, metrics: false, audit: false } },
    editorTheme: { tours: false, projects: { enabled: false }, palette: { catalogues: [] } },
    diagnostics: { enabled: false },
    telemetry: { enabled: false, updateNotification: false },
    // Nothing is installed from a registry at run time: what a flow needs is linked above.
    externalModules: { modules: { allowInstall: false }, palette: { allowInstall: false } },
    ...settings,
  };
  fs.writeFileSync(path.join(userDir, 'settings.js'), `module.exports = ${JSON.stringify(all, null, 2)};\n`);

  const lines = [];
  let started = 0; // "Started flows" / "Started modified flows|nodes" lines seen
  let red = null;
  let exited = null;
  let exit = Promise.resolve();
  let removed = false;

  const launch = () => {
    exited = null;
    const child = spawn(process.execPath, [require.resolve('node-red/red.js', { paths: [root] }), '--userDir', userDir, '--settings', path.join(userDir, 'settings.js')], {
      cwd: userDir,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let partial = '';
    const keep = (chunk) => {
      const text = partial + chunk.toString('utf8');
      const parts = text.split('\n');
      partial = parts.pop();
      for (const line of parts) {
        if (/\] Started (flows|modified flows|modified nodes)$/.test(line.trimEnd())) started++;
        lines.push(line);
      }
      if (lines.length > MAX_LOG_LINES) lines.splice(0, lines.length - MAX_LOG_LINES);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    exit = new Promise((resolve) => child.once('exit', (code, signal) => resolve((exited = { code, signal }))));
    red = child;
  };

  // If the test process ends without stop() (a crash, mocha --exit), the
  // child and the userDir go with it.
  const onExit = () => {
    if (red && !exited) red.kill('SIGKILL');
    if (!removed) fs.rmSync(userDir, { recursive: true, force: true });
  };
  process.once('exit', onExit);

  const kill = async (signal = 'SIGINT') => {
    if (red && !exited) {
      red.kill(signal);
      const timer = setTimeout(() => red.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(timer);
    }
  };

  const stop = async () => {
    await kill();
    if (!removed) fs.rmSync(userDir, { recursive: true, force: true });
    removed = true;
    process.removeListener('exit', onExit);
  };

  const log = () => lines.join('\n');

  // Ready when the editor is served and the runtime has started its flows (an
  // empty flow starts too).
  const waitReady = async (startedBefore) => {
    const until = Date.now() + deadlineMs;
    for (;;) {
      if (exited) throw new Error(`Node-RED exited (${JSON.stringify(exited)}):\n${log()}`);
      if (started > startedBefore && (await request(port, 'GET', '/nodes', undefined, { Accept: 'application/json' })).status === 200) return;
      if (Date.now() > until) throw new Error(`Node-RED did not start within ${deadlineMs} ms:\n${log()}`);
      await nap(100);
    }
  };

  launch();
  try {
    await waitReady(0);
  } catch (err) {
    await stop();
    throw err;
  }

  /** Deploys `flow` (an array of nodes; `credentials` on a node are stored as its credentials). */
  const deploy = async (flowToDeploy, { type = 'full', timeoutMs = 30000 } = {}) => {
    const before = started;
    const res = await request(port, 'POST', '/flows', flowToDeploy, { 'Node-RED-Deployment-Type': type, 'Node-RED-API-Version': 'v1' }, timeoutMs);
    if (res.status !== 200 && res.status !== 204) throw new Error(`deploy answered ${res.status}: ${res.body}\n${log()}`);
    const until = Date.now() + timeoutMs;
    while (started <= before) {
      if (exited) throw new Error(`Node-RED exited during deploy (${JSON.stringify(exited)}):\n${log()}`);
      if (Date.now() > until) throw new Error(`the runtime did not report the flow started within ${timeoutMs} ms:\n${log()}`);
      await nap(50);
    }
  };

  /** The flows as the runtime has them (GET /flows). */
  const flows = async () => {
    const res = await request(port, 'GET', '/flows', undefined, { 'Node-RED-API-Version': 'v1' });
    if (res.status !== 200) throw new Error(`GET /flows answered ${res.status}`);
    return JSON.parse(res.body);
  };

  /**
   * Stops the process and starts it again on the same userDir (flows, credentials and files kept).
   * `signal: 'SIGKILL'` makes it a crash: no close handler runs.
   */
  const restart = async ({ signal = 'SIGINT' } = {}) => {
    await kill(signal);
    const before = started;
    launch();
    await waitReady(before);
  };

  /** The running Node-RED process id (RSS checks read /proc/<pid>/status). */
  const pid = () => (red && !exited ? red.pid : null);

  return { url: `http://127.0.0.1:${port}/`, port, userDir, pid, deploy, flows, restart, stop, log, request: (...a) => request(port, ...a) };
}

module.exports = { startRed };

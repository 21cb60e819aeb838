#!/usr/bin/env node
// Node-RED 5 smoke test: node-red@5 runs on Node >= 22.9, so Node 22 comes
// from the npm registry (the `node` package ships the binary inside registry
// packages) and both are installed once into a cache outside the package
// (.cache/nr5/ in the repo, git-ignored; CDRFLOW_CACHE moves it). Our packed
// tarball goes into a fresh userDir, Node-RED 5 starts under Node 22 with
// ucm-cdr-in → file, one record is sent with the UCM simulator over TCP and
// read back from the file. Then every example whose nodes are installed (ours
// and Node-RED's own) is deployed, with AMI_USER / AMI_SECRET in Node-RED's
// environment and a fake Asterisk for their ami-server, and its warnings and
// errors are collected. Prints one `RESULT {json}` line; exit 0 = passed.
//   node test/compat/nr5-smoke.js          (the package must be built)
'use strict';
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { freePort } = require('../support/net');
const { readExamples, asDeployed } = require('../support/example-flows');

const root = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const cacheDir = path.resolve(process.env.CDRFLOW_CACHE || path.join(root, '.cache'), 'nr5');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const NODE_SPEC = 'node@22';
const RED_SPEC = 'node-red@5';

function log(line) {
  process.stderr.write(`[nr5] ${line}\n`);
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

function nodeBinaryIn(dir) {
  const candidates = [path.join(dir, 'node_modules', 'node', 'bin', 'node'), path.join(dir, 'node_modules', '.bin', 'node')];
  return candidates.find((c) => {
    try {
      return /^v\d+\./.test(execFileSync(c, ['--version'], { encoding: 'utf8' }).trim());
    } catch {
      return false;
    }
  });
}

// Installs node@22 and node-red@5 into the cache once; later runs reuse it.
function ensureRuntime() {
  const marker = path.join(cacheDir, 'ready.json');
  const ready = readJson(marker);
  if (ready && fs.existsSync(ready.red) && (!ready.node || fs.existsSync(ready.node))) {
    log(`cached: Node-RED ${ready.redVersion} on ${ready.nodeVersion} (${cacheDir})`);
    return ready;
  }
  fs.mkdirSync(cacheDir, { recursive: true });
  fs.writeFileSync(path.join(cacheDir, 'package.json'), JSON.stringify({ name: 'cdrflow-nr5-cache', private: true }));
  let nodeNote = null;
  try {
    log(`installing ${NODE_SPEC} and ${RED_SPEC} into ${cacheDir} (once)`);
    execFileSync(npm, ['install', '--loglevel=error', '--no-audit', '--no-fund', '--no-save', NODE_SPEC, RED_SPEC], { cwd: cacheDir, stdio: ['ignore', 'ignore', 'inherit'] });
  } catch (err) {
    // The registry refused Node 22: Node-RED 5 alone, on this Node, and say so.
    nodeNote = `${NODE_SPEC} could not be installed (${err.message.split('\n')[0]}); running on ${process.version}`;
    log(nodeNote);
    execFileSync(npm, ['install', '--loglevel=error', '--no-audit', '--no-fund', '--no-save', RED_SPEC], { cwd: cacheDir, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const node = nodeBinaryIn(cacheDir);
  if (!node && !nodeNote) nodeNote = `${NODE_SPEC} installed no working binary; running on ${process.version}`;
  const nodePath = node || process.execPath;
  const result = {
    node: node || null,
    nodeVersion: execFileSync(nodePath, ['--version'], { encoding: 'utf8' }).trim(),
    red: path.join(cacheDir, 'node_modules', 'node-red', 'red.js'),
    redVersion: readJson(path.join(cacheDir, 'node_modules', 'node-red', 'package.json')).version,
    note: nodeNote,
  };
  fs.writeFileSync(marker, JSON.stringify(result, null, 2));
  return result;
}

function getJson(port, urlPath) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, headers: { Accept: 'application/json' } }, (res) => {
      const parts = [];
      res.on('data', (c) => parts.push(c));
      res.on('end', () => {
        try {
          resolve(res.statusCode === 200 ? JSON.parse(Buffer.concat(parts).toString('utf8')) : null);
        } catch {
          resolve(null);
        }
      });
    });
    req.on('error', () => resolve(null));
    req.setTimeout(3000, () => req.destroy());
  });
}

async function until(what, deadlineMs, check) {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// The tarball a user installs, in a fresh userDir (runtime dependencies only).
function installPackage(work) {
  const out = execFileSync(npm, ['pack', '--loglevel=error', '--json', '--pack-destination', work, '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
  const info = JSON.parse(out.slice(out.indexOf('[')))[0];
  const userDir = path.join(work, 'userDir');
  fs.mkdirSync(userDir);
  fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'node-red-project', private: true }));
  execFileSync(npm, ['install', '--loglevel=error', '--no-audit', '--no-fund', '--prefer-offline', '--omit=dev', path.join(work, info.filename)], { cwd: userDir, stdio: ['ignore', 'ignore', 'inherit'] });
  return userDir;
}

function postFlows(port, flow) {
  return new Promise((resolve) => {
    const body = Buffer.from(JSON.stringify(flow));
    const req = http.request(
      { host: '127.0.0.1', port, method: 'POST', path: '/flows', headers: { 'Content-Type': 'application/json', 'Content-Length': body.length, 'Node-RED-Deployment-Type': 'full' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      },
    );
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

/**
 * Deploys each example whose node types this Node-RED has, one at a time; for
 * each: the warnings and errors logged from its deploy until it settled (no
 * new line for 2 s) and was stopped again, and for those with an ami-server whether it logged in to
 * the fake Asterisk as the user from AMI_USER. The others are listed with the
 * types they lack (modules a user installs from the palette).
 */
async function deployExamples({ uiPort, work, sets, log, alive }) {
  const { AmiSimServer } = require(path.join(root, 'nodes', 'lib', 'sim', 'ami.js'));
  const types = new Set(sets.flatMap((s) => s.types || []).concat(['tab', 'global-config']));
  const out = [];
  for (const { file, flow } of readExamples()) {
    const missing = [...new Set(flow.map((n) => n.type).filter((t) => !types.has(t)))];
    if (missing.length) {
      out.push({ file, skipped: `needs ${missing.join(', ')}` });
      continue;
    }
    const sim = flow.some((n) => n.type === 'ami-server') ? new AmiSimServer({ users: { cdruser: { secret: 'cdrpass', read: 'cdr,call,system' } } }) : null;
    const amiPort = sim ? await sim.listen(0, '127.0.0.1') : 0;
    try {
      const { nodes } = await asDeployed(flow, work);
      for (const n of nodes) if (n.type === 'ami-server') Object.assign(n, { host: '127.0.0.1', port: String(amiPort) });
      const from = log().length;
      const status = await postFlows(uiPort, nodes);
      if (status !== 200 && status !== 204) throw new Error(`${file}: deploy answered ${status}`);
      const since = () => log().slice(from);
      await until(`${file} started`, 60000, () => alive(() => /Started flows/.test(since())));
      let seen = -1;
      let quietSince = Date.now();
      await until(`${file} settled`, 60000, () =>
        alive(() => {
          if (since().length !== seen) {
            seen = since().length;
            quietSince = Date.now();
          }
          return Date.now() - quietSince >= 2000;
        }),
      );
      // Stopped again (an empty deploy) while the fake Asterisk is still there: its stop is checked too.
      const stopFrom = log().length;
      await postFlows(uiPort, []);
      await until(`${file} stopped`, 60000, () => alive(() => /Started flows/.test(log().slice(stopFrom))));
      const text = since();
      out.push({
        file,
        problems: text.split('\n').filter((l) => /\[(warn|error)\]/.test(l)),
        amiLogin: sim ? new RegExp(`logged in to AMI at 127\\.0\\.0\\.1:${amiPort} as cdruser`).test(text) : null,
      });
    } finally {
      if (sim) await sim.stop();
    }
  }
  return out;
}

async function main() {
  const started = Date.now();
  const runtime = ensureRuntime();
  const installedAt = Date.now();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdrflow-nr5-'));
  let red = null;
  try {
    const userDir = installPackage(work);
    const [uiPort, ucmPort] = [await freePort(), await freePort()];
    const outFile = path.join(work, 'records.jsonl');
    const flow = [
      { id: 'nr5tab', type: 'tab', label: 'smoke' },
      { id: 'nr5ucm', type: 'ucm-cdr-in', z: 'nr5tab', name: '', transport: 'tcp', useTls: false, tls: '', host: '127.0.0.1', port: String(ucmPort), format: 'auto', path: '', maxFrameKb: 1024, maxConnections: 10, idleTimeoutSec: 60, allow: '', topic: '', wires: [['nr5file']] },
      { id: 'nr5file', type: 'file', z: 'nr5tab', name: '', filename: outFile, filenameType: 'str', appendNewline: true, createDir: true, overwriteFile: 'false', encoding: 'utf8', wires: [[]] },
    ];
    fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flow));
    const settings = {
      uiHost: '127.0.0.1',
      uiPort,
      flowFile: 'flows.json',
      credentialSecret: false,
      logging: { console: { level: 'info', metrics: false, audit: false } },
      editorTheme: { tours: false, projects: { enabled: false } },
      diagnostics: { enabled: false },
      telemetry: { enabled: false, updateNotification: false },
    };
    fs.writeFileSync(path.join(userDir, 'settings.js'), `module.exports = ${JSON.stringify(settings)};\n`);

    let output = '';
    let logged = ''; // all of it, for the examples
    let exited = null;
    // The login the examples' ami-server reads: ${AMI_USER} / ${AMI_SECRET}.
    const env = { ...process.env, AMI_USER: 'cdruser', AMI_SECRET: 'cdrpass' };
    red = spawn(runtime.node || process.execPath, [runtime.red, '--userDir', userDir, '--settings', path.join(userDir, 'settings.js')], { cwd: userDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (c) => {
      output = (output + c).slice(-20000);
      logged += c;
    };
    red.stdout.on('data', keep);
    red.stderr.on('data', keep);
    red.once('exit', (code, signal) => (exited = { code, signal }));
    const alive = async (fn) => {
      if (exited) throw new Error(`Node-RED exited ${JSON.stringify(exited)}:\n${output}`);
      return fn();
    };

    // Loaded: the runtime lists our module's node sets, none with an error.
    const sets = await until('the node list', 60000, () => alive(() => getJson(uiPort, '/nodes')));
    const ours = sets.filter((s) => s.module === pkg.name);
    const settingsInfo = await getJson(uiPort, '/settings');
    // Listening: the ucm-cdr-in node accepts TCP connections.
    await until(`ucm-cdr-in on port ${ucmPort}`, 30000, () =>
      alive(
        () =>
          new Promise((resolve) => {
            const s = net.connect({ host: '127.0.0.1', port: ucmPort });
            s.once('connect', () => {
              s.destroy();
              resolve(true);
            });
            s.once('error', () => resolve(false));
          }),
      ),
    );

    const { UcmGenerator, UcmSender } = require(path.join(root, 'nodes', 'lib', 'sim', 'ucm.js'));
    const record = new UcmGenerator({ seed: 5 }).next('leg');
    const sender = new UcmSender({ transport: 'tcp', host: '127.0.0.1', port: ucmPort, format: 'json' });
    await sender.send(record);
    await sender.close();
    const line = await until('the record in the file', 20000, () => alive(() => (fs.existsSync(outFile) ? fs.readFileSync(outFile, 'utf8').split('\n').find(Boolean) : null)));

    const examples = await deployExamples({ uiPort, work, sets, log: () => logged, alive });

    const result = {
      examples,
      nodeVersion: runtime.nodeVersion,
      redVersion: settingsInfo ? settingsInfo.version : runtime.redVersion,
      note: runtime.note,
      sets: ours.map((s) => ({ id: s.id, types: s.types, enabled: s.enabled, err: s.err || null })),
      sent: record,
      received: JSON.parse(line),
      installMs: installedAt - started,
      runMs: Date.now() - installedAt,
    };
    process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  } finally {
    if (red && red.exitCode === null && red.signalCode === null) {
      const gone = new Promise((r) => red.once('exit', r));
      red.kill('SIGINT');
      const t = setTimeout(() => red.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(t);
    }
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : err);
  process.exit(1);
});

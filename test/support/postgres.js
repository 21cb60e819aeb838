'use strict';
// A real PostgreSQL server for one test: its own cluster (initdb) in a temp
// dir, started with pg_ctl on a free 127.0.0.1 port, the unix socket in the
// temp dir (never /var/run/postgresql), a login role with a password
// (scram-sha-256 over TCP) owning one database. As root (CI, the dev machine)
// the server programs run as the unprivileged `postgres` user that Debian's
// package creates: PostgreSQL refuses to run as root. `stop()` always stops
// the server and removes the dir, and so does process exit.
const { execFile, execFileSync, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { freePort } = require('./net');

const RUN_AS = 'postgres';
const STEP_MS = 60000;

/** The directory holding initdb, pg_ctl and postgres, or null. Newest Debian version first, then PATH. */
function findPostgresBin() {
  const debian = '/usr/lib/postgresql';
  if (fs.existsSync(debian)) {
    const versions = fs
      .readdirSync(debian)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) {
      const bin = path.join(debian, v, 'bin');
      if (['initdb', 'pg_ctl', 'postgres'].every((p) => fs.existsSync(path.join(bin, p)))) return bin;
    }
  }
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (dir && ['initdb', 'pg_ctl', 'postgres'].every((p) => fs.existsSync(path.join(dir, p)))) return dir;
  }
  return null;
}

/**
 * For a mocha `before`: skips the suite (with the reason) when the server
 * programs are missing on a developer's machine; under CI that is a failure,
 * since .ci/run installs them.
 */
function requirePostgres(ctx) {
  const bin = findPostgresBin();
  if (bin) return bin;
  const why = 'PostgreSQL server programs (initdb, pg_ctl, postgres) not found in /usr/lib/postgresql/*/bin or PATH';
  if (process.env.CI) throw new Error(`${why}; .ci/run installs Debian's postgresql package`);
  console.log(`      skipped: ${why} (apt-get install postgresql)`);
  ctx.skip();
  return null;
}

const live = new Set();
let exitHookInstalled = false;
function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort when a run ends without stop(): synchronous, immediate stop.
  process.on('exit', () => {
    for (const server of live) server.stopSync();
  });
}

/**
 * Starts a fresh server. Returns `{ host, port, user, password, database,
 * socketDir, env, connection, halt(), resume(), stop(), log() }`: `env` is the
 * PG* environment a client (or a Node-RED process) needs; `halt()` stops the
 * server keeping its data, `resume()` starts it again on the same port.
 * `settings`: more server settings, e.g. `{ log_statement: 'mod' }` for a test
 * that counts the statements in `log()`.
 */
async function startPostgres({ user = 'cdrflow', database = 'cdrflow', password = crypto.randomBytes(12).toString('hex'), settings = {} } = {}) {
  for (const [k, v] of Object.entries(settings)) {
    if (!/^[a-z_]+$/.test(k) || !/^[A-Za-z0-9_.-]+$/.test(String(v))) throw new Error(`server setting ${k}=${v}: names and plain values only`);
  }
  const bin = findPostgresBin();
  if (!bin) throw new Error('PostgreSQL server programs not found (apt-get install postgresql)');
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  let owner = null;
  if (asRoot) {
    try {
      owner = { uid: Number(execFileSync('id', ['-u', RUN_AS]).toString().trim()), gid: Number(execFileSync('id', ['-g', RUN_AS]).toString().trim()) };
    } catch {
      throw new Error(`running as root, and there is no "${RUN_AS}" user to run PostgreSQL as (Debian's postgresql package creates it)`);
    }
  }

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdrflow-pg-'));
  const data = path.join(dir, 'data');
  const logFile = path.join(dir, 'server.log');
  const pwFile = path.join(dir, 'superuser.pw');
  const superPassword = crypto.randomBytes(12).toString('hex');
  fs.writeFileSync(pwFile, superPassword + '\n', { mode: 0o600 });
  if (owner) {
    fs.chownSync(dir, owner.uid, owner.gid);
    fs.chownSync(pwFile, owner.uid, owner.gid);
  }

  // Runs one server program (as `postgres` when we are root), bounded in time.
  const run = (program, args) =>
    new Promise((resolve, reject) => {
      const file = asRoot ? 'runuser' : path.join(bin, program);
      const argv = asRoot ? ['-u', RUN_AS, '--', path.join(bin, program), ...args] : args;
      execFile(file, argv, { cwd: dir, timeout: STEP_MS, env: { ...process.env, LC_ALL: 'C', LANG: 'C' } }, (err, stdout, stderr) => {
        if (err) {
          const serverLog = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').slice(-4000) : '';
          reject(new Error(`${program} ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}${serverLog}`));
        } else resolve(stdout + stderr);
      });
    });
  const runSync = (program, args) => {
    const file = asRoot ? 'runuser' : path.join(bin, program);
    const argv = asRoot ? ['-u', RUN_AS, '--', path.join(bin, program), ...args] : args;
    spawnSync(file, argv, { cwd: dir, timeout: 20000, stdio: 'ignore' });
  };

  let port = 0;
  let running = false;
  const server = {
    host: '127.0.0.1',
    user,
    password,
    database,
    socketDir: dir,
    dir,
    get port() {
      return port;
    },
    /** PG* variables as libpq and node-postgres read them. */
    get env() {
      return { PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: user, PGPASSWORD: password, PGDATABASE: database };
    },
    /** Options for `new pg.Client(...)` / `new pg.Pool(...)`. */
    get connection() {
      return { host: '127.0.0.1', port, user, password, database };
    },
    get running() {
      return running;
    },
    log: () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : ''),
    async halt() {
      if (!running) return;
      await run('pg_ctl', ['stop', '-D', data, '-m', 'fast', '-w', '-t', '30']);
      running = false;
    },
    async resume() {
      if (running) return;
      await start();
    },
    async stop() {
      live.delete(server);
      try {
        if (running || fs.existsSync(path.join(data, 'postmaster.pid'))) await run('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w', '-t', '30']);
      } catch {
        // Already gone: nothing to stop.
      } finally {
        running = false;
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
    stopSync() {
      live.delete(server);
      if (fs.existsSync(path.join(data, 'postmaster.pid'))) runSync('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w', '-t', '10']);
      running = false;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };

  async function start() {
    const opts = [
      `-c listen_addresses=127.0.0.1`,
      `-c port=${port}`,
      `-c unix_socket_directories=${dir}`,
      // A throwaway cluster: durability is not what the test is about.
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=50',
      ...Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`),
    ].join(' ');
    await run('pg_ctl', ['start', '-D', data, '-l', logFile, '-w', '-t', '30', '-o', opts]);
    running = true;
  }

  installExitHook();
  live.add(server);
  try {
    // Local socket: trust (only this user can reach the 0700 dir); TCP: passwords, scram-sha-256.
    await run('initdb', ['-D', data, '-U', 'postgres', '--pwfile', pwFile, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--no-locale', '--no-sync']);
    // A free port can be taken between the probe and the server binding it: try a few.
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        await start();
        break;
      } catch (err) {
        if (attempt >= 3 || !/could not bind|Address already in use/i.test(`${err.message}${server.log()}`)) throw err;
      }
    }
    // The role and database, created by the superuser over the unix socket.
    const { Client } = require('pg');
    const admin = new Client({ host: dir, port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 10000 });
    await admin.connect();
    try {
      const quoted = password.replace(/'/g, "''");
      await admin.query(`SET password_encryption = 'scram-sha-256'`);
      await admin.query(`CREATE ROLE "${user}" LOGIN PASSWORD '${quoted}'`);
      await admin.query(`CREATE DATABASE "${database}" OWNER "${user}"`);
    } finally {
      await admin.end();
    }
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

module.exports = { startPostgres, findPostgresBin, requirePostgres };

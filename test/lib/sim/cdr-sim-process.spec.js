'use strict';
// bin/cdr-sim as a user runs it: a child process, real sockets on 127.0.0.1.
// Every simulator that sends gives up with a message that says why when its
// receiver takes nothing (--timeout), and every simulator stops on Ctrl-C
// (SIGINT) with its exit line, even while a try hangs.
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const net = require('node:net');
const path = require('node:path');
const { freePort } = require('../../support/net');
const { waitFor } = require('../../support/wait');
const { formatWall } = require('../../../nodes/lib/sim/gateway');

const BIN = path.join(__dirname, '..', '..', '..', 'bin', 'cdr-sim.js');

function runSim(args) {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '', code: undefined };
  child.stdout.on('data', (c) => (out.stdout += c));
  child.stderr.on('data', (c) => (out.stderr += c));
  out.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve((out.code = code ?? signal))));
  out.child = child;
  return out;
}

/** Resolves with the exit code; fails the test if the process is still running after `ms`. */
async function exitWithin(run, ms, what) {
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => {
      run.child.kill('SIGKILL');
      reject(new Error(`${what}: still running after ${ms} ms\nstdout: ${run.stdout}\nstderr: ${run.stderr}`));
    }, ms);
  });
  try {
    return await Promise.race([run.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A listener that takes connections and reads everything, never answering: a
 * TCP receiver as an HTTP sender meets it. `paused` stops reading (a receiver
 * that stalls). `got` counts the bytes, `lines` the complete lines.
 */
async function silentListener({ paused = false } = {}) {
  const state = { bytes: 0, text: '', sockets: new Set() };
  const server = net.createServer((s) => {
    state.sockets.add(s);
    s.on('close', () => state.sockets.delete(s));
    s.on('error', () => undefined);
    if (paused) s.pause();
    else s.on('data', (d) => {
      state.bytes += d.length;
      state.text += d.toString('latin1');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  state.port = server.address().port;
  state.lines = () => state.text.split('\n').slice(0, -1);
  state.close = () => {
    for (const s of state.sockets) s.destroy();
    return new Promise((r) => server.close(r));
  };
  return state;
}

describe('cdr-sim in a child process: gives up with a reason, stops on Ctrl-C', function () {
  this.timeout(60000);
  let listener;
  afterEach(async () => {
    if (listener) await listener.close();
    listener = null;
  });

  it('ucm --transport http to a TCP listener: gives up after --timeout, naming the mistake (was "sent 0, waiting 1" forever)', async () => {
    listener = await silentListener();
    const run = runSim(['ucm', '--to', `127.0.0.1:${listener.port}`, '--transport', 'http', '--timeout', '2']);
    const code = await exitWithin(run, 20000, 'cdr-sim ucm');
    assert.equal(code, 1, run.stderr);
    assert.match(run.stderr, /cdr-sim ucm: gave up: nothing was delivered for 2 s \(127\.0\.0\.1:\d+ over http: no answer to the HTTP POST: is the receiver set to HTTP delivery\?\)/);
    assert.match(run.stdout, /done: sent 0, not sent \d+/);
    assert.ok(listener.text.startsWith('POST / HTTP/1.1'), 'the POST reached the listener');
  });

  it('ucm: Ctrl-C stops it while a POST waits for an answer that never comes', async () => {
    listener = await silentListener();
    const run = runSim(['ucm', '--to', `127.0.0.1:${listener.port}`, '--transport', 'http', '--timeout', '0']);
    await waitFor(() => listener.text.includes('\r\n\r\n'), 'the POST at the listener', 20000);
    run.child.kill('SIGINT');
    assert.equal(await exitWithin(run, 10000, 'cdr-sim ucm after SIGINT'), 0, run.stderr);
    assert.match(run.stdout, /done: sent 0, not sent \d+, dropped 0/);
  });

  it('ucm over TCP to a port nobody listens on: gives up with the connection error', async () => {
    const port = await freePort();
    const run = runSim(['ucm', '--to', `127.0.0.1:${port}`, '--timeout', '2']);
    assert.equal(await exitWithin(run, 20000, 'cdr-sim ucm tcp'), 1, run.stderr);
    assert.match(run.stderr, /gave up: nothing was delivered for 2 s \(127\.0\.0\.1:\d+ over tcp: connect ECONNREFUSED/);
  });

  it('vos over TCP to a port nobody listens on: gives up; Ctrl-C stops it too', async () => {
    const port = await freePort();
    const run = runSim(['vos', '--to', `127.0.0.1:${port}`, '--rate', '5', '--timeout', '2']);
    assert.equal(await exitWithin(run, 20000, 'cdr-sim vos'), 1, run.stderr);
    assert.match(run.stderr, /cdr-sim vos: gave up: nothing was delivered for 2 s \(127\.0\.0\.1:\d+ over tcp is not reachable: connect ECONNREFUSED/);
    assert.match(run.stderr, /tcp: 0 sent, \d+ still queued/);

    const waiting = runSim(['vos', '--to', `127.0.0.1:${port}`, '--rate', '5', '--timeout', '0']);
    await waitFor(() => /not reachable; queueing/.test(waiting.stderr), 'the queueing notice', 20000);
    waiting.child.kill('SIGINT');
    assert.equal(await exitWithin(waiting, 10000, 'cdr-sim vos after SIGINT'), 0, waiting.stderr);
    assert.match(waiting.stderr, /tcp: 0 sent, \d+ still queued/);
  });

  it('freeswitch http to a TCP listener: gives up after --timeout; Ctrl-C stops a POST in progress', async () => {
    listener = await silentListener();
    const url = `http://127.0.0.1:${listener.port}/cdr`;
    const run = runSim(['freeswitch', '--mode', 'http', '--to', url, '--count', '1000', '--rate', '1', '--timeout', '2']);
    assert.equal(await exitWithin(run, 30000, 'cdr-sim freeswitch'), 1, run.stderr);
    assert.match(run.stderr, /cdr-sim freeswitch: gave up: nothing was delivered for 2 s \(http:\/\/127\.0\.0\.1:\d+\/cdr: /);
    assert.match(run.stdout, /freeswitch http: 0 records delivered/);

    const stopped = runSim(['freeswitch', '--mode', 'http', '--to', url, '--count', '1000', '--timeout', '0']);
    await waitFor(() => (listener.text.match(/POST \/cdr/g) || []).length >= 2, 'a second POST at the listener', 20000);
    stopped.child.kill('SIGINT');
    assert.equal(await exitWithin(stopped, 10000, 'cdr-sim freeswitch after SIGINT'), 0, stopped.stderr);
    assert.match(stopped.stdout, /freeswitch http: 0 records delivered/);
  });

  it('gateway to a port nobody listens on: one clear line, no stack trace', async () => {
    const port = await freePort();
    const run = runSim(['gateway', '--to', `127.0.0.1:${port}`]);
    assert.equal(await exitWithin(run, 20000, 'cdr-sim gateway'), 1, run.stderr);
    assert.equal(run.stderr.trim(), `cdr-sim gateway: cannot send to 127.0.0.1:${port} over tcp: connect ECONNREFUSED 127.0.0.1:${port} (is gw-cdr-in listening there, set to TCP?)`);
  });

  it('gateway to a receiver that stops reading: gives up after --timeout and counts only what went out', async () => {
    listener = await silentListener({ paused: true });
    const run = runSim(['gateway', '--to', `127.0.0.1:${listener.port}`, '--replay', '--calls', '40000', '--timeout', '2']);
    assert.equal(await exitWithin(run, 40000, 'cdr-sim gateway'), 1, run.stderr);
    assert.match(run.stderr, /gave up: nothing was delivered for 2 s \(127\.0\.0\.1:\d+ over tcp takes the connection but does not read the lines\)/);
    const m = /sent (\d+) of (\d+) lines/.exec(run.stderr);
    assert.ok(m && Number(m[1]) < Number(m[2]), `fewer lines than generated: ${run.stderr}`);
  });

  it('gateway by default sends live calls dated now, and its exit line on Ctrl-C counts the lines that arrived', async () => {
    listener = await silentListener();
    const run = runSim(['gateway', '--to', `127.0.0.1:${listener.port}`, '--calls', '20', '--log']);
    await waitFor(() => listener.lines().length >= 3, 'three lines at the receiver', 30000);
    run.child.kill('SIGINT');
    assert.equal(await exitWithin(run, 10000, 'cdr-sim gateway after SIGINT'), 0, run.stderr);
    const today = formatWall(Date.now()).slice(0, 10);
    const lines = listener.lines();
    assert.ok(lines.every((l) => l.includes(today) || l.includes(formatWall(Date.now() - 86400000).slice(0, 10))), `live lines are dated now (${today}), not 2004/01/15:\n${lines.join('\n')}`);
    const m = /cdr-sim gateway: sent (\d+) of (\d+) lines: (\d+) of 20 calls \((\d+) ended\), (\d+) log lines over tcp to 127\.0\.0\.1:\d+ \(stopped early\)/.exec(run.stderr);
    assert.ok(m, run.stderr);
    await waitFor(() => listener.lines().length === Number(m[1]), `the ${m[1]} lines the exit line counts`, 5000).catch(() => {});
    assert.equal(Number(m[1]), listener.lines().length, 'the exit line counts the lines that arrived');
    assert.ok(Number(m[1]) < Number(m[2]));
  });

  it('gateway --replay sends the dated calls of 2004/01/15 at once, and counts them all', async () => {
    listener = await silentListener();
    const run = runSim(['gateway', '--to', `127.0.0.1:${listener.port}`, '--calls', '6', '--replay']);
    assert.equal(await exitWithin(run, 20000, 'cdr-sim gateway --replay'), 0, run.stderr);
    const m = /sent (\d+) of (\d+) lines: 6 of 6 calls \(6 ended\), 0 log lines/.exec(run.stderr);
    assert.ok(m && m[1] === m[2], run.stderr);
    await waitFor(() => listener.lines().length === Number(m[1]), 'every line at the receiver', 5000);
    assert.ok(listener.lines().every((l) => l.includes('2004/01/15') || l.includes('2004/01/16')));
  });

  it('ami (a fake Asterisk waiting for a client) stops on Ctrl-C', async () => {
    const port = await freePort();
    const run = runSim(['ami', '--listen', String(port), '--host', '127.0.0.1']);
    await waitFor(() => /listen/i.test(run.stdout + run.stderr), 'the listening line', 20000);
    run.child.kill('SIGINT');
    assert.equal(await exitWithin(run, 10000, 'cdr-sim ami after SIGINT'), 0, run.stderr);
  });
});

'use strict';
// Senders on a worker thread, so the runtime under test has the main thread to
// itself, as it would in production with the PBX on another machine.
const { Worker } = require('node:worker_threads');

const TCP_WORKER = `
const net = require('node:net');
const { workerData, parentPort } = require('node:worker_threads');
const { performance } = require('node:perf_hooks');
const now = () => performance.timeOrigin + performance.now();
const onGo = (fn) => parentPort.on('message', (m) => { if (m === 'go') fn(); });
const { host, port, frames, rate, separator } = workerData;
const s = net.connect({ host, port }, () => {
  s.setNoDelay(true);
  if (!rate) {
    // One burst, built before the clock starts: the worker's start-up, the copy
    // of the frames into it and the join are the harness's cost, not the flow's.
    // Every record is stamped with the moment the burst was built (a burst measures throughput, not latency).
    const t = String(now());
    const text = frames.map((f) => f.replace('__T__', t)).join(separator) + separator;
    parentPort.postMessage({ ready: true });
    onGo(() => s.write(text, () => parentPort.postMessage({ sent: frames.length })));
    return;
  }
  parentPort.postMessage({ ready: true });
  onGo(paced);
});
const paced = () => {
  const start = now();
  let i = 0;
  const tick = () => {
    const due = Math.min(frames.length, Math.floor(((now() - start) / 1000) * rate) + 1);
    let chunk = '';
    for (; i < due; i++) chunk += frames[i].replace('__T__', String(now())) + separator;
    if (chunk) s.write(chunk);
    if (i < frames.length) setTimeout(tick, 1);
    else s.write('', () => parentPort.postMessage({ sent: frames.length }));
  };
  tick();
};
s.on('error', (e) => parentPort.postMessage({ error: e.message }));
parentPort.on('message', (m) => { if (m === 'close') s.end(() => process.exit(0)); });
`;

/**
 * Sends `frames` (strings in which __T__ becomes the send time in epoch ms)
 * over one TCP connection; `rate` 0 = one burst. `ready` resolves once the
 * worker is connected with the frames in hand, and nothing is sent before
 * `go()`: a measurement starts its clock there. `written` resolves when all
 * bytes were handed to the kernel.
 */
function sendTcp({ host = '127.0.0.1', port, frames, rate = 0, separator = '\n' }) {
  const w = new Worker(TCP_WORKER, { eval: true, workerData: { host, port, frames, rate, separator } });
  let onReady;
  const ready = new Promise((resolve) => (onReady = resolve));
  const written = new Promise((resolve, reject) => {
    w.on('message', (m) => {
      if (m.ready) onReady();
      else if (m.error) reject(new Error(m.error));
      else resolve(m);
    });
    w.on('error', reject);
  });
  written.catch(() => {});
  return { ready, written, go: () => w.postMessage('go'), close: () => w.postMessage('close') };
}

module.exports = { sendTcp };

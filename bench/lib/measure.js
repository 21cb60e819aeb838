'use strict';
// Measurements every source benchmark makes the same way: a burst or a paced
// stream over TCP into a flow ending in a bench-sink, and the null-flow baseline.
const net = require('node:net');
const { performance } = require('node:perf_hooks');
const { sendTcp } = require('./senders');
const { percentile } = require('./stats');

const now = () => performance.timeOrigin + performance.now();

/** Records/s of one burst of `frames` over TCP, from its start to the last record at the sink, and the process's CPU µs per record. */
async function throughputOverTcp(getNode, port, frames, sinkId = 'b-sink') {
  const sink = getNode(sinkId);
  sink.reset(frames.length);
  const sender = sendTcp({ port, frames });
  await sender.ready;
  const t0 = now();
  const c0 = process.cpuUsage();
  sender.go();
  await sink.done;
  const elapsed = sink.last - t0;
  const c = process.cpuUsage(c0);
  sender.close();
  // CPU of the whole process (the sender thread's writes included) per record: steadier than the rate on a shared machine.
  return { value: (frames.length / elapsed) * 1000, cpuUs: (c.user + c.system) / frames.length };
}

/** p50/p99 latency of `frames` sent at a steady `rate` per second (below capacity, or it measures queueing). */
async function latencyOverTcp(getNode, port, frames, rate, sinkId = 'b-sink') {
  const sink = getNode(sinkId);
  sink.reset(frames.length);
  const sender = sendTcp({ port, frames, rate });
  await sender.ready;
  sender.go();
  await sink.done;
  sender.close();
  return { p50Ms: percentile(sink.latencies, 50), p99Ms: percentile(sink.latencies, 99) };
}

/** The runtime's own ceiling: a bench-source emitting `n` messages made by `make(i)` into the sink. */
async function nullFlowRate(getNode, n, make, sourceId = 'b-src', sinkId = 'b-sink') {
  const sink = getNode(sinkId);
  sink.reset(n);
  const t0 = now();
  await getNode(sourceId).emitMany(n, make);
  await sink.done;
  return { value: (n / (sink.last - t0)) * 1000 };
}

/** A port free right now on 127.0.0.1 (for core nodes that cannot take port 0). */
async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

module.exports = { throughputOverTcp, latencyOverTcp, nullFlowRate, freePort, now };

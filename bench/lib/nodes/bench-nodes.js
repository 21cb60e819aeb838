'use strict';
// Two nodes for benchmarks only, loaded from the bench runtime's userDir/nodes:
// - bench-sink counts what arrives and notes each message's latency from the
//   `_t` stamp (epoch ms with fractions) the sender put on the record;
// - bench-source emits prepared messages as fast as the runtime takes them
//   (the null-flow baseline);
// - bench-tcp-source does the least a TCP source can: it cuts the bytes it is
//   sent into lines and sends each line on as its own message, untouched (the
//   null-flow baseline fed the same bytes as a source node under test). With
//   `parse` it also parses each line (JSON.parse, nothing else), and with
//   `batch` N it sends the parsed records N to a message: the floor of any
//   collector that reads JSON records, per message and in batches.
const net = require('node:net');
const { performance } = require('node:perf_hooks');

const now = () => performance.timeOrigin + performance.now();

function stampOf(msg) {
  const p = Array.isArray(msg.payload) ? msg.payload[0] : msg.payload;
  if (p && typeof p === 'object') {
    if (p._t !== undefined) return Number(p._t);
    if (p.extra && p.extra._t !== undefined) return Number(p.extra._t);
  }
  if (msg.vendorRecord && msg.vendorRecord._t !== undefined) return Number(msg.vendorRecord._t);
  return NaN;
}

module.exports = function (RED) {
  function BenchSink(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    node.reset = (expected) => {
      node.count = 0;
      node.first = 0;
      node.last = 0;
      node.latencies = [];
      node.expected = expected;
      node.done = new Promise((resolve) => (node.resolve = resolve));
    };
    node.reset(Infinity);
    node.on('input', (msg, send, done) => {
      const t = now();
      if (node.count === 0) node.first = t;
      node.last = t;
      // A batch (payload an array) counts as its records.
      node.count += Array.isArray(msg.payload) ? msg.payload.length : 1;
      const stamp = stampOf(msg);
      if (!Number.isNaN(stamp)) node.latencies.push(t - stamp);
      if (node.count >= node.expected) node.resolve();
      done();
    });
  }
  RED.nodes.registerType('bench-sink', BenchSink);

  function BenchSource(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    /** Emits `count` messages made by `make(i)` in batches, yielding between them. */
    node.emitMany = (count, make, batch = 500) =>
      new Promise((resolve) => {
        let i = 0;
        const step = () => {
          const end = Math.min(count, i + batch);
          for (; i < end; i++) {
            const msg = make(i);
            if (msg.payload && typeof msg.payload === 'object') msg.payload._t = now();
            node.send(msg);
          }
          if (i < count) setImmediate(step);
          else resolve();
        };
        step();
      });
  }
  RED.nodes.registerType('bench-source', BenchSource);

  function BenchTcpSource(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    const sockets = new Set();
    const parse = config.parse === true;
    const batch = Number(config.batch) || 0;
    let held = [];
    let timer = null;
    const flush = () => {
      if (timer) clearTimeout(timer);
      timer = null;
      if (held.length > 0) node.send({ payload: held });
      held = [];
    };
    const emit = (line) => {
      if (!parse) return node.send({ payload: line });
      let record;
      try {
        record = JSON.parse(line);
      } catch (err) {
        return node.error(`not JSON: ${err.message}`);
      }
      if (batch === 0) return node.send({ payload: record });
      held.push(record);
      if (held.length >= batch) flush();
      else if (!timer) timer = setTimeout(flush, 20);
    };
    const server = net.createServer((socket) => {
      sockets.add(socket);
      socket.setEncoding('utf8');
      let rest = '';
      socket.on('data', (chunk) => {
        const text = rest + chunk;
        let from = 0;
        for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
          if (nl > from) emit(text.slice(from, nl));
          from = nl + 1;
        }
        rest = text.slice(from);
      });
      socket.on('error', () => {});
      socket.on('close', () => sockets.delete(socket));
    });
    node.listening = new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
    node.on('close', (done) => {
      if (timer) clearTimeout(timer);
      for (const s of sockets) s.destroy();
      server.close(() => done());
    });
  }
  RED.nodes.registerType('bench-tcp-source', BenchTcpSource);
};

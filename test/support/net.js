'use strict';
const net = require('node:net');

/** A TCP client that resolves once connected; `gone` resolves when the server ends it. */
function connect(port, host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host });
    s.gone = new Promise((r) => s.once('close', r));
    s.on('error', () => undefined);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Writes and waits until the bytes were handed to the kernel. */
function write(socket, data) {
  return new Promise((resolve, reject) => socket.write(data, (err) => (err ? reject(err) : resolve())));
}

module.exports = { connect, write };

'use strict';
const net = require('node:net');
const dgram = require('node:dgram');

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

/**
 * A port nothing holds at the moment, for a listener a test starts later.
 * Chosen below the kernel's ephemeral range (Linux: 32768–60999): a port from
 * that range can be taken as the local port of any outgoing connection (an AMI
 * client, an HTTP poll) between this call and the listen, which then fails with
 * EADDRINUSE. Checked free for TCP and UDP, and never handed out twice by one
 * process, so two listeners of one flow do not get the same port.
 */
const handedOut = new Set();
const LOW = 20000;
const HIGH = 32000;

async function freePort(host = '127.0.0.1') {
  for (let tries = 0; tries < 500; tries++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (handedOut.has(port)) continue;
    if ((await portFree(port, host)) && (await udpPortFree(port, host))) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port found between ${LOW} and ${HIGH} on ${host}`);
}

function udpPortFree(port, host) {
  return new Promise((resolve) => {
    const s = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    s.once('error', () => {
      s.close();
      resolve(false);
    });
    s.bind(port, host, () => s.close(() => resolve(true)));
  });
}

/** Whether `port` can be bound on `host` now (nothing else holds it). */
function portFree(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

/** Whether something accepts a TCP connection on host:port now. */
function accepting(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const s = net.connect({ port, host });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

module.exports = { connect, write, freePort, portFree, accepting };

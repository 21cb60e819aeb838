'use strict';
const helper = require('node-red-node-test-helper');

const { userDir } = require('./user-dir');
helper.init(require.resolve('node-red'), { userDir });

/** Core nodes the tests wire our nodes to. */
const core = {
  tls: require('@node-red/nodes/core/network/05-tls.js'),
  catch: require('@node-red/nodes/core/common/25-catch.js'),
  status: require('@node-red/nodes/core/common/25-status.js'),
};

function load(nodes, flow, credentials = {}) {
  return new Promise((resolve, reject) => {
    try {
      helper.load(nodes, flow, credentials, resolve);
    } catch (err) {
      reject(err);
    }
  });
}

/** Collects every message that reaches a helper node. */
function collect(id) {
  const n = helper.getNode(id);
  const msgs = [];
  n.on('input', (msg) => msgs.push(msg));
  return msgs;
}

/** Every log event at `level` ('error', 'warn', …) from node `id`. */
function logs(id, level) {
  const code = { error: 20, warn: 30, info: 40, debug: 50 }[level];
  return helper
    .log()
    .args.map((a) => a[0])
    .filter((e) => e.id === id && e.level === code);
}

module.exports = { helper, core, load, collect, logs, userDir };

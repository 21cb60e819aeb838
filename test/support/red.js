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

/**
 * Runtime settings for the next load, always with this process's userDir: the
 * helper's own `settings()` starts again from Node-RED's defaults, which would
 * drop it, and the sources would then keep their journals in a folder every
 * test run shares (a killed run's records replayed into the next one's nodes).
 */
const settings = (extra = {}) => helper.settings({ ...extra, userDir });

module.exports = { helper, core, load, collect, logs, userDir, settings };

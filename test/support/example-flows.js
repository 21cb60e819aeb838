'use strict';
// The flows of examples/ as a test deploys them into a real Node-RED: read
// from the directory (an example added later is included), put on a tab as
// the editor's import does, every listening source on a free port of
// 127.0.0.1 (the usual ports may be taken on a shared machine, and tests
// listen on loopback only), a SQLite file in the test's temp dir. Nothing else
// is changed.
const fs = require('node:fs');
const path = require('node:path');
const { freePort } = require('./net');

const dir = path.join(__dirname, '..', '..', 'examples');

/** [{ file, flow }] for every examples/*.json, by name. */
function readExamples() {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, flow: JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) }));
}

const isFlowNode = (n) => n.type !== 'tab' && (Array.isArray(n.wires) || n.x !== undefined);
const listens = (n) => /-cdr-in$/.test(n.type) || n.type === 'tcp in' || n.type === 'udp in';

/** A copy of `flow` ready to deploy: { nodes, tab }. */
async function asDeployed(flow, tmp) {
  const nodes = JSON.parse(JSON.stringify(flow));
  let tab = nodes.find((n) => n.type === 'tab');
  if (!tab) {
    tab = { id: `tab-${Math.random().toString(16).slice(2)}`, type: 'tab', label: 'example' };
    nodes.unshift(tab);
    for (const n of nodes) if (isFlowNode(n) && !n.z) n.z = tab.id;
  }
  for (const n of nodes) {
    if (listens(n)) {
      if (n.host !== undefined) n.host = '127.0.0.1';
      for (const k of Object.keys(n)) if (/port$/i.test(k) && /^\d+$/.test(String(n[k]))) n[k] = String(await freePort());
    }
    if (n.type === 'sqlitedb') n.db = path.join(tmp, `${n.id}.db`);
  }
  return { nodes, tab };
}

module.exports = { readExamples, asDeployed };

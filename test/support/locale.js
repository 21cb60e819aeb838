'use strict';
// node-red-node-test-helper gives nodes a RED._ that returns the bare key. This wraps a
// node module so its RED._ reads our real locale files, with __param__ substitution:
// tests then see the texts users see, and a key missing from the locale shows as MISSING.
const fs = require('node:fs');
const path = require('node:path');

const LOCALES = path.resolve(__dirname, '..', '..', 'nodes', 'locales', 'en-US');

function catalog(types) {
  const all = {};
  for (const t of types) Object.assign(all, JSON.parse(fs.readFileSync(path.join(LOCALES, `${t}.json`), 'utf8')));
  return all;
}

function translator(types) {
  const cat = catalog(types);
  return (key, params = {}) => {
    let v = cat;
    for (const part of key.split('.')) v = v && typeof v === 'object' ? v[part] : undefined;
    if (typeof v !== 'string') return `MISSING:${key}`;
    return v.replace(/__([a-zA-Z0-9_-]+)__/g, (m, p) => (p in params ? String(params[p]) : m));
  };
}

/** `withMessages(require('../../nodes/x.js'), 'x', 'y')`: the node module with a real RED._. */
function withMessages(nodeModule, ...types) {
  const t = translator(types);
  return function (RED) {
    RED._ = t;
    return nodeModule(RED);
  };
}

module.exports = { withMessages, translator };

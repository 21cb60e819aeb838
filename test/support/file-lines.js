'use strict';
// Reading what a core file node appends: only complete lines count (a line
// still being written has no line end yet), and a file not created yet has none.
const fs = require('node:fs');

/** The complete lines of `file` ([] while it does not exist). */
function completeLines(file) {
  if (!fs.existsSync(file)) return [];
  const text = fs.readFileSync(file, 'utf8');
  return text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter(Boolean);
}

/** The complete lines of `file`, each parsed as JSON. */
function jsonLines(file) {
  return completeLines(file).map((l) => JSON.parse(l));
}

module.exports = { completeLines, jsonLines };

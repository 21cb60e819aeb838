'use strict';
// The project's layout rules, checked so they hold: a node file
// (src/<type>.ts) only reads settings and wires a lib layer to
// send/error/status/close, in at most 150 lines; the logic lives in src/lib,
// which never imports node-red (it runs and is tested without it).
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const src = path.join(root, 'src');
const MAX_NODE_FILE_LINES = 150;

function lineCount(file) {
  const text = fs.readFileSync(file, 'utf8');
  if (text === '') return 0;
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

function tsFilesUnder(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return tsFilesUnder(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

describe('package: source layout', () => {
  it(`keeps every node file src/*.ts at ${MAX_NODE_FILE_LINES} lines or fewer`, () => {
    const nodeFiles = fs.readdirSync(src).filter((f) => f.endsWith('.ts'));
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    // Every node type of package.json has its file here, so none escapes the check.
    for (const type of Object.keys(pkg['node-red'].nodes)) assert.ok(nodeFiles.includes(`${type}.ts`), `src/${type}.ts`);
    const over = nodeFiles.map((f) => [f, lineCount(path.join(src, f))]).filter(([, n]) => n > MAX_NODE_FILE_LINES);
    assert.deepEqual(over.map(([f, n]) => `src/${f}: ${n} lines`), [], 'move the logic into a small module in src/lib/glue');
  });

  it('imports nothing of node-red in src/lib', () => {
    const offending = tsFilesUnder(path.join(src, 'lib')).filter((f) => /(?:from\s+|require\(\s*|import\(\s*)['"](?:node-red|@node-red\/[^'"]+)['"]/.test(fs.readFileSync(f, 'utf8')));
    assert.deepEqual(offending.map((f) => path.relative(root, f)), []);
  });
});

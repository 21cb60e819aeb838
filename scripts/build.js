#!/usr/bin/env node
// Build: TypeScript → nodes/ (CommonJS), then the source icons → nodes/icons/.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
let tsc;
try {
  // TypeScript 7 no longer exports ./bin/tsc, so resolve the package and find its bin.
  tsc = path.join(path.dirname(require.resolve('typescript/package.json', { paths: [root] })), 'bin', 'tsc');
} catch {
  // Installed from the registry as a dependency of a Node-RED userDir: the build
  // output is already in the tarball and TypeScript is not there. Nothing to do.
  if (fs.existsSync(path.join(root, 'nodes', 'lib', 'index.js'))) process.exit(0);
  console.error('build: typescript is not installed; run npm install in the repository');
  process.exit(1);
}
const r = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.json')], { stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);

const from = path.join(root, 'icons');
const to = path.join(root, 'nodes', 'icons');
fs.mkdirSync(to, { recursive: true });
for (const f of fs.readdirSync(from)) fs.copyFileSync(path.join(from, f), path.join(to, f));

// The rate-table parser, also for the cdr-calc dialog: the editor checks a
// table with the very rule the runtime applies (resources/ is served to it).
const ratingJs = fs.readFileSync(path.join(root, 'nodes', 'lib', 'cdr', 'rating.js'), 'utf8');
if (/\brequire\(/.test(ratingJs)) {
  console.error('build: src/lib/cdr/rating.ts must import nothing at runtime (the editor loads it alone)');
  process.exit(1);
}
const ratingText = `/* Built from src/lib/cdr/rating.ts by scripts/build.js: do not edit. */\n(function (exports) {\n${ratingJs}\n})((window.cdrflowRating = {}));\n`;
const ratingFile = path.join(root, 'resources', 'cdr-rating.js');
if (!fs.existsSync(ratingFile) || fs.readFileSync(ratingFile, 'utf8') !== ratingText) fs.writeFileSync(ratingFile, ratingText);

// The Cdr JSON Schema, written from its one source (src/lib/cdr/schema.ts) so
// that the shipped file and the TypeScript types cannot disagree.
const { cdrJsonSchema } = require(path.join(root, 'nodes', 'lib', 'cdr', 'schema.js'));
const schemaDir = path.join(root, 'schema');
fs.mkdirSync(schemaDir, { recursive: true });
const schemaText = JSON.stringify(cdrJsonSchema, null, 2) + '\n';
const schemaFile = path.join(schemaDir, 'cdr.schema.json');
if (!fs.existsSync(schemaFile) || fs.readFileSync(schemaFile, 'utf8') !== schemaText) fs.writeFileSync(schemaFile, schemaText);

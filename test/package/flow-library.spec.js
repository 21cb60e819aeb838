'use strict';
// What the Flow Library's scorecard (`node-red-dev validate`) checks, asserted
// offline from package.json, nodes/*.html and examples/*.json, so a release
// never reaches the library with a red card. Node-RED's own requirements are
// read from the node-red installed in node_modules (the current release we
// build and test against).
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const redDir = path.dirname(require.resolve('node-red/package.json', { paths: [root] }));
const redPkg = JSON.parse(fs.readFileSync(path.join(redDir, 'package.json'), 'utf8'));
// semver comes with Node-RED (a dependency of it), so we add none of our own.
const semver = require(require.resolve('semver', { paths: [redDir] }));

const nodes = (pkg['node-red'] && pkg['node-red'].nodes) || {};
const examplesDir = path.join(root, 'examples');

// Types one .html file registers, with whether each is a config node.
function registeredTypes(html) {
  const found = [];
  const re = /RED\.nodes\.registerType\(\s*(['"])([^'"]+)\1\s*,/g;
  let m;
  while ((m = re.exec(html))) found.push({ type: m[2], at: m.index });
  return found.map((f, i) => {
    const block = html.slice(f.at, i + 1 < found.length ? found[i + 1].at : html.length);
    return { type: f.type, config: /category\s*:\s*(['"])config\1/.test(block) };
  });
}

function readExamples() {
  return fs
    .readdirSync(examplesDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ file: f, text: fs.readFileSync(path.join(examplesDir, f), 'utf8') }));
}

describe('package: Flow Library checks (node-red-dev validate), offline', () => {
  it('has a license, a repository, a README and the node-red keyword', () => {
    assert.equal(typeof pkg.license, 'string');
    assert.ok(pkg.license.trim() !== '' && pkg.license !== 'UNLICENSED', `license: ${pkg.license}`);
    assert.ok(fs.existsSync(path.join(root, 'LICENSE')), 'LICENSE file');
    const repo = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository && pkg.repository.url;
    assert.ok(repo && /^(git\+)?https:\/\/\S+\.git$|^github:\S+$/.test(repo), `repository url: ${repo}`);
    assert.ok(fs.existsSync(path.join(root, 'README.md')), 'README.md');
    assert.ok(Array.isArray(pkg.keywords) && pkg.keywords.includes('node-red'), 'keywords include "node-red"');
  });

  it('has a scoped name (the library no longer takes new unscoped node-red-contrib-* names)', () => {
    assert.match(pkg.name, /^@[a-z0-9][a-z0-9._-]*\/[a-z0-9][a-z0-9._-]*$/);
    assert.ok(!/node-red-contrib/.test(pkg.name.split('/')[0]), 'the scope is ours');
  });

  it(`declares a node-red.version range that the current Node-RED (${redPkg.version}) satisfies`, () => {
    const range = pkg['node-red'] && pkg['node-red'].version;
    assert.ok(range && semver.validRange(range), `node-red.version: ${range}`);
    assert.ok(semver.satisfies(redPkg.version, range), `node-red ${redPkg.version} is outside ${range}`);
  });

  it('declares a node-red.version range that admits Node-RED 5 (smoke-tested in test/compat)', () => {
    const range = pkg['node-red'] && pkg['node-red'].version;
    // The release the smoke test installed, when it has run here; else the first 5.x.
    let v5 = '5.0.0';
    try {
      v5 = JSON.parse(fs.readFileSync(path.join(process.env.CDRFLOW_CACHE || path.join(root, '.cache'), 'nr5', 'ready.json'), 'utf8')).redVersion || v5;
    } catch {}
    assert.ok(semver.satisfies(v5, range), `node-red ${v5} is outside ${range}`);
  });

  it(`declares engines.node within Node-RED's own (${redPkg.engines.node}) and satisfied by this Node (${process.version})`, () => {
    const ours = pkg.engines && pkg.engines.node;
    assert.ok(ours && semver.validRange(ours), `engines.node: ${ours}`);
    // Every Node version we claim must also run Node-RED itself.
    assert.ok(semver.subset(ours, redPkg.engines.node), `engines.node ${ours} allows Node versions Node-RED ${redPkg.version} (${redPkg.engines.node}) does not run on`);
    assert.ok(semver.satisfies(process.version, ours), `${process.version} outside ${ours}`);
  });

  it('has at most 6 runtime dependencies, none of them Node-RED itself', () => {
    const deps = Object.keys(pkg.dependencies || {});
    assert.ok(deps.length <= 6, `${deps.length} runtime dependencies: ${deps.join(', ')}`);
    for (const d of deps) assert.ok(!/^(node-red|@node-red\/.*)$/.test(d), `${d} must not be a runtime dependency`);
  });

  it('lists node files that exist, each with an .html that registers its type literally', () => {
    const types = Object.keys(nodes);
    assert.ok(types.length > 0, 'node-red.nodes is empty');
    for (const [type, file] of Object.entries(nodes)) {
      assert.match(file, /^nodes\/[^/]+\.js$/, `${type}: ${file}`);
      assert.ok(fs.existsSync(path.join(root, file)), `${file} (built)`);
      const htmlFile = path.join(root, file.replace(/\.js$/, '.html'));
      assert.ok(fs.existsSync(htmlFile), `${type}: ${path.relative(root, htmlFile)}`);
      const html = fs.readFileSync(htmlFile, 'utf8');
      assert.ok(html.includes(`RED.nodes.registerType('${type}'`) || html.includes(`RED.nodes.registerType("${type}"`), `${path.relative(root, htmlFile)} registers '${type}' literally`);
    }
  });

  it('ships examples that are valid JSON arrays of nodes with an id and a type', () => {
    const examples = readExamples();
    assert.ok(examples.length > 0, 'examples/ is empty');
    for (const { file, text } of examples) {
      let flow;
      assert.doesNotThrow(() => (flow = JSON.parse(text)), `${file} is not valid JSON`);
      assert.ok(Array.isArray(flow) && flow.length > 0, `${file} is not a non-empty array`);
      const ids = new Set();
      for (const n of flow) {
        assert.ok(n && typeof n === 'object' && typeof n.id === 'string' && typeof n.type === 'string', `${file}: node without id/type`);
        assert.ok(!ids.has(n.id), `${file}: id ${n.id} twice`);
        ids.add(n.id);
      }
    }
  });

  it('uses every non-config node type in at least one example', () => {
    const used = new Set(readExamples().flatMap(({ text }) => JSON.parse(text).map((n) => n.type)));
    const missing = [];
    for (const file of Object.values(nodes)) {
      const html = fs.readFileSync(path.join(root, file.replace(/\.js$/, '.html')), 'utf8');
      for (const { type, config } of registeredTypes(html)) if (!config && !used.has(type)) missing.push(type);
    }
    assert.deepEqual(missing, [], `no example uses: ${missing.join(', ')}`);
  });
});

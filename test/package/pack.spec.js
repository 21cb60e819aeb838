'use strict';
// What a palette install gives a user: `npm pack`, the tarball installed into an
// empty Node-RED userDir, then a real Node-RED started from it.
const assert = require('node:assert/strict');
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const pkg = require('../../package.json');

// The palette icon of each node type of package.json: the `icon:` its
// nodes/<type>.html gives (read from the source, so a renamed icon is caught);
// null for a config node, which has no palette entry.
function paletteIcons() {
  const icons = {};
  for (const [type, file] of Object.entries(pkg['node-red'].nodes)) {
    const html = fs.readFileSync(path.join(root, file.replace(/\.js$/, '.html')), 'utf8');
    const named = [...html.matchAll(/\bicon\s*:\s*(['"])([^'"]+)\1/g)].map((m) => m[2]);
    icons[type] = named.length === 0 && /category\s*:\s*(['"])config\1/.test(html) ? null : named.find((i) => i === `${type}.svg`) || named[0] || '';
  }
  return icons;
}

describe('package: npm pack installed into an empty Node-RED userDir', function () {
  this.timeout(180000);
  let result;
  let files;
  let dir;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdrflow-pack-'));
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const out = execFileSync(npm, ['pack', '--json', '--pack-destination', dir, '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
    const info = JSON.parse(out.slice(out.indexOf('[')))[0];
    files = info.files.map((f) => f.path);
    const userDir = path.join(dir, 'userDir');
    fs.mkdirSync(userDir);
    fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'node-red-project', private: true }));
    execFileSync(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', '--omit=dev', path.join(dir, info.filename)], { cwd: userDir, stdio: 'ignore' });
    const r = spawnSync(process.execPath, [path.join(__dirname, 'pack-check.js'), userDir, require.resolve('node-red')], { encoding: 'utf8' });
    const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    assert.ok(line, `Node-RED did not start from the userDir: ${r.stderr}`);
    result = JSON.parse(line.slice(7));
  });

  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it('ships the built nodes, editor files, icons, examples and schema, and no sources or tests', () => {
    for (const type of Object.keys(pkg['node-red'].nodes)) {
      assert.ok(files.includes(`nodes/${type}.js`), `nodes/${type}.js`);
      assert.ok(files.includes(`nodes/${type}.html`), `nodes/${type}.html`);
      assert.ok(files.includes(`nodes/locales/en-US/${type}.json`), `${type} messages`);
      assert.ok(files.includes(`nodes/locales/en-US/${type}.html`), `${type} help`);
    }
    assert.ok(files.includes('nodes/icons/cdr.svg'));
    for (const [type, icon] of Object.entries(paletteIcons())) {
      if (icon === null) continue;
      assert.equal(icon, `${type}.svg`, `${type}: its palette icon is named after it`);
      assert.ok(files.includes(`nodes/icons/${icon}`), `${type}: its icon nodes/icons/${icon} is in the tarball`);
    }
    assert.ok(files.includes('resources/cdr-editor.js'), 'the editor checks every dialog loads');
    // Build output (gitignored): the cdr-calc dialog checks a rate table with it.
    assert.ok(files.includes('resources/cdr-rating.js'), 'resources/cdr-rating.js (built by scripts/build.js) is in the tarball');
    assert.ok(files.includes('nodes/lib/index.js'));
    assert.ok(files.some((f) => f.startsWith('examples/')));
    assert.ok(!files.some((f) => f.startsWith('src/') || f.startsWith('test/') || f.startsWith('bench/')));
  });

  it('registers every node type with no load error', () => {
    const types = result.sets.flatMap((s) => s.types);
    for (const type of Object.keys(pkg['node-red'].nodes)) assert.ok(types.includes(type), `${type} registered`);
    for (const s of result.sets) {
      assert.equal(s.err, null, `${s.id}: ${s.err}`);
      assert.equal(s.enabled, true);
    }
  });

  it('serves each node its editor template, help text and icon', () => {
    for (const type of Object.keys(pkg['node-red'].nodes)) {
      assert.ok(result.templatesFor.includes(type) || type === 'ami-server', `${type} template`);
      assert.ok(result.helpFor.includes(type), `${type} help`);
    }
    assert.ok(result.icons.includes('cdr.svg'));
    for (const [type, icon] of Object.entries(paletteIcons())) if (icon) assert.ok(result.icons.includes(icon), `${type}: ${icon} is served`);
    assert.equal(result.iconStatus, 200);
    assert.equal(result.editorScript, true, 'resources/cdr-editor.js is served to the editor');
    assert.equal(result.ratingScript, true, 'resources/cdr-rating.js is served to the editor');
  });

  it('lists the example flows under Import ▸ Examples', () => {
    const shipped = fs.readdirSync(path.join(root, 'examples')).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, ''));
    assert.ok(shipped.length > 0);
    assert.ok(result.examplesListed);
    for (const ex of shipped) assert.ok(result.exampleFiles.includes(ex), `example ${ex}`);
  });
});

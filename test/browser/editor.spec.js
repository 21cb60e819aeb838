'use strict';
// The editor as a user meets it: Debian's chromium, driven headless by
// playwright-core, against a real Node-RED started like `npm start` does.
// Every node type comes from package.json's node-red.nodes (the types each
// .html registers), every example from examples/: nothing here names a node.
// Screenshots, one per node dialog, go to test-artifacts/screenshots/.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startEditor } = require('./red-editor');
const { requireChromium, openChromium } = require('./chromium');
const { editorReady, openByDoubleClick, dialogReady, cancelOpenDialogs } = require('./editor-page');

const root = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const shots = path.join(root, 'test-artifacts', 'screenshots');

// The node types of the package, read from each node's .html (a file may
// register more than one, e.g. a config node beside its source node).
function packageTypes() {
  const types = [];
  for (const file of Object.values(pkg['node-red'].nodes)) {
    const html = fs.readFileSync(path.join(root, file.replace(/\.js$/, '.html')), 'utf8');
    const found = [...html.matchAll(/RED\.nodes\.registerType\(\s*(['"])([^'"]+)\1\s*,/g)];
    found.forEach((m, i) => {
      const block = html.slice(m.index, i + 1 < found.length ? found[i + 1].index : html.length);
      types.push({ type: m[2], config: /category\s*:\s*(['"])config\1/.test(block) });
    });
  }
  return types;
}

function readExamples() {
  const dir = path.join(root, 'examples');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ name: f.replace(/\.json$/, ''), flow: JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) }));
}

// One node of `type` from the examples, with the config nodes it refers to,
// under fresh ids so each test imports its own copy.
function exampleInstance(type, examples, tag) {
  for (const { flow } of examples) {
    const node = flow.find((n) => n.type === type);
    if (!node) continue;
    const byId = new Map(flow.map((n) => [n.id, n]));
    const picked = [node];
    for (let i = 0; i < picked.length; i++) {
      for (const v of Object.values(picked[i])) {
        const ref = typeof v === 'string' && byId.get(v);
        if (ref && !ref.z && ref.type !== 'tab' && !picked.includes(ref)) picked.push(ref);
      }
    }
    const ids = new Map(picked.map((n) => [n.id, `${n.id}-${tag}`]));
    return picked.map((n) => {
      const copy = JSON.parse(JSON.stringify(n));
      for (const [k, v] of Object.entries(copy)) if (typeof v === 'string' && ids.has(v)) copy[k] = ids.get(v);
      delete copy.z;
      delete copy.g;
      if (Array.isArray(copy.wires)) copy.wires = copy.wires.map(() => []);
      return copy;
    });
  }
  return null;
}

// Values no port, count, zone, path or name field should take; the port and
// config-node rules below are stricter.
const BAD_VALUES = ['70000', '-1', 'not valid ¤', '', '{', 'x'.repeat(300)];

// What each node's runtime needs with no default: a node saved by an older
// version of the package has only these (besides id, type, z, x, y, wires)
// and every setting added since is absent. A value of the form `@type` is a
// minimal config node of that type. Every type of the package needs an entry.
const RUNTIME_REQUIRED = {
  'ucm-cdr-in': { port: '4000' },
  'fs-cdr-in': { port: '8080' },
  'vos-cdr-in': { tcpPort: '9000' },
  'gw-cdr-in': { port: '9040' },
  'cdr-normalize': {},
  'cdr-calc': {},
  'cdr-stats': { keys: '[{"t":"field","v":"all"}]' },
  'cdr-alert': {},
  'cdr-ack': {},
  'ami-server': { host: 'pbx.example.net' },
  'ami-cdr-in': { server: '@ami-server' },
};

// The minimal node of `type` (and the config nodes it refers to), or with `leaveOut` absent.
function minimalNodes(type, tag, leaveOut) {
  const nodes = [];
  const make = (t, suffix) => {
    const id = `min-${t}-${tag}${suffix}`;
    const config = types.find((x) => x.type === t).config;
    const node = config ? { id, type: t } : { id, type: t, x: 0, y: 0, wires: [] };
    nodes.push(node);
    for (const [prop, value] of Object.entries(RUNTIME_REQUIRED[t])) {
      if (t === type && prop === leaveOut) continue;
      node[prop] = typeof value === 'string' && value.startsWith('@') ? make(value.slice(1), `${suffix}-${prop}`).id : value;
    }
    return node;
  };
  make(type, '');
  return nodes;
}

const types = packageTypes();
const examples = readExamples();
const inPalette = types.filter((t) => !t.config).map((t) => t.type);
const configTypes = types.filter((t) => t.config).map((t) => t.type);

describe('editor in a real browser (chromium, playwright-core)', function () {
  // Generous: a dialog test probes every field, and a busy 2-core machine is slow (issue 16).
  this.timeout(180000);
  let editor;
  let browser;
  let page;
  let pageErrors = [];

  before(async function () {
    requireChromium(this);
    fs.mkdirSync(shots, { recursive: true });
    for (const f of fs.readdirSync(shots)) if (f.startsWith('FAILED-')) fs.rmSync(path.join(shots, f));
    editor = await startEditor();
    browser = await openChromium({ width: 1280, height: 1024 });
    ({ page, pageErrors } = browser);
    await page.goto(editor.url);
    // Every type registered, the loading bar gone, a flow tab shown (./editor-page.js says why).
    await editorReady(page, types.map((t) => t.type));
  });

  after(async () => {
    if (browser) await browser.close();
    if (editor) await editor.stop();
  });

  afterEach(async function () {
    if (this.currentTest.state === 'failed' && page) {
      const file = path.join(shots, `FAILED-${this.currentTest.title.replace(/[^\w.-]+/g, '_').slice(0, 80)}.png`);
      await page.screenshot({ path: file }).catch(() => {});
    }
    // A failed test may leave a dialog open: cancel it so the next one starts clean.
    if (page) await cancelOpenDialogs(page);
  });

  it('registers every type of the package in the editor, with no script error', async () => {
    const known = await page.evaluate((all) => all.filter((t) => RED.nodes.getType(t)), types.map((t) => t.type));
    assert.deepEqual(known, types.map((t) => t.type));
    for (const key of Object.keys(pkg['node-red'].nodes)) assert.ok(known.includes(key), `${key} (node-red.nodes) is a registered type`);
    assert.deepEqual(pageErrors, []);
  });

  it('lists every non-config node in the CDR palette category', async () => {
    const listed = await page.$$eval('#red-ui-palette-container-CDR .red-ui-palette-node', (els) => els.map((e) => e.getAttribute('data-palette-type')));
    assert.deepEqual([...listed].sort(), [...inPalette].sort());
    // Node-RED lists a category's nodes in the order they register: package.json's
    // node-red.nodes order. It follows the flow: sources, cdr-normalize, cdr-calc, the rest.
    assert.deepEqual(listed, inPalette, 'the palette lists the nodes in package.json order');
    const stage = (t) => (/-cdr-in$/.test(t) ? 0 : t === 'cdr-normalize' ? 1 : t === 'cdr-calc' ? 2 : 3);
    assert.deepEqual(listed.map(stage), listed.map(stage).sort((a, b) => a - b), `sources, then cdr-normalize, then cdr-calc: ${listed.join(', ')}`);
    const colours = await page.$$eval('#red-ui-palette-container-CDR .red-ui-palette-node', (els) => [...new Set(els.map((e) => getComputedStyle(e).backgroundColor))]);
    assert.deepEqual(colours, ['rgb(135, 198, 232)'], 'one colour for the CDR palette: #87C6E8');
    await page.locator('#red-ui-palette-CDR').screenshot({ path: path.join(shots, 'palette.png') });
    for (const type of inPalette) assert.ok(await page.locator(`#red-ui-palette-container-CDR .red-ui-palette-node[data-palette-type="${type}"]`).isVisible(), `${type} visible`);
    const categories = await page.evaluate((all) => all.map((t) => RED.nodes.getType(t).category), configTypes);
    for (const c of categories) assert.equal(c, 'config');
  });

  it('drops each node from the palette onto the workspace', async () => {
    const chart = await page.locator('#red-ui-workspace-chart').boundingBox();
    let y = chart.y + 60;
    for (const type of inPalette) {
      const before = await page.evaluate((t) => RED.nodes.filterNodes({ type: t }).length, type);
      const item = page.locator(`#red-ui-palette-container-CDR .red-ui-palette-node[data-palette-type="${type}"]`);
      await item.scrollIntoViewIfNeeded();
      const box = await item.boundingBox();
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.down();
      await page.mouse.move(chart.x + 150, y, { steps: 8 });
      await page.mouse.move(chart.x + 160, y, { steps: 2 });
      await page.mouse.up();
      await page.waitForFunction(([t, n]) => RED.nodes.filterNodes({ type: t }).length === n + 1, [type, before], { timeout: 5000 });
      y += 50;
    }
  });

  for (const type of inPalette) {
    it(`${type}: the edit dialog opens, rejects bad input, saves good input; help shows in the sidebar`, async () => {
      const nodes = exampleInstance(type, examples, 'dialog');
      assert.ok(nodes, `no example uses ${type}`);
      const id = nodes[0].id;
      await page.evaluate((ns) => {
        RED.view.importNodes(ns, { generateIds: false, addFlow: false });
      }, nodes);
      // Imported nodes follow the mouse until placed: a click drops them.
      const spot = await nextSpot();
      await page.mouse.move(spot.x, spot.y);
      await page.mouse.click(spot.x, spot.y);
      const node = page.locator(`g.red-ui-flow-node-group[id="${id}"]`);
      await node.waitFor({ state: 'visible', timeout: 5000 });
      const first = await validity(id);
      assert.equal(first.valid, true, `the example instance is valid: ${first.errors}`);

      await editDialog(node, 'node-input');
      await dialogScreenshot(type);
      const rejected = await probeBadInput(type, id, 'node-input');

      if (rejected.length === 0) {
        // Nothing to reject: the dialog still opens, saves and shows its help.
        await page.click('#node-dialog-ok');
        await page.locator('#node-dialog-ok').waitFor({ state: 'detached', timeout: 15000 });
        await showsHelp(type, node);
        return;
      }
      // Save bad input: the node turns invalid and shows the warning badge.
      const bad = rejected[0];
      await setField(bad.input, bad.value, bad.kind);
      await page.click('#node-dialog-ok');
      await page.locator('#node-dialog-ok').waitFor({ state: 'detached', timeout: 15000 });
      assert.equal(await page.evaluate((i) => RED.nodes.node(i).valid, id), false, `${type} invalid after saving ${bad.prop}=${JSON.stringify(bad.value)}`);
      // The badge is drawn on the redraw after the dialog closes: wait for it (a busy machine is slower).
      await node.locator('.red-ui-flow-node-error').waitFor({ state: 'visible', timeout: 5000 });

      // Put the good value back and a new name: saved, valid, badge gone.
      await editDialog(node, 'node-input');
      await setField(bad.input, bad.original, bad.kind);
      const named = (await page.locator('#node-input-name').count()) > 0;
      if (named) await setField('#node-input-name', 'edited in the browser', 'text');
      await page.click('#node-dialog-ok');
      await page.locator('#node-dialog-ok').waitFor({ state: 'detached', timeout: 15000 });
      // Done validates the node before its tray starts to close: the result is there now.
      const saved = await page.evaluate(
        ([i, p]) => ({ valid: RED.nodes.node(i).valid, errors: (RED.nodes.node(i).validationErrors || []).join(', '), name: RED.nodes.node(i).name, value: RED.nodes.node(i)[p] }),
        [id, bad.prop],
      );
      assert.equal(saved.valid, true, `${type} valid again (${bad.prop} put back to ${JSON.stringify(bad.original)}, saved ${JSON.stringify(saved.value)}): ${saved.errors}`);
      if (named) assert.equal(saved.name, 'edited in the browser');
      assert.equal(String(saved.value), String(bad.original));
      await node.locator('.red-ui-flow-node-error').waitFor({ state: 'hidden', timeout: 5000 });

      await showsHelp(type, node);
    });
  }

  // Places a copy of the example's `type` node and opens its dialog; returns its locator.
  async function openExample(type, tag) {
    const nodes = exampleInstance(type, examples, tag);
    await page.evaluate((ns) => RED.view.importNodes(ns, { generateIds: false, addFlow: false }), nodes);
    const spot = await nextSpot();
    await page.mouse.move(spot.x, spot.y);
    await page.mouse.click(spot.x, spot.y);
    const node = page.locator(`g.red-ui-flow-node-group[id="${nodes[0].id}"]`);
    await node.waitFor({ state: 'visible', timeout: 5000 });
    await editDialog(node, 'node-input');
    return node;
  }

  // Cancels the open dialog and waits until its tray has slid away (a double
  // click while it still moves opens nothing).
  async function cancelDialog() {
    await page.click('#node-dialog-cancel');
    await page.locator('#node-dialog-cancel').waitFor({ state: 'detached', timeout: 15000 });
    await page.waitForFunction(() => !document.querySelector('.red-ui-tray'), null, { timeout: 15000 });
  }

  it('cdr-calc: the rate table is checked line by line as it is typed, the message naming the line', async () => {
    await openExample('cdr-calc', 'rates');
    const error = page.locator('#node-input-rates-error');
    await page.click('#node-input-rates-editor');
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    // Inserted, not typed key by key: an Enter could accept the editor's word suggestion instead of ending the line.
    await page.keyboard.insertText('# prefix,description,ratePerMinute\n44,UK,0.05\n33,France,abc');
    await error.waitFor({ state: 'visible', timeout: 5000 });
    assert.match(await error.textContent(), /line 3: ratePerMinute "abc" must be a number/);
    assert.ok(await page.locator('#node-input-rates-editor.input-error').isVisible(), 'the editor is marked red');
    await hideNotifications();
    await page.locator('.red-ui-tray').last().screenshot({ path: path.join(shots, 'cdr-calc-rate-error.png') });
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Backspace');
    await page.keyboard.type('0.07');
    await error.waitFor({ state: 'hidden', timeout: 5000 });
    // A prefix written twice is the runtime's error too, with both lines.
    await page.keyboard.type('\n44,UK mobile,0.09');
    await error.waitFor({ state: 'visible', timeout: 5000 });
    assert.match(await error.textContent(), /line 4: prefix 44 appears twice \(first on line 2\)/);
    await cancelDialog();
  });

  it('ucm-cdr-in: each setting shows only with the delivery it applies to (credentials with HTTP(S), not TCP)', async () => {
    await openExample('ucm-cdr-in', 'rows');
    const shown = () =>
      page.evaluate(() => ['username', 'password', 'path', 'useTls', 'idleTimeoutSec', 'tls', 'port'].filter((p) => $(`#node-input-${p}`).is(':visible')));
    await setField('#node-input-transport', 'tcp', 'select');
    assert.deepEqual(await shown(), ['useTls', 'idleTimeoutSec', 'port']);
    await setField('#node-input-transport', 'http', 'select');
    assert.deepEqual(await shown(), ['username', 'password', 'path', 'port']);
    await setField('#node-input-transport', 'https', 'select');
    assert.deepEqual(await shown(), ['username', 'password', 'path', 'tls', 'port']);
    await cancelDialog();
  });

  for (const type of configTypes) {
    it(`${type} (config node): the edit dialog opens, rejects bad input, saves good input; help shows in the sidebar`, async () => {
      let nodes = null;
      for (const { flow } of examples) {
        const user = flow.find((n) => n.z && Object.values(n).some((v) => flow.some((c) => c.id === v && c.type === type)));
        if (user) nodes = exampleInstance(user.type, [{ flow }], 'config');
        if (nodes) break;
      }
      assert.ok(nodes, `no example uses a ${type} config node`);
      const config = nodes.find((n) => n.type === type);
      await page.evaluate((ns) => RED.view.importNodes(ns, { generateIds: false, addFlow: false }), nodes);
      const spot = await nextSpot();
      await page.mouse.move(spot.x, spot.y);
      await page.mouse.click(spot.x, spot.y);
      const user = page.locator(`g.red-ui-flow-node-group[id="${nodes[0].id}"]`);
      await user.waitFor({ state: 'visible', timeout: 5000 });
      const first = await validity(config.id);
      assert.equal(first.valid, true, `the example config node is valid: ${first.errors}`);

      // As a user does: open the node that uses it, then the pencil beside the config field.
      await editDialog(user, 'node-input');
      const prop = Object.keys(nodes[0]).find((k) => nodes[0][k] === config.id);
      await page.click(`#node-input-btn-${prop}-edit, #node-input-lookup-${prop}`);
      await dialogReady(page, 'node-config-dialog-ok');
      await dialogScreenshot(type);
      const rejected = await probeBadInput(type, config.id, 'node-config-input');
      const bad = rejected[0];
      await setField(bad.input, bad.value, bad.kind);
      await page.click('#node-config-dialog-ok');
      await page.locator('#node-config-dialog-ok').waitFor({ state: 'detached', timeout: 15000 });
      assert.equal(await page.evaluate((i) => RED.nodes.node(i).valid, config.id), false, `${type} invalid after saving ${bad.prop}=${JSON.stringify(bad.value)}`);
      await page.click(`#node-input-btn-${prop}-edit, #node-input-lookup-${prop}`);
      await dialogReady(page, 'node-config-dialog-ok');
      await setField(bad.input, bad.original, bad.kind);
      await page.click('#node-config-dialog-ok');
      await page.locator('#node-config-dialog-ok').waitFor({ state: 'detached', timeout: 15000 });
      assert.equal(await page.evaluate((i) => RED.nodes.node(i).valid, config.id), true, `${type} valid again`);
      await page.click('#node-dialog-cancel');
      await page.locator('#node-dialog-cancel').waitFor({ state: 'detached', timeout: 15000 });
      await showsHelp(type, null);
    });
  }

  it('names what each node type requires at runtime (RUNTIME_REQUIRED covers the package)', () => {
    assert.deepEqual(Object.keys(RUNTIME_REQUIRED).sort(), types.map((t) => t.type).sort());
  });

  // A node saved by an older version lacks every setting added since: where the
  // runtime has a default for it, the node imports valid and its dialog shows
  // that default; where the runtime requires it, leaving it out is invalid.
  for (const { type, config } of types) {
    it(`${type}: a node with only what the runtime requires imports valid${config ? '' : ', and its dialog shows the defaults'}`, async () => {
      const nodes = minimalNodes(type, 'old');
      const id = nodes[0].id;
      await importPlaced(nodes, !config);
      const first = await validity(id);
      assert.equal(first.valid, true, `${type} ${JSON.stringify(nodes[0])} is valid: ${first.errors}`);
      for (const n of nodes.slice(1)) assert.equal((await validity(n.id)).valid, true, `${n.type} ${JSON.stringify(n)} is valid`);
      if (config) return;
      const node = page.locator(`g.red-ui-flow-node-group[id="${id}"]`);
      assert.ok(!(await node.locator('.red-ui-flow-node-error').isVisible()), `${type}: no invalid badge`);

      // The dialog: nothing marked invalid, every choice shows a value (the runtime's default).
      await editDialog(node, 'node-input');
      const shown = await page.evaluate((t) => {
        const def = RED.nodes.getType(t);
        const out = { marked: [], emptySelects: [], emptyNumbers: [] };
        for (const prop of Object.keys(def.defaults)) {
          const el = document.getElementById(`node-input-${prop}`);
          if (!el) continue;
          if (el.classList.contains('input-error') || (el.nextElementSibling && el.nextElementSibling.classList.contains('input-error'))) out.marked.push(prop);
          if (el.tagName === 'SELECT' && !def.defaults[prop].type && !el.value) out.emptySelects.push(prop);
          // Every numeric setting of the package has a runtime default (limits, timeouts, decimals).
          if (el.tagName === 'INPUT' && typeof def.defaults[prop].value === 'number' && el.value.trim() === '') out.emptyNumbers.push(prop);
        }
        return out;
      }, type);
      assert.deepEqual(shown.marked, [], `${type}: fields marked invalid in the dialog of an older node`);
      assert.deepEqual(shown.emptySelects, [], `${type}: choices shown blank instead of the runtime's default`);
      assert.deepEqual(shown.emptyNumbers, [], `${type}: numbers shown blank instead of the runtime's default`);
      // Saved untouched, it stays valid (a default shown wrongly, e.g. a listener left off, would not).
      await page.click('#node-dialog-ok');
      await page.locator('#node-dialog-ok').waitFor({ state: 'detached', timeout: 15000 });
      const saved = await validity(id);
      assert.equal(saved.valid, true, `${type}: valid after saving the dialog unchanged: ${saved.errors}`);
    });

    for (const prop of Object.keys(RUNTIME_REQUIRED[type])) {
      it(`${type}: without ${prop} (required at runtime, no default) it imports invalid`, async () => {
        const nodes = minimalNodes(type, `no-${prop}`, prop);
        const id = nodes[0].id;
        await importPlaced(nodes, !config);
        const v = await validity(id);
        assert.equal(v.valid, false, `${type} ${JSON.stringify(nodes[0])} is invalid`);
        const label = await page.evaluate(([t, p]) => RED.nodes.getType(t)._(`${t}.label.${p}`), [type, prop]);
        assert.ok(new RegExp(`\\b(${prop}|${label})\\b`).test(v.errors), `${type}: the error names ${prop} or its label "${label}": ${v.errors}`);
        if (!config) assert.ok(await page.locator(`g.red-ui-flow-node-group[id="${id}"] .red-ui-flow-node-error`).isVisible(), 'invalid badge on the node');
      });
    }
  }

  // Imports `nodes` (fresh ids) onto the open flow, as saved there (with its z),
  // dropping the flow nodes on a free spot.
  async function importPlaced(nodes, place) {
    // Before the first flow tab exists a z would name no flow: wait for it.
    await page.waitForFunction(() => !!RED.nodes.workspace(RED.workspaces.active()), null, { timeout: 5000 });
    await page.evaluate((ns) => {
      const z = RED.workspaces.active();
      RED.view.importNodes(
        ns.map((n) => (n.wires ? { ...n, z } : n)),
        { generateIds: false, addFlow: false },
      );
    }, nodes);
    if (!place) return;
    const spot = await nextSpot();
    await page.mouse.move(spot.x, spot.y);
    await page.mouse.click(spot.x, spot.y);
    await page.locator(`g.red-ui-flow-node-group[id="${nodes[0].id}"]`).waitFor({ state: 'visible', timeout: 5000 });
  }

  for (const { name, flow } of examples) {
    it(`imports the example "${name}" through Import ▸ Examples with no unknown type and no invalid node`, async () => {
      await importAndCheck(name, flow, async () => {
        const tabId = 'red-ui-clipboard-dialog-import-tab-examples';
        await page.click('#red-ui-clipboard-dialog-import-tabs a:has-text("Examples")');
        const tab = page.locator(`#${tabId}`);
        const folder = tab.locator('.red-ui-treeList-label', { hasText: pkg.name }).first();
        await folder.waitFor({ timeout: 30000 });
        await treeSettled(tabId);
        await folder.click();
        const file = new RegExp(`^\\s*${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
        await tab.locator('.red-ui-treeList-label', { hasText: file }).first().waitFor({ timeout: 30000 });
        await treeSettled(tabId);
        await tab.locator('.red-ui-treeList-label', { hasText: file }).first().click();
        // Import is enabled by the tree's selection of a file (a folder disables it): the file is the selection now.
        await tab.locator('.red-ui-treeList-label.selected', { hasText: file }).waitFor({ timeout: 5000 });
      });
    });
  }

  // The flow `npm start` deploys: a new user's first sight of the package.
  const demoFile = path.join(root, 'scripts', 'demo-flow.json');
  if (fs.existsSync(demoFile)) {
    it('imports the `npm start` demo flow (pasted into Import ▸ Clipboard) with no unknown type and no invalid node', async () => {
      const text = fs.readFileSync(demoFile, 'utf8');
      await importAndCheck('npm-start-demo', JSON.parse(text), async () => {
        await page.fill('#red-ui-clipboard-dialog-import-text', text);
        await page.dispatchEvent('#red-ui-clipboard-dialog-import-text', 'keyup');
        await page.locator('#red-ui-clipboard-dialog-ok:not(.disabled):not([disabled])').waitFor({ timeout: 5000 });
      });
    });
  }

  // Opens Menu ▸ Import, lets `choose` pick the flow, imports it, checks every
  // node is of a known type and valid, then undoes the import.
  async function importAndCheck(name, flow, choose) {
    const count = () =>
      page.evaluate(() => {
        let n = 0;
        RED.nodes.eachNode(() => n++);
        RED.nodes.eachConfig(() => n++);
        return n + RED.nodes.getWorkspaceOrder().length;
      });
    const before = await count();
    await page.click('#red-ui-header-button-sidemenu');
    await page.click('#menu-item-import');
    await page.locator('#red-ui-clipboard-dialog-import-tabs').waitFor({ state: 'visible', timeout: 5000 });
    await choose();
    // Import is enabled as the flow is picked (the dialog fetches it only when Import is clicked).
    await page
      .locator('#red-ui-clipboard-dialog-ok:not(.disabled):not([disabled])')
      .waitFor({ timeout: 30000 })
      .catch(async (err) => {
        throw new Error(`${name}: Import not enabled (${err.message.split('\n')[0]}); the dialog: ${JSON.stringify(await importDialogState())}`);
      });
    await page.click('#red-ui-clipboard-dialog-ok');
    await page.locator('#red-ui-clipboard-dialog-ok').waitFor({ state: 'hidden', timeout: 5000 });
    // Flows without a tab of their own follow the mouse until dropped, once
    // fetched: a click before they arrive (a slow runtime) drops nothing and
    // leaves them on the mouse for the tests after this one.
    const ids = flow.map((n) => n.id);
    if (!flow.some((n) => n.type === 'tab')) {
      await page.waitForFunction((all) => all.every((i) => RED.nodes.node(i)) && RED.view.state() === RED.state.IMPORT_DRAGGING, ids, { timeout: 30000 });
      const chart = await page.locator('#red-ui-workspace-chart').boundingBox();
      await page.mouse.move(chart.x + 300, chart.y + 450);
      await page.mouse.click(chart.x + 300, chart.y + 450);
      await page.waitForFunction(() => RED.view.state() === RED.state.DEFAULT, null, { timeout: 5000 });
    }
    await page.waitForFunction((all) => all.every((i) => RED.nodes.node(i) || RED.nodes.workspace(i) || RED.nodes.group(i) || RED.nodes.junction?.(i)), ids, { timeout: 5000 });
    const unknown = await page.evaluate((all) => {
      const out = [];
      for (const i of all) {
        const n = RED.nodes.node(i);
        if (n && (!RED.nodes.getType(n.type) || (n._def && n._def === RED.nodes.getType('unknown')))) out.push(n.type);
      }
      return out;
    }, ids);
    assert.deepEqual(unknown, [], `${name}: unknown types ${unknown.join(', ')} (a module the flow needs is not installed)`);
    // And it imports ready to deploy: no node shows the invalid badge.
    const invalid = await page.evaluate((all) => {
      const out = [];
      for (const i of all) {
        const n = RED.nodes.node(i);
        if (n && n.valid === false) out.push(`${n.type} ${n.name || n.id}: ${(n.validationErrors || []).join(', ')}`);
      }
      return out;
    }, ids);
    assert.deepEqual(invalid, [], `${name}: imported invalid nodes`);
    const tab = flow.find((n) => n.type === 'tab');
    if (tab) await page.evaluate((i) => RED.workspaces.show(i), tab.id);
    // The flow as a user sees it with the palette and sidebar folded away: the whole width.
    await page.evaluate(() => ['menu-item-palette', 'menu-item-sidebar'].forEach((m) => RED.menu.setSelected(m, false)));
    await hideNotifications();
    await page.waitForFunction(() => {
      const r = document.getElementById('red-ui-workspace').getBoundingClientRect();
      return r.left < 10 && r.right > window.innerWidth - 10;
    }, null, { timeout: 5000 });
    await page.screenshot({ path: path.join(shots, `example-${name}.png`), clip: { x: 0, y: 0, width: 1280, height: 560 } });
    await page.evaluate(() => ['menu-item-palette', 'menu-item-sidebar'].forEach((m) => RED.menu.setSelected(m, true)));
    // Undo the import, so the next flow starts from the same workspace.
    await page.evaluate(() => RED.history.pop());
    assert.equal(await count(), before, 'undo removed the imported flow');
  }

  it('raised no script error in the editor', async () => {
    // Notifications still showing close on timers that may fire after the
    // suite: close them now (the import one, too, which each import reuses), so
    // a close that fails (issue 16) fails here on any machine, not on a slow one.
    await page.evaluate(
      () =>
        new Promise((resolve) => {
          const open = new Set([...document.querySelectorAll('.red-ui-notification'), RED.notify(' ', { id: 'clipboard' })]);
          for (const n of open) {
            clearTimeout(n.timeoutid);
            n.close();
          }
          // Resolves once every slide-up and its completion callback have run.
          $.when(...[...open].map((n) => $(n).promise())).then(() => resolve());
        }),
    );
    assert.deepEqual(pageErrors, []);
  });

  // A folder opens by fetching its list, then sliding it down (jQuery, about
  // 0.6 s). A click while a list still slides lands where the rows were when
  // it was aimed: on a busy machine the pointer went down on the file and came
  // up on another row, so the click reached no row and the folder stayed the
  // selection (Import disabled; issue 16). Click once the tree stands still.
  async function treeSettled(tabId) {
    await page.waitForFunction(
      (id) => {
        const tab = document.getElementById(id);
        return !!tab && $(tab).find(':animated').length === 0 && tab.querySelectorAll('.red-ui-treeList-spinner').length === 0;
      },
      tabId,
      { timeout: 30000 },
    );
  }

  // What a failed pick left in the import dialog: the tab shown, the tree's
  // selection there, the Import button, the editor's mouse mode.
  async function importDialogState() {
    return page
      .evaluate(() => {
        const tab = [...document.querySelectorAll('#red-ui-clipboard-dialog-import-tabs-content > div')].find((d) => d.offsetParent !== null);
        const ok = document.getElementById('red-ui-clipboard-dialog-ok');
        return {
          tab: tab ? tab.id : null,
          selected: tab ? [...tab.querySelectorAll('.red-ui-treeList-label.selected')].map((l) => l.textContent.trim()) : [],
          loading: tab ? tab.querySelectorAll('.red-ui-treeList-spinner').length : 0,
          ok: ok ? { shown: ok.offsetParent !== null, disabled: ok.disabled } : null,
          viewState: RED.view.state(),
        };
      })
      .catch((err) => ({ unreadable: err.message }));
  }

  // Where the next imported node goes: a free row right of the palette drops,
  // so no node hides another when it is double-clicked.
  let placed = 0;
  async function nextSpot() {
    const chart = await page.locator('#red-ui-workspace-chart').boundingBox();
    const row = placed++;
    return { x: chart.x + 420 + (row % 2) * 200, y: chart.y + 60 + Math.floor(row / 2) * 60 };
  }

  async function validity(id) {
    return page.evaluate((i) => {
      const n = RED.nodes.node(i);
      return { valid: n.valid, errors: (n.validationErrors || []).join(', ') };
    }, id);
  }

  // Opens `node`'s dialog as a user does, and waits until it takes input (./editor-page.js says why both steps are needed).
  async function editDialog(node, prefix) {
    await openByDoubleClick(page, node);
    await dialogReady(page, prefix === 'node-input' ? 'node-dialog-ok' : 'node-config-dialog-ok');
  }

  // Notifications out of a screenshot. Hidden, never removed: Node-RED closes
  // each one itself later (a timer, or the next import updating the same one)
  // and its close removes the element from its parent, so one taken out of the
  // page under it raised "Cannot read properties of null (reading 'removeChild')"
  // whenever that timer fired before the suite ended (issue 16).
  async function hideNotifications() {
    await page.evaluate(() => document.querySelectorAll('.red-ui-notification').forEach((n) => (n.style.visibility = 'hidden')));
  }

  // The dialog alone (the top tray), for the README; notifications hidden first.
  async function dialogScreenshot(type) {
    await hideNotifications();
    await page.locator('.red-ui-tray').last().screenshot({ path: path.join(shots, `${type}.png`) });
  }

  async function setField(selector, value, kind) {
    if (kind === 'select') await page.selectOption(selector, value);
    else await page.fill(selector, String(value));
    await page.dispatchEvent(selector, 'change');
  }

  async function marked(selector) {
    return page.$eval(selector, (el) => el.classList.contains('input-error') || !!(el.nextElementSibling && el.nextElementSibling.classList.contains('input-error')));
  }

  // Marked red, and with the validator's message in the field's tooltip.
  async function rejectedWithMessage(type, f, value) {
    if (!(await marked(f.input))) return false;
    const tooltip = await page.evaluate((sel) => !!$(sel).data('tooltip'), f.input);
    assert.ok(tooltip, `${type}.${f.prop}: ${JSON.stringify(value)} is marked red with a message`);
    return true;
  }

  // Feeds bad values into the open dialog's fields; returns the ones it
  // marked invalid, each field put back (and unmarked) afterwards. Ports must
  // refuse 70000, -1, abc and 0, and required config nodes must refuse "none".
  async function probeBadInput(type, id, prefix) {
    const fields = await page.evaluate(
      ([t, i, pfx]) => {
        const def = RED.nodes.getType(t);
        const node = RED.nodes.node(i);
        return Object.keys(def.defaults).map((prop) => {
          const d = def.defaults[prop];
          const el = document.getElementById(`${pfx}-${prop}`);
          const configType = d.type && RED.nodes.getType(d.type) && RED.nodes.getType(d.type).category === 'config' ? d.type : null;
          return {
            prop,
            input: `#${pfx}-${prop}`,
            present: !!el,
            visible: !!el && el.offsetParent !== null && getComputedStyle(el).visibility !== 'hidden',
            kind: el && el.tagName === 'SELECT' ? 'select' : el && el.tagName === 'INPUT' && (el.type === 'text' || el.type === 'password' || el.type === '') ? 'text' : el && el.tagName === 'TEXTAREA' ? 'text' : 'other',
            validated: typeof d.validate === 'function' || d.required === true,
            required: d.required === true,
            configType,
            original: el ? el.value : node[prop],
          };
        });
      },
      [type, id, prefix],
    );
    const rejected = [];
    const preMarked = [];
    for (const f of fields) if (f.present && (await marked(f.input))) preMarked.push(f.prop);
    assert.deepEqual(preMarked, [], `${type}: fields marked invalid before any edit`);

    for (const f of fields.filter((x) => x.visible && x.configType && x.required)) {
      await setField(f.input, '_ADD_', 'select');
      assert.ok(await rejectedWithMessage(type, f, '_ADD_'), `${type}.${f.prop}: a missing ${f.configType} is marked invalid`);
      rejected.push({ ...f, value: '_ADD_' });
      await setField(f.input, f.original, 'select');
      assert.ok(!(await marked(f.input)), `${type}.${f.prop}: the ${f.configType} put back is valid`);
    }
    for (const f of fields.filter((x) => x.visible && x.kind === 'text' && /port$/i.test(x.prop))) {
      // 0 ("any free port") is for flow files and tests, not something a sender can be given.
      for (const value of ['70000', '-1', 'abc', '0']) {
        await setField(f.input, value, 'text');
        assert.ok(await rejectedWithMessage(type, f, value), `${type}.${f.prop}: port ${value} is marked invalid`);
        rejected.push({ ...f, value });
      }
      await setField(f.input, f.original, 'text');
      assert.ok(!(await marked(f.input)), `${type}.${f.prop}: port ${f.original} is valid`);
    }
    for (const f of fields.filter((x) => x.visible && x.validated && x.kind === 'text' && !/port$/i.test(x.prop) && !x.configType)) {
      for (const value of BAD_VALUES) {
        if (value === f.original) continue;
        await setField(f.input, value, 'text');
        if (await rejectedWithMessage(type, f, value)) rejected.push({ ...f, value });
      }
      await setField(f.input, f.original, 'text');
      assert.ok(!(await marked(f.input)), `${type}.${f.prop}: ${JSON.stringify(f.original)} put back is valid`);
    }
    // A dialog with nothing to check (cdr-ack has only a name) has nothing to reject.
    if (!fields.some((x) => x.validated)) return rejected;
    assert.ok(rejected.length > 0, `${type}: no field of the dialog rejected any bad value`);
    await showsMessages(type, rejected);
    return rejected;
  }

  // A user hovering over a red field reads why (Node-RED 4 shows a
  // validator's text in the field's tooltip); every other rejected value was
  // checked for its message as it was probed.
  async function showsMessages(type, rejected) {
    const bad = rejected[0];
    await setField(bad.input, bad.value, bad.configType ? 'select' : 'text');
    await page.mouse.move(0, 0);
    await page.hover(bad.input);
    const tip = page.locator('.red-ui-popover-content:visible').last();
    await tip.waitFor({ state: 'visible', timeout: 10000 });
    const text = (await tip.textContent()).trim();
    assert.ok(text.length > 3 && text !== bad.prop, `${type}.${bad.prop}: the message on hover says why (${JSON.stringify(text)})`);
    await page.mouse.move(0, 0);
    await setField(bad.input, bad.original, bad.configType ? 'select' : 'text');
  }

  async function showsHelp(type, node) {
    if (node) await node.locator('.red-ui-flow-node').first().click();
    await page.evaluate((t) => {
      RED.sidebar.show('help');
      if (!RED.view.selection().nodes) RED.sidebar.help.show(t);
    }, type);
    if (!node) await page.evaluate((t) => RED.sidebar.help.show(t), type);
    const help = page.locator('.red-ui-sidebar-help-stack .red-ui-help').first();
    await help.waitFor({ state: 'visible', timeout: 5000 });
    const expected = await page.evaluate((t) => {
      const div = document.createElement('div');
      div.innerHTML = RED.nodes.getNodeHelp(t) || '';
      const p = div.querySelector('p');
      return { intro: p ? p.textContent.replace(/\s+/g, ' ').trim().slice(0, 60) : '', headings: [...div.querySelectorAll('h3')].map((h) => h.textContent.trim()) };
    }, type);
    assert.ok(expected.intro, `${type}: help has an intro paragraph`);
    assert.ok(expected.headings.length > 0, `${type}: help has sections`);
    await page.waitForFunction(
      (want) => {
        const el = document.querySelector('.red-ui-sidebar-help-stack .red-ui-help');
        return el && el.textContent.replace(/\s+/g, ' ').includes(want);
      },
      expected.intro,
      { timeout: 5000 },
    );
  }
});

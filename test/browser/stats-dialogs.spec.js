'use strict';
// The edit dialogs of cdr-stats and cdr-alert as a user meets them: Debian's
// chromium (playwright-core) against a real Node-RED started like `npm start`.
// Each dialog opens on a node of an example, shows its lists (keys, KPI
// thresholds), marks bad values with the message of its validator (shown on
// hover), saves good ones into the node, and the help shows in the sidebar.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startEditor } = require('./red-editor');
const { requireChromium, openChromium } = require('./chromium');
const { editorReady, openByDoubleClick, dialogReady, cancelOpenDialogs } = require('./editor-page');

const root = path.resolve(__dirname, '..', '..');
const shots = path.join(root, 'test-artifacts', 'screenshots');
const example = (name) => JSON.parse(fs.readFileSync(path.join(root, 'examples', `${name}.json`), 'utf8'));

describe('cdr-stats and cdr-alert dialogs in a real browser (chromium)', function () {
  this.timeout(60000);
  let editor;
  let browser;
  let page;
  let pageErrors = [];

  before(async function () {
    requireChromium(this);
    fs.mkdirSync(shots, { recursive: true });
    editor = await startEditor();
    browser = await openChromium({ width: 1280, height: 1024 });
    ({ page, pageErrors } = browser);
    await page.goto(editor.url);
    await editorReady(page, ['cdr-stats', 'cdr-alert']);
  });

  after(async () => {
    if (browser) await browser.close();
    if (editor) await editor.stop();
  });

  afterEach(async function () {
    if (this.currentTest.state === 'failed' && page) await page.screenshot({ path: path.join(shots, `FAILED-stats-dialogs-${this.currentTest.title.replace(/[^\w.-]+/g, '_').slice(0, 60)}.png`) }).catch(() => {});
    // A failed test may leave a dialog open: cancel it so the next one starts clean.
    if (page) await cancelOpenDialogs(page);
  });

  /** Imports node `name` of example `file` under a fresh id, drops it on the workspace, and returns its id and locator. */
  let placed = 0;
  async function place(file, type, name) {
    const node = example(file).find((n) => n.type === type && n.name === name);
    const id = `${node.id}-dlg${placed}`;
    const copy = { ...node, id, wires: node.wires.map(() => []) };
    await page.evaluate((n) => RED.view.importNodes([{ ...n, z: RED.workspaces.active() }], { generateIds: false, addFlow: false }), copy);
    const chart = await page.locator('#red-ui-workspace-chart').boundingBox();
    const spot = { x: chart.x + 300 + (placed % 2) * 250, y: chart.y + 80 + Math.floor(placed / 2) * 80 };
    placed++;
    await page.mouse.move(spot.x, spot.y);
    await page.mouse.click(spot.x, spot.y);
    const locator = page.locator(`g.red-ui-flow-node-group[id="${id}"]`);
    await locator.waitFor({ state: 'visible', timeout: 5000 });
    assert.equal(await page.evaluate((i) => RED.nodes.node(i).valid, id), true, `${type} "${name}" imports valid`);
    return { id, locator, node };
  }

  // As a user opens it, and until it takes input (./editor-page.js says why both steps are needed).
  async function open(locator) {
    await openByDoubleClick(page, locator);
    await dialogReady(page, 'node-dialog-ok');
  }

  async function save() {
    await page.click('#node-dialog-ok');
    await page.locator('#node-dialog-ok').waitFor({ state: 'detached', timeout: 5000 });
  }

  /**
   * Types `value` into `selector` of the open dialog of node `id`; returns the
   * validator's message shown on hover, or null when the field is valid. Waits
   * for the field's mark to agree with what its validator says of the value.
   */
  async function typeInto(id, selector, value) {
    await page.fill(selector, value);
    await page.dispatchEvent(selector, 'change');
    const verdict = await page.evaluate(([i, sel, v]) => {
      const n = RED.nodes.node(i);
      const d = RED.nodes.getType(n.type).defaults[sel.replace('#node-input-', '')];
      return d.validate ? d.validate.call(n, v) : true;
    }, [id, selector, value]);
    await page.waitForFunction(([sel, bad]) => document.querySelector(sel).classList.contains('input-error') === bad, [selector, verdict !== true], { timeout: 5000 });
    if (verdict === true) return null;
    await page.hover(selector);
    // The tooltip Node-RED puts on the red field, with the validator's message.
    const tip = page.locator('.red-ui-popover:visible', { hasText: verdict }).first();
    await tip.waitFor({ state: 'visible', timeout: 5000 });
    const text = (await tip.textContent()).trim();
    await page.mouse.move(5, 5);
    return text;
  }

  async function helpShows(type, text) {
    await page.evaluate((t) => {
      RED.sidebar.show('help');
      RED.sidebar.help.show(t);
    }, type);
    await page.waitForFunction((want) => {
      const el = document.querySelector('.red-ui-sidebar-help-stack .red-ui-help');
      return el && el.textContent.replace(/\s+/g, ' ').includes(want);
    }, text, { timeout: 5000 });
  }

  it('cdr-stats: lists its keys as typed inputs, changes one, rejects a window it cannot keep with a message, saves', async () => {
    const { id, locator, node } = await place('cdr-dashboard', 'cdr-stats', 'per trunk, last 15 min');
    await open(locator);
    await page.locator('.red-ui-tray').last().screenshot({ path: path.join(shots, 'stats-dialog-cdr-stats.png') });
    const rows = page.locator('#node-input-keys-list > li');
    assert.equal(await rows.count(), JSON.parse(node.keys).length, 'one row per key');
    assert.deepEqual(await page.evaluate(() => $('#node-input-keys-list').editableList('items').get().map((li) => { const i = $(li).find('input').first(); return [i.typedInput('type'), i.typedInput('value')]; })), [['field', 'trunk']]);
    // Another field in the key's typed input (as picked from its list).
    const picked = await page.evaluate(() => {
      const input = $($('#node-input-keys-list').editableList('items').get()[0]).find('input').first();
      input.typedInput('value', 'vendor');
      return [input.typedInput('type'), input.typedInput('value')];
    });
    assert.deepEqual(picked, ['field', 'vendor']);

    assert.equal(await typeInto(id, '#node-input-windows', 'tumbling 7h'), '"tumbling 7h": tumbling minutes must divide 60, hours divide 24, days be 1d');
    assert.match(await typeInto(id, '#node-input-windows', 'every hour'), /write windows like sliding 15m, tumbling 1h, tumbling 1d/);
    assert.equal(await typeInto(id, '#node-input-maxKeys', '0'), 'a whole number from 1 to 1000000');
    assert.equal(await typeInto(id, '#node-input-timeZone', 'not a zone ¤'), 'an IANA time zone such as Europe/Berlin, or blank for the host\'s');
    assert.equal(await typeInto(id, '#node-input-maxKeys', '500'), null);
    assert.equal(await typeInto(id, '#node-input-timeZone', 'Europe/Berlin'), null);
    assert.equal(await typeInto(id, '#node-input-windows', 'sliding 15m, tumbling 1h'), null);
    await save();
    const saved = await page.evaluate((i) => { const n = RED.nodes.node(i); return { valid: n.valid, keys: JSON.parse(n.keys), windows: n.windows, maxKeys: n.maxKeys, timeZone: n.timeZone }; }, id);
    assert.deepEqual(saved, { valid: true, keys: [{ t: 'field', v: 'vendor' }], windows: 'sliding 15m, tumbling 1h', maxKeys: '500', timeZone: 'Europe/Berlin' });

    // A bad window saved: the node is marked invalid (the runtime would refuse it too).
    await open(locator);
    await typeInto(id, '#node-input-windows', 'tumbling 7h');
    await save();
    assert.equal(await page.evaluate((i) => RED.nodes.node(i).valid, id), false);
    await locator.locator('.red-ui-flow-node-error').waitFor({ state: 'visible', timeout: 5000 });
    await helpShows('cdr-stats', 'Live traffic KPIs per key');
  });

  it('cdr-alert: lists its KPI thresholds, refuses a clear level on the wrong side and an empty watch list, saves the fraud rules', async () => {
    const { id, locator, node } = await place('cdr-dashboard', 'cdr-alert', 'fraud and KPI alerts');
    await open(locator);
    await page.locator('.red-ui-tray').last().screenshot({ path: path.join(shots, 'stats-dialog-cdr-alert.png') });
    const rows = page.locator('#node-input-thresholds-list > li');
    assert.equal(await rows.count(), JSON.parse(node.thresholds).length, 'one row per threshold');
    assert.deepEqual(
      await rows.first().evaluate((li) => [li.querySelector('.cdr-alert-figure').value, li.querySelector('.cdr-alert-op').value, li.querySelector('.cdr-alert-raise').value, li.querySelector('.cdr-alert-clear').value]),
      ['asr', '<', '0.3', '0.35'],
    );
    assert.equal(await page.isChecked('#node-input-burstOn'), true);
    assert.equal(await page.isChecked('#node-input-watchOn'), true);
    assert.equal(await typeInto(id, '#node-input-burstCount', 'ten'), 'a whole number from 1 to 100000');
    assert.equal(await typeInto(id, '#node-input-hours', '8-18'), 'hours like 08:00-18:00');
    assert.equal(await typeInto(id, '#node-input-burstCount', '5'), null);
    assert.equal(await typeInto(id, '#node-input-hours', '07:30-19:00'), null);
    // ASR raised under 0.3 and cleared under 0.2: the clear level is on the wrong side.
    await rows.first().locator('.cdr-alert-clear').fill('0.2');
    // An empty watch list with the rule on.
    await page.evaluate((i) => RED.nodes.node(i).editor.setValue(''), id); // the dialog's code editor
    await save();
    const bad = await page.evaluate((i) => ({ valid: RED.nodes.node(i).valid, errors: RED.nodes.node(i).validationErrors }), id);
    assert.equal(bad.valid, false);
    // Node-RED keeps each invalid field's message (shown on the node's warning badge).
    assert.deepEqual([...bad.errors].sort(), ['the watch list is on but empty', 'threshold 1: the clear level must be on the good side of the raise level']);

    // Put both right, turn the spend cap on: saved and valid.
    await open(locator);
    await page.locator('#node-input-thresholds-list > li').first().locator('.cdr-alert-clear').fill('0.4');
    await page.evaluate((i) => RED.nodes.node(i).editor.setValue('prefix,description\n882,International Networks (example)\n'), id);
    await page.check('#node-input-spendOn');
    await page.selectOption('#node-input-spendPeriod', 'hour');
    assert.equal(await typeInto(id, '#node-input-spendCap', '25'), null);
    await save();
    const saved = await page.evaluate((i) => { const n = RED.nodes.node(i); return { valid: n.valid, clear: JSON.parse(n.thresholds)[0].clear, watch: n.watchList, spendOn: n.spendOn, period: n.spendPeriod, cap: n.spendCap, burstCount: n.burstCount, hours: n.hours }; }, id);
    assert.deepEqual(saved, { valid: true, clear: 0.4, watch: 'prefix,description\n882,International Networks (example)\n', spendOn: true, period: 'hour', cap: '25', burstCount: '5', hours: '07:30-19:00' });
    await locator.locator('.red-ui-flow-node-error').waitFor({ state: 'hidden', timeout: 5000 });
    await helpShows('cdr-alert', 'Raise once, clear once.');
  });

  it('raised no script error in the editor', () => {
    assert.deepEqual(pageErrors, []);
  });
});

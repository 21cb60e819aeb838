'use strict';
// The ami-server dialog in a real browser: Username and Secret are required,
// a blank one is marked red and says why on hover, and the examples'
// ${AMI_USER} / ${AMI_SECRET} are accepted as they are.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startEditor } = require('./red-editor');
const { requireChromium, openChromium } = require('./chromium');
const { editorReady, dialogReady } = require('./editor-page');

const root = path.resolve(__dirname, '..', '..');
const messages = JSON.parse(fs.readFileSync(path.join(root, 'nodes', 'locales', 'en-US', 'ami-server.json'), 'utf8'))['ami-server'].errors;
const example = JSON.parse(fs.readFileSync(path.join(root, 'examples', 'ami-cdr-in.json'), 'utf8'));

describe('ami-server dialog in a real browser: the login is required, ${AMI_USER} / ${AMI_SECRET} pass', function () {
  this.timeout(90000);
  let editor;
  let browser;
  let page;

  before(async function () {
    requireChromium(this);
    editor = await startEditor();
    browser = await openChromium({ width: 1280, height: 1024 });
    page = browser.page;
    await page.goto(editor.url);
    await editorReady(page, ['ami-server']);
  });

  after(async () => {
    if (browser) await browser.close();
    if (editor) await editor.stop();
  });

  const marked = (selector) => page.$eval(selector, (el) => el.classList.contains('input-error'));

  /** The text the field shows on hover. */
  async function hoverText(selector) {
    await page.hover(selector);
    const tip = page.locator('.red-ui-popover:visible').last();
    await tip.waitFor({ state: 'visible', timeout: 5000 });
    return (await tip.innerText()).trim();
  }

  it('the example imports valid with the login from the environment; a blank username or secret is red and says why', async () => {
    await page.evaluate((nodes) => RED.view.importNodes(nodes, { generateIds: false, addFlow: true }), example);
    const server = example.find((n) => n.type === 'ami-server');
    assert.equal(await page.evaluate((id) => RED.nodes.node(id).valid, server.id), true, 'the example ami-server is valid');
    await page.evaluate((id) => RED.editor.editConfig('', 'ami-server', id, 'node-config-input'), server.id);
    // Its credentials are fetched before the form is built: wait until it takes input.
    await dialogReady(page, 'node-config-dialog-ok');

    assert.equal(await page.inputValue('#node-config-input-username'), '${AMI_USER}');
    assert.equal(await marked('#node-config-input-username'), false, '${AMI_USER} is accepted');
    assert.equal(await marked('#node-config-input-secret'), false, '${AMI_SECRET} is accepted');

    for (const [field, message] of [['username', messages['username-required']], ['secret', messages['secret-required']]]) {
      const input = `#node-config-input-${field}`;
      const before = await page.inputValue(input);
      await page.fill(input, '');
      await page.dispatchEvent(input, 'change');
      assert.equal(await marked(input), true, `a blank ${field} is marked`);
      assert.equal(await hoverText(input), message, `a blank ${field} says why`);
      await page.fill(input, before);
      await page.dispatchEvent(input, 'change');
      assert.equal(await marked(input), false, `${field} put back is valid`);
    }
    await page.click('#node-config-dialog-cancel');
    await page.locator('#node-config-dialog-cancel').waitFor({ state: 'detached', timeout: 10000 });
    assert.deepEqual(browser.pageErrors, [], 'no script error');
  });
});

'use strict';
// Node-RED's editor page driven from a browser test so that the test holds on
// a loaded machine (issue 16): the page ready, a dialog opened and ready for
// input, dialogs left open cancelled. Each step waits on the editor's own
// state, and a step that fails says what that state was.
const assert = require('node:assert/strict');

/**
 * Waits until the editor has finished loading: the node `types` registered,
 * the loading bar gone, the workspace shown with a flow tab open. A test that
 * acted before then imported its node while the editor was still setting up
 * its first flow, and a real double click on it (clicks 13 ms apart) opened
 * no dialog: in a full run the first tests took that time, so a --grep run of
 * the dialog tests alone failed them (the stats branch; cdr-stats here, whose
 * spec double-clicked twice to get past it).
 */
async function editorReady(page, types) {
  await page.waitForFunction(
    (all) => {
      if (!(window.RED && RED.nodes && RED.view && RED.workspaces && all.every((t) => RED.nodes.getType(t)))) return false;
      const chart = document.getElementById('red-ui-workspace-chart');
      const box = chart && chart.getBoundingClientRect();
      const loading = document.getElementById('red-ui-loading-progress');
      return !!box && box.width > 0 && box.height > 0 && !!chart.querySelector('svg') && (!loading || loading.offsetParent === null) && !!RED.nodes.workspace(RED.workspaces.active());
    },
    types,
    { timeout: 60000 },
  );
}

/**
 * Double-clicks the node group `node` (a locator) until the editor opens its
 * dialog. Node-RED takes two clicks on a node for a double click only when its
 * handler sees the second mousedown within 650 ms of the first (Date.now() in
 * the handler, not the event's time). Each of playwright's mouse events is a
 * round trip to the test process, so on a loaded machine the two clicks can
 * reach the page further apart: the editor then saw two single clicks and
 * opened nothing (an ami-cdr-in dialog "did not open within 15 s"). The page
 * records when each mousedown reached it; a double click it did not take as
 * one is done again, as a user would. One it did take that opened nothing fails.
 * The handler also wants the clock to move between the two mousedowns (more
 * than 0 ms): on an idle machine playwright's two clicks came within one
 * millisecond, and CI failed three dialogs on it; each click is now held 20 ms.
 */
async function openByDoubleClick(page, node) {
  await page.evaluate(() => {
    if (window.__cdrflowClicks) return;
    window.__cdrflowClicks = { downs: [], ups: 0 };
    document.addEventListener('mousedown', () => window.__cdrflowClicks.downs.push(Date.now()), true);
    document.addEventListener('mouseup', () => window.__cdrflowClicks.ups++, true);
  });
  for (let attempt = 1; ; attempt++) {
    const ups = await page.evaluate(() => window.__cdrflowClicks.ups);
    // Held 20 ms each: the editor takes two clicks for a double click only when Date.now() moved between its
    // mousedowns (clickElapsed > 0); playwright's back-to-back clicks on an idle machine come within one millisecond.
    await node.locator('.red-ui-flow-node').first().dblclick({ delay: 20 });
    // Both mouseups handled: the editor opens its dialog on the second one.
    await page.waitForFunction((n) => window.__cdrflowClicks.ups >= n + 2, ups, { timeout: 15000 });
    const seen = await page.evaluate(() => {
      const d = window.__cdrflowClicks.downs;
      return {
        // A tray counts too: when a double click follows one the editor missed,
        // its first click opens the dialog and its second sets the state back.
        opened: RED.view.state() === RED.state.EDITING || !!document.querySelector('#red-ui-editor-stack .red-ui-tray'),
        apartMs: d[d.length - 1] - d[d.length - 2],
        state: RED.view.state(),
      };
    });
    if (seen.opened) return attempt;
    assert.ok(
      (seen.apartMs >= 650 || seen.apartMs < 1) && attempt < 5,
      `a double click (clicks ${seen.apartMs} ms apart in the page, attempt ${attempt}) opened no dialog; the editor's state is ${seen.state}`,
    );
    // Said in the test's output: how often this happens under load is what the soak shows.
    console.log(`      (the editor took a double click for two clicks, ${seen.apartMs} ms apart: double-clicked again)`);
  }
}

/**
 * Waits until the dialog whose Done button has id `okId` takes input. The
 * button is in the page before the form: a node with credentials builds its
 * form once they are fetched. And the tray puts the focus on its first field
 * on a timer (150 ms, seconds on a loaded machine) after it starts to slide in.
 * A playwright fill is two steps, a focus and select in the page, then a key
 * press or a text insert: a focus that came in between sent the keys to
 * another field, so the value a test put back never reached its field (the
 * cdr-normalize "valid again" failure). Ready: the form is built, nothing in
 * it is loading, and the tray has put the focus in it.
 */
async function dialogReady(page, okId) {
  await page
    .waitForFunction(
      (ok) => {
        const button = document.getElementById(ok);
        const tray = button && button.closest('.red-ui-tray');
        return !!tray && !!tray.querySelector('form') && !tray.querySelector('.red-ui-component-spinner') && tray.contains(document.activeElement);
      },
      okId,
      { timeout: 15000 },
    )
    .catch(async (err) => {
      const state = await page
        .evaluate(() => ({
          trays: document.querySelectorAll('.red-ui-tray').length,
          forms: [...document.querySelectorAll('.red-ui-tray form')].map((f) => f.id),
          focus: document.activeElement ? document.activeElement.id || document.activeElement.tagName : null,
          viewState: RED.view.state(),
        }))
        .catch((e) => ({ unreadable: e.message }));
      throw new Error(`#${okId}: the dialog never took input (${err.message.split('\n')[0]}): ${JSON.stringify(state)}`);
    });
}

// Dialogs open now: edit trays and the import dialog.
const OPEN_DIALOGS = "document.querySelectorAll('.red-ui-tray').length + ($('#red-ui-clipboard-dialog').is(':visible') ? 1 : 0)";

/** Cancels every dialog a failed test left open (a config dialog over a node's), one at a time. */
async function cancelOpenDialogs(page) {
  for (let i = 0; i < 3; i++) {
    const cancel = page.locator('#node-config-dialog-cancel:visible, #node-dialog-cancel:visible, #red-ui-clipboard-dialog-cancel:visible').first();
    if (!(await cancel.count())) return;
    const before = await page.evaluate(OPEN_DIALOGS);
    await cancel.click().catch(() => {});
    // A tray is removed 250 ms after its cancel: the next cancel is for the one under it.
    await page.waitForFunction(`${OPEN_DIALOGS} < ${before}`, null, { timeout: 5000 }).catch(() => {});
  }
}

module.exports = { editorReady, openByDoubleClick, dialogReady, cancelOpenDialogs };

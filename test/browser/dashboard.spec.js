'use strict';
// The dashboard of examples/cdr-dashboard.json as a user sees it: the example
// deployed to a real Node-RED (started like `npm start`, Dashboard 2 loaded
// beside our package), simulated UCM, FreeSWITCH and VOS3000 calls sent to
// its sources over real sockets, and the Dashboard 2 page opened in Debian's
// chromium (playwright-core). Screenshot: test-artifacts/screenshots/dashboard.png.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startEditor } = require('./red-editor');
const { requireChromium, openChromium } = require('./chromium');
const { waitFor } = require('../support/wait');
const { UcmGenerator, UcmSender } = require('../../nodes/lib/sim/ucm');
const { FsCallGenerator, postBody, toXml } = require('../../nodes/lib/sim/freeswitch');
const { postOnce } = require('../../nodes/lib/sim/freeswitch-send');
const { runVosCli } = require('../../nodes/lib/sim/vos-cli');
const { freePort, accepting } = require('../support/net');

const root = path.resolve(__dirname, '..', '..');
const shots = path.join(root, 'test-artifacts', 'screenshots');
const EXAMPLE = JSON.parse(fs.readFileSync(path.join(root, 'examples', 'cdr-dashboard.json'), 'utf8'));

// Calls sent per simulator: UCM groups and VOS3000 records are whole calls,
// FreeSWITCH sends an A and a B leg per call that cdr-normalize groups. The
// FreeSWITCH calls are from the last 35 minutes (as a switch resends its
// queue after an outage), the others live: the chart then has a history, the
// table the newest calls. The table keeps the 50 most recent.
const CALLS = { ucm: 15, freeswitch: 50, vos3000: 10 };
const TOTAL = CALLS.ucm + CALLS.freeswitch + CALLS.vos3000;
const KEPT = Math.min(TOTAL, 50);

/** Runs `fn` with stdout and stderr silenced (the simulators' CLI summaries). */
async function quietly(fn) {
  const out = process.stdout.write;
  const err = process.stderr.write;
  process.stdout.write = () => true;
  process.stderr.write = () => true;
  try {
    return await fn();
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

describe('dashboard example in a real browser (chromium, Dashboard 2)', function () {
  this.timeout(90000);
  let editor;
  let browser;
  let page;
  let pageErrors = [];
  let ucm;
  let fsEnds = [];

  before(async function () {
    requireChromium(this);
    fs.mkdirSync(shots, { recursive: true });
    editor = await startEditor();

    // The example as imported, its sources on free ports of 127.0.0.1, the
    // simulators' zone (UTC) as the PBX zone, FreeSWITCH legs grouped after 1 s
    // instead of 10; the gateway and Asterisk sources left out (no simulator here).
    const ports = { ucm: await freePort(), fs: await freePort(), vos: await freePort() };
    const drop = new Set(EXAMPLE.filter((n) => ['gw-cdr-in', 'ami-cdr-in', 'ami-server'].includes(n.type)).map((n) => n.id));
    const flow = EXAMPLE.filter((n) => !drop.has(n.id)).map((n) => {
      const copy = JSON.parse(JSON.stringify(n));
      if (Array.isArray(copy.wires)) copy.wires = copy.wires.map((w) => w.filter((to) => !drop.has(to)));
      if (n.type === 'ucm-cdr-in') Object.assign(copy, { host: '127.0.0.1', port: String(ports.ucm) });
      if (n.type === 'fs-cdr-in') Object.assign(copy, { host: '127.0.0.1', port: String(ports.fs) });
      if (n.type === 'vos-cdr-in') Object.assign(copy, { host: '127.0.0.1', tcpPort: String(ports.vos) });
      if (n.type === 'cdr-normalize') Object.assign(copy, { timeZone: 'UTC', waitSec: 1 });
      return copy;
    });
    await editor.deploy(flow);
    for (const port of Object.values(ports)) await waitFor(() => accepting(port), `a source listening on ${port}`, 20000, 100);

    ucm = new UcmSender({ transport: 'tcp', host: '127.0.0.1', port: ports.ucm, format: 'json' });
    const gen = new UcmGenerator({ seed: 21, live: true });
    for (let i = 0; i < CALLS.ucm; i++) await ucm.send(gen.next('group'));
    const fsGen = new FsCallGenerator({ seed: 5, startMs: Date.now() - 35 * 60000 });
    const fsCalls = Array.from({ length: CALLS.freeswitch }, () => fsGen.call());
    fsEnds = fsCalls.map((c) => Math.max(...[c.a, c.b].filter(Boolean).map((leg) => Number(leg.variables.end_uepoch) / 1000)));
    const lastEnd = Math.max(...fsCalls.flatMap((c) => [c.a, c.b].filter(Boolean).map((leg) => Number(leg.variables.end_uepoch) / 1000)));
    assert.ok(lastEnd < Date.now(), 'the FreeSWITCH calls all ended before now');
    for (const leg of fsCalls.flatMap((c) => [c.a, c.b].filter(Boolean))) {
      const { body, contentType } = postBody(toXml(leg), 'xml', 'base64');
      assert.equal(await postOnce({ url: `http://127.0.0.1:${ports.fs}/cdr`, body, contentType, uuid: leg.variables.uuid }), 200);
    }
    await quietly(() => runVosCli(['--to', `127.0.0.1:${ports.vos}`, '--count', String(CALLS.vos3000), '--rate', '50', '--seed', '9'], undefined, () => {}));

    browser = await openChromium({ width: 1280, height: 1000 });
    ({ page, pageErrors } = browser);
  });

  after(async () => {
    if (browser) await browser.close();
    if (ucm) await ucm.close();
    if (editor) await editor.stop();
  });

  afterEach(async function () {
    if (this.currentTest.state === 'failed' && page) await page.screenshot({ path: path.join(shots, 'FAILED-dashboard.png'), fullPage: true }).catch(() => {});
  });

  const groupCard = (title) => page.locator('.nrdb-ui-group', { has: page.locator(`text=${title}`) });

  it(`opens the page "Calls" at /dashboard and shows the ${KEPT} most recent of the ${TOTAL} calls in the recent-calls table, newest first`, async () => {
    await page.goto(`${editor.url}dashboard`);
    await page.waitForURL(/\/dashboard\/calls$/, { timeout: 20000 });
    const recent = groupCard('Recent calls');
    // 10 rows a page; the pager counts every call kept.
    await recent.locator(`text=/of ${KEPT}\\b/`).waitFor({ timeout: 30000 });
    const rows = await recent.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim())));
    assert.equal(rows.length, 10);
    const headers = await recent.locator('thead th').allTextContents();
    assert.deepEqual(headers.map((h) => h.trim()), ['Start (UTC)', 'Vendor', 'Caller', 'Callee', 'Disposition', 'Talk (s)', 'Cost', 'Cost note']);
    const starts = rows.map((r) => r[0]);
    for (const s of starts) assert.match(s, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    assert.deepEqual(starts, [...starts].sort().reverse(), 'newest first');
    // The live UCM and VOS3000 calls are newer than the FreeSWITCH ones of the last 35 minutes.
    for (const r of rows) assert.ok(['ucm', 'vos3000'].includes(r[1]), `a live call on top, not ${r[1]}`);
  });

  it('draws the calls-per-minute chart, fills the per-trunk table with every call of the last 15 minutes once, and shows the alerts table', async () => {
    const chart = groupCard('Calls per minute');
    const canvas = chart.locator('canvas').first();
    await canvas.waitFor({ state: 'visible', timeout: 20000 });
    const box = await canvas.boundingBox();
    assert.ok(box.width > 200 && box.height > 150, `a chart of ${box.width}×${box.height}`);

    // cdr-stats reports every 10 s over a sliding 15-minute window (whole minutes): the live
    // UCM and VOS3000 calls are in it, and those FreeSWITCH calls of the last 35 minutes
    // that ended in it. Calls within a minute of its edge may be in or out.
    const MIN = 60000;
    const edge = Math.floor(Date.now() / MIN) * MIN - 14 * MIN;
    const surely = CALLS.ucm + CALLS.vos3000 + fsEnds.filter((e) => e >= edge + MIN).length;
    const maybe = fsEnds.filter((e) => e >= edge - MIN && e < edge + MIN).length;
    const trunks = groupCard('ASR, NER, ACD and PDD per trunk');
    let total = 0;
    await waitFor(
      async () => {
        total = await trunks.locator('tbody tr').evaluateAll((trs) => trs.reduce((s, tr) => s + Number(tr.querySelectorAll('td')[1]?.textContent || 0), 0));
        return total >= surely && total <= surely + maybe;
      },
      `${surely} to ${surely + maybe} attempts in the trunk table`,
      40000,
      200,
    );
    const rows = await trunks.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim())));
    for (const [trunk, attempts, answered, asr, ner, acd] of rows) {
      const a = Number(attempts);
      const n = Number(answered);
      assert.ok(n <= a, `${trunk}: answered ≤ attempts`);
      assert.equal(Number(asr), Math.round((1000 * n) / a) / 10, `${trunk}: ASR = answered / attempts`);
      assert.ok(Number(ner) >= Number(asr) && Number(ner) <= 100, `${trunk}: ASR ≤ NER ≤ 100 (${asr}, ${ner})`);
      if (n === 0) assert.equal(acd, '-');
      else assert.ok(Number(acd) >= 0, `${trunk}: ACD ${acd}`);
    }
    assert.ok(rows.some((r) => r[0] === 'CarrierA' || r[0] === 'CarrierB'), 'the UCM trunks');
    const alerts = groupCard('Alerts');
    assert.deepEqual((await alerts.locator('thead th').allTextContents()).map((h) => h.trim()), ['State', 'Since (UTC)', 'Rule', 'Key', 'Figures', 'Cdr ids']);

    // The page as a user sees it, for the README.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(shots, 'dashboard.png'), fullPage: true });
  });

  it('raised no script error on the page', () => {
    assert.deepEqual(pageErrors, []);
  });
});

'use strict';
// Debian's chromium, headless, driven by playwright-core: the one way the
// browser tests start it. Without chromium a test is skipped on a developer's
// machine and fails under CI (where .ci/run installs it).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
// Flags for a closed network: no background connections, no first-run questions.
const LAUNCH_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Skips the mocha `ctx` (or throws under CI) when chromium is not installed. */
function requireChromium(ctx) {
  if (fs.existsSync(chromiumPath)) return;
  if (process.env.CI) throw new Error(`chromium is not installed at ${chromiumPath} (.ci/run installs Debian's chromium)`);
  console.log(`      (skipped: no chromium at ${chromiumPath}; apt-get install chromium, or set CHROMIUM_PATH)`);
  ctx.skip();
}

/**
 * A fresh chromium with an empty profile and one page; `pageErrors` collects
 * the page's script errors (each with its stack), and dialogs are accepted. `close()` ends it and
 * removes the profile.
 */
async function openChromium({ width = 1280, height = 1024 } = {}) {
  const { chromium } = require('playwright-core');
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdrflow-chromium-'));
  const pageErrors = [];
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, { executablePath: chromiumPath, headless: true, args: LAUNCH_ARGS, viewport: { width, height } });
  } catch (err) {
    fs.rmSync(userDataDir, { recursive: true, force: true });
    throw err;
  }
  const page = context.pages()[0] || (await context.newPage());
  // The stack names the script and line at fault (a message alone does not).
  page.on('pageerror', (err) => pageErrors.push(err.stack || err.message));
  page.on('dialog', (d) => d.accept());
  // CDRFLOW_CPU_THROTTLE=N runs the page's scripts N times slower (chromium's own
  // throttling): the editor's timers and handlers then lag the test the way
  // they do on a loaded machine, without loading it (soak.js --throttle).
  const rate = Number(process.env.CDRFLOW_CPU_THROTTLE || 0);
  if (rate > 1) await (await context.newCDPSession(page)).send('Emulation.setCPUThrottlingRate', { rate });
  return {
    page,
    pageErrors,
    async close() {
      await context.close().catch(() => {});
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

module.exports = { requireChromium, openChromium };

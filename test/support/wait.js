'use strict';
/** Waits until `check()` is truthy, polling; fails after `ms` with `what`. Not a sleep: it returns as soon as it holds. */
async function waitFor(check, what = 'condition', ms = 10000, every = 5) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === "function" ? what() : what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

/** Resolves with the first emission of `event` on `emitter`. */
function once(emitter, event) {
  return new Promise((resolve) => emitter.once(event, (...args) => resolve(args)));
}

module.exports = { waitFor, once };

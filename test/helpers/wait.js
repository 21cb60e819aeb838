'use strict';
// Waiting on conditions, never on fixed sleeps: poll with a bounded deadline.

async function waitFor(cond, what = 'condition', timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Resolves with the first emitted value of `event` that satisfies `pred`. */
function nextEvent(emitter, event, pred = () => true, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { emitter.removeListener(event, on); reject(new Error(`timed out waiting for ${event}`)); }, timeoutMs);
    function on(v) {
      if (!pred(v)) return;
      clearTimeout(t);
      emitter.removeListener(event, on);
      resolve(v);
    }
    emitter.on(event, on);
  });
}

module.exports = { waitFor, nextEvent };

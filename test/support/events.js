'use strict';

/** Resolves with the first emitted value of `event` that satisfies `pred`; fails after `ms`. */
function nextEvent(emitter, event, pred = () => true, ms = 5000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { emitter.removeListener(event, on); reject(new Error(`timed out waiting for ${event}`)); }, ms);
    function on(v) {
      if (!pred(v)) return;
      clearTimeout(t);
      emitter.removeListener(event, on);
      resolve(v);
    }
    emitter.on(event, on);
  });
}

module.exports = { nextEvent };

'use strict';
// A root hook (.mocharc.js): after every test, a Node-RED run through the test
// helper must still be on this process's own userDir (user-dir.js). Without it
// the sources keep their journals in a folder all test runs share, and a run
// that was killed leaves records the next run replays into its own nodes. A
// spec that re-initialises the helper, or replaces its settings, without the
// userDir fails here, at the test that did it.
const { userDir } = require('./user-dir');

const helperPath = require.resolve('node-red-node-test-helper');

exports.mochaHooks = {
  afterEach() {
    const helper = require.cache[helperPath]?.exports;
    if (!helper) return; // this process has not started a Node-RED through the helper
    const now = helper.settings().userDir;
    if (now !== userDir) {
      throw new Error(`the test helper runs Node-RED with userDir ${now ?? '(none)'}, not this test process's own ${userDir}: pass { userDir } to helper.init, and use settings() of test/support/red.js, not helper.settings()`);
    }
  },
};

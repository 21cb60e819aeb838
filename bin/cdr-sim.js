#!/usr/bin/env node
'use strict';
// Traffic simulators for every supported phone system (see `cdr-sim --help`).
const { main } = require('../nodes/lib/sim/cli.js');

const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
process.once('SIGTERM', () => controller.abort());
main(process.argv.slice(2), controller.signal).then(
  (code) => process.exit(code),
  (err) => {
    console.error(`cdr-sim: ${err && err.stack ? err.stack : err}`);
    process.exit(1);
  },
);

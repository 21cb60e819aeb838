'use strict';
// Runs one *.bench.js in this process and prints its result for bench/run.js.
const file = process.argv[2];
const bench = require(file);
bench
  .run({ quick: process.env.BENCH_QUICK === '1' })
  .then((result) => {
    process.stdout.write(`\nBENCH_RESULT ${JSON.stringify(result)}\n`);
    process.exit(0);
  })
  .catch((err) => {
    console.error(err && err.stack ? err.stack : err);
    process.exit(1);
  });

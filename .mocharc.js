'use strict';
// `npm test` runs every spec; `npx mocha test/x.spec.js` runs only the files
// named (mocha would otherwise add the named files to the whole suite).
const named = process.argv.slice(2).some((a) => /\.spec\.js$|\/$/.test(a) || a.startsWith('test/'));

module.exports = {
  spec: named ? [] : ['test/**/*.spec.js'],
  require: ['test/support/own-user-dir.js'],
  timeout: 20000,
  exit: true,
  reporter: 'spec',
};

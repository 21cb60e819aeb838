'use strict';
// A bare clone tests itself: the real samples are in the repository, and no
// test, benchmark, script or source reads anything beside the clone.
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { samplePath } = require('../support/samples');

const root = path.resolve(__dirname, '..', '..');

describe('package: a clone that stands alone', () => {
  it('keeps every vendor sample with its origin note under test/fixtures/samples', () => {
    for (const [vendor, note] of [['asterisk', 'ORIGIN.md'], ['freeswitch', 'ORIGIN.md'], ['gateway', 'ORIGIN.md'], ['ucm', 'ORIGIN.md'], ['vos3000', 'README.md']]) {
      assert.ok(fs.statSync(samplePath(vendor, note)).size > 0, `${vendor}/${note}`);
    }
    assert.ok(fs.statSync(samplePath('asterisk', 'ami-full-session-part1.txt')).size > 100000);
    assert.ok(fs.statSync(samplePath('ucm', 'cdrapi-ucm63xx.json')).size > 50000);
  });

  it('reads no folder outside the clone (no shared samples folder beside it, no environment variable naming one)', () => {
    let hits = '';
    try {
      // The pattern is split so that this file does not match itself.
      hits = execFileSync('git', ['grep', '-n', '-E', ['CDRFLOW', '_SHARED|\\.\\./shared|/work/', 'shared'].join(''), '--', 'src', 'test', 'bench', 'scripts', 'bin', '.ci', 'examples'], { cwd: root, encoding: 'utf8' });
    } catch (err) {
      if (err.status !== 1) throw err; // 1: no match, which is what we want
    }
    assert.equal(hits, '', `these lines reach outside the clone:\n${hits}`);
  });
});

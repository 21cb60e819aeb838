'use strict';
const assert = require('node:assert/strict');
const { compileNamePattern, globToRegExp } = require('../../../nodes/lib/transport/name-pattern');

describe('transport/name-pattern', () => {
  it('matches FreeSWITCH spool names with a glob', () => {
    const p = compileNamePattern('*.cdr.{xml,json}');
    assert.equal(p.matches('a_80183ec8-d424-11e3-8fb2-65b6c3cdac7d.cdr.xml'), true);
    assert.equal(p.matches('80183ec8-d424-11e3-8fb2-65b6c3cdac7d.cdr.json'), true);
    assert.equal(p.matches('x.cdr.xml.tmp'), false);
    assert.equal(p.matches('x.cdrxxml'), false, 'a dot is literal');
  });

  it('supports ?, classes and negated classes, and never crosses a slash', () => {
    assert.equal(compileNamePattern('??????????.txt').matches('2024050110.txt'), true);
    assert.equal(compileNamePattern('??????????.txt').matches('202405011.txt'), false);
    assert.equal(compileNamePattern('[0-9][0-9]*.txt').matches('20x.txt'), true);
    assert.equal(compileNamePattern('[!a]*').matches('abc'), false);
    assert.equal(compileNamePattern('*.txt').matches('sub/x.txt'), false);
    assert.equal(globToRegExp('a+b(c).txt').test('a+b(c).txt'), true);
  });

  it('takes a /regex/ string or a RegExp, with the sort key from a group', () => {
    const p = compileNamePattern('/^cdr_(\\d{10})\\.txt$/');
    assert.equal(p.key('cdr_2024050110.txt'), '2024050110');
    assert.equal(p.key('cdr_2024050110.txt.bak'), null);
    const named = compileNamePattern(/^(?<site>[a-z]+)-(?<key>\d{8})\.log$/);
    assert.equal(named.key('paris-20240501.log'), '20240501');
    assert.equal(compileNamePattern('*.txt').key('2024050110.txt'), '2024050110.txt');
    const custom = compileNamePattern('*.csv', (n) => n.split('.')[0].split('-').reverse().join(''));
    assert.equal(custom.key('01-05-2024.csv'), '2024050' + '1');
  });

  it('rejects an empty pattern, a bad regex and unbalanced braces', () => {
    assert.throws(() => compileNamePattern(''), /non-empty/);
    assert.throws(() => compileNamePattern('/(/'), /invalid regular expression/);
    assert.throws(() => compileNamePattern('*.{xml'), /unbalanced/);
  });
});

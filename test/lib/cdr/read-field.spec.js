'use strict';
const assert = require('node:assert/strict');
const rf = require('../../../nodes/lib/cdr/read-field');
const { MapError } = require('../../../nodes/lib/cdr/normalize');

const throwsOn = (field, re) => (e) => e instanceof MapError && e.field === field && re.test(e.message);

describe('cdr/read-field', () => {
  it('asText: strings as sent, finite numbers and booleans as text, "" when missing; objects, lists and NaN refused', () => {
    assert.equal(rf.asText(' a ', 'f'), ' a ');
    assert.equal(rf.asText(1002, 'f'), '1002');
    assert.equal(rf.asText(false, 'f'), 'false');
    assert.equal(rf.asText(undefined, 'f'), '');
    assert.equal(rf.asText(null, 'f'), '');
    assert.throws(() => rf.asText({}, 'dst'), throwsOn('dst', /dst is an object: must be text/));
    assert.throws(() => rf.asText([1], 'dst'), throwsOn('dst', /a list/));
    assert.throws(() => rf.asText(NaN, 'dst'), throwsOn('dst', /NaN/));
  });

  it('asSeconds: 0 to a year, whole when asked; null when missing or empty; the value quoted in the error', () => {
    assert.equal(rf.asSeconds('65', 'billsec'), 65);
    assert.equal(rf.asSeconds(' 1.5 ', 'billsec'), 1.5);
    assert.equal(rf.asSeconds('', 'billsec'), null);
    assert.equal(rf.asSeconds(undefined, 'billsec'), null);
    assert.equal(rf.asSeconds(rf.MAX_CALL_SEC, 'billsec'), rf.MAX_CALL_SEC);
    for (const bad of ['-60', -1, 'abc', '1e300', rf.MAX_CALL_SEC + 1, Infinity, {}, true]) {
      assert.throws(() => rf.asSeconds(bad, 'billsec'), throwsOn('billsec', /must be a number of seconds from 0 to 31622400/), String(bad));
    }
    assert.throws(() => rf.asSeconds('1.5', 'Duration', { whole: true }), throwsOn('Duration', /"1.5": must be a whole number/));
  });

  it('epochMs tells s, ms and µs apart by size and refuses instants outside 1980..2200', () => {
    const ms = Date.UTC(2024, 2, 31, 12, 0, 0);
    assert.equal(rf.epochMs(ms / 1000, 't'), ms);
    assert.equal(rf.epochMs(ms, 't'), ms);
    assert.equal(rf.epochMs(ms * 1000, 't'), ms);
    assert.equal(rf.epochMs(String(ms * 1000), 't'), ms);
    assert.equal(rf.epochMs(0, 't'), null);
    assert.equal(rf.epochMs('', 't'), null);
    for (const bad of [ms * 1e6, 1, -ms, 'soon', Number.MAX_VALUE]) assert.throws(() => rf.epochMs(bad, 't'), throwsOn('t', /from 1980 to 2200/), String(bad));
  });

  it('asIntegerIn gives a code in range or null', () => {
    assert.equal(rf.asIntegerIn('16', 0, 127), 16);
    assert.equal(rf.asIntegerIn(127, 0, 127), 127);
    for (const bad of ['19000', '-1', '1.5', '', 'x', undefined]) assert.equal(rf.asIntegerIn(bad, 0, 127), null, String(bad));
  });

  it('own reads only own fields; setOwn sets __proto__ as a field; textFields gives text (a copy with no prototype when a value was not text)', () => {
    const rec = JSON.parse('{"__proto__":"x","n":1}');
    assert.equal(rf.own(rec, 'constructor'), undefined);
    assert.equal(rf.own(rec, '__proto__'), 'x');
    const out = {};
    rf.setOwn(out, '__proto__', ['a']);
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.deepEqual(Object.keys(out), ['__proto__']);
    const t = rf.textFields({ a: 1, b: null, c: { d: 2 }, e: 's' });
    assert.equal(Object.getPrototypeOf(t), null);
    assert.deepEqual({ ...t }, { a: '1', b: '', c: '{"d":2}', e: 's' });
    assert.equal(t.constructor, undefined);
    const text = { a: 'x', b: 'y' };
    assert.equal(rf.textFields(text), text, 'a record of text only is not copied');
  });
});

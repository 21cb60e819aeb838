'use strict';
// Issue 14: AMI toRecord treated inherited names as present keys, so a
// `__proto__`, `constructor` or `hasOwnProperty` line gave a record with a
// replaced prototype or a broken hasOwnProperty().
const assert = require('node:assert/strict');
const ami = require('../../../nodes/lib/formats/ami');
const { normalize } = require('../../../nodes/lib/cdr/normalize');
const { assertValidCdr } = require('../../support/cdr-schema');
const { sample } = require('../../support/asterisk-samples');

function firstCdrMessage() {
  return new ami.AmiFramer().push(sample('ami-full-session-part1.txt')).find((f) => f.kind === 'message' && ami.eventName(f.message) === 'Cdr').message;
}

describe('formats/ami records with inherited names as header keys', () => {
  it('keeps __proto__, constructor and hasOwnProperty lines as own string fields; the prototype stays Object.prototype', () => {
    const message = firstCdrMessage();
    message.headers.push(['__proto__', 'x'], ['constructor', 'y'], ['hasOwnProperty', 'z'], ['toString', 'w'], ['__proto__', 'x2']);
    const rec = ami.cdrRecord(message);
    assert.equal(Object.getPrototypeOf(rec), Object.prototype);
    const own = (k) => Object.prototype.hasOwnProperty.call(rec, k);
    for (const k of ['__proto__', 'constructor', 'hasOwnProperty', 'toString']) assert.ok(own(k), k);
    assert.deepEqual(Object.getOwnPropertyDescriptor(rec, '__proto__').value, ['x', 'x2'], 'a repeated line keeps both values');
    assert.equal(rec.constructor, 'y');
    assert.equal(ami.field(rec, 'hasOwnProperty'), 'z');
    assert.equal(ami.field(rec, 'valueOf'), undefined, 'an inherited name that was not sent is absent');
    assert.equal({}.constructor, Object, 'Object.prototype is not polluted');
    assert.equal(Object.prototype.x, undefined);
    // A JSON round trip (a flow, a journal) keeps the fields.
    assert.equal(JSON.parse(JSON.stringify(rec)).hasOwnProperty, 'z');
  });

  it('a record with those fields normalizes to a schema-valid Cdr that keeps them in extra as own fields', () => {
    const message = firstCdrMessage();
    message.headers.push(['__proto__', 'x'], ['constructor', 'y'], ['hasOwnProperty', 'z']);
    const { legs } = normalize('asterisk', ami.cdrRecord(message), { timeZone: 'UTC' });
    assertValidCdr(legs[0]);
    assert.equal(Object.getPrototypeOf(legs[0].extra), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(legs[0].extra, '__proto__').value, 'x');
    assert.equal(Object.getOwnPropertyDescriptor(legs[0].extra, 'hasOwnProperty').value, 'z');
  });

  it('field() reads numbers and booleans of a JSON record as text, and never an inherited name', () => {
    const rec = JSON.parse('{"Destination":1002,"Answered":true,"Bad":{"a":1}}');
    assert.equal(ami.field(rec, 'destination'), '1002');
    assert.equal(ami.field(rec, 'Answered'), 'true');
    assert.equal(ami.field(rec, 'Bad'), undefined);
    assert.equal(ami.field(rec, 'constructor'), undefined);
    assert.equal(ami.fieldValue(rec, 'toString'), undefined);
  });
});

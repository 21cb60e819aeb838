'use strict';
const assert = require('node:assert/strict');
const { ErrorReports, OTHER_KEY, boundedRaw } = require('../../../nodes/lib/transport/error-reports');
const { createErrorReporter } = require('../../../nodes/lib/glue/error-reporter');
const { waitFor } = require('../../support/wait');

describe('transport/error-reports', () => {
  it('reports the first few errors of a key at once and folds the rest of the window into one summary with a count', async () => {
    const got = [];
    const r = new ErrorReports({ windowMs: 100, perKeyImmediate: 2, emit: (x) => got.push(x) });
    for (let i = 0; i < 10_000; i++) r.add('a', i);
    assert.deepEqual(got.map((x) => [x.sample, x.count, x.summary]), [[0, 1, false], [1, 1, false]]);
    await waitFor(() => got.length === 3, 'the summary');
    assert.deepEqual([got[2].key, got[2].sample, got[2].count, got[2].summary], ['a', 2, 9998, true]);
    // A new window reports at once again.
    r.add('a', 'next');
    assert.equal(got[3].sample, 'next');
    r.close();
  });

  it('keys are folded separately; past maxKeys they share one key, past maxImmediate they are folded', async () => {
    const got = [];
    const r = new ErrorReports({ windowMs: 100, perKeyImmediate: 1, maxImmediate: 3, maxKeys: 5, emit: (x) => got.push(x) });
    for (let k = 0; k < 50; k++) r.add(`k${k}`, k);
    assert.equal(got.length, 3);
    r.close();
    const total = got.reduce((n, x) => n + x.count, 0);
    assert.equal(total, 50, 'every error is counted once');
    assert.ok(got.length <= 3 + 5 + 1);
    assert.ok(got.some((x) => x.key === OTHER_KEY && x.count === 45));
  });

  it('a reporter that throws does not stop the reports', () => {
    let calls = 0;
    const r = new ErrorReports({ emit: () => { calls++; throw new Error('sink broke'); } });
    r.add('a', 1);
    r.add('b', 2);
    assert.equal(calls, 2);
    r.close();
  });

  it('bounds the raw text of a report and says so in the message', () => {
    assert.deepEqual(boundedRaw('abc', 5), { text: 'abc', truncated: false, length: 3 });
    const sent = [];
    const rep = createErrorReporter((text, msg) => sent.push({ text, msg }));
    rep.report('1.2.3.4', () => ({ text: 'bad', msg: { payload: 'x'.repeat(1024 * 1024), topic: 't' } }));
    assert.equal(sent[0].msg.payload.length, 16 * 1024);
    assert.equal(sent[0].msg.rawTruncated, true);
    assert.equal(sent[0].msg.rawLength, 1024 * 1024);
    assert.equal(sent[0].msg.topic, 't');
    let built = 0;
    for (let i = 0; i < 100; i++) rep.report('1.2.3.4', () => (built++, { text: `bad ${i}`, msg: { payload: 'y' } }));
    assert.equal(built, 4, 'a folded error builds no message');
    rep.close();
    assert.equal(built, 5, 'the summary builds its sample once');
    const summary = sent[sent.length - 1];
    assert.equal(summary.msg.errorCount, 96);
    assert.match(summary.text, /96 more errors like this from 1\.2\.3\.4/);
  });
});

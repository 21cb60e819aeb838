'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { parseEventLine, formatEventLine, GatewayLineError } = require('../../../../nodes/lib/formats/gateway');

const SAMPLE = require('../../../support/samples').samplePath('gateway', 'events-2004-01-26.tsv');

function refused(line, code, options) {
  assert.throws(
    () => parseEventLine(line, options),
    (err) => err instanceof GatewayLineError && err.code === code && err.line === line && /gateway line: /.test(err.message),
  );
}

describe('formats/gateway/event-line', () => {
  it('reads every line of the sample event view (header skipped)', () => {
    const lines = fs.readFileSync(SAMPLE, 'utf8').split('\n').filter((l) => l !== '');
    const events = lines.map((l) => parseEventLine(l));
    assert.equal(events[0], null, 'the header row is not an event');
    assert.equal(events.filter(Boolean).length, lines.length - 1);
    assert.deepEqual(events[1], {
      Gateway: null, Time: '2004/01/26 23:13:11', 'Call-Ref': 1, '#': '1', Event: 'HOOK_OFF',
      Dialed: '', 'Caller-ID': '', Info: '', 'P-Port': '',
    });
    assert.equal(events[2].Dialed, '2252');
    assert.equal(events[4].Info, 'C(18) M(17)');
    assert.equal(events[9]['Caller-ID'], '103');
    assert.equal(events[9].Event, 'PSTN_CALL_IN');
  });

  it('takes a gateway id prefix, bare or as Gateway[id]', () => {
    assert.equal(parseEventLine('8200\t2004/01/26 23:13:11\t1\t1\tHOOK_OFF\t\t\t\t').Gateway, '8200');
    assert.equal(parseEventLine('Gateway[8378]\t2004/01/26 23:13:11\t1\t1\tHOOK_OFF').Gateway, '8378');
    refused('Gate way\t2004/01/26 23:13:11\t1\t1\tHOOK_OFF', 'bad-gateway');
  });

  it('splits on | or , when set, or guesses with auto', () => {
    const pipe = parseEventLine('8200|2004/01/26 23:13:13|1||DIAL|2252|||', { separator: 'pipe' });
    assert.equal(pipe.Gateway, '8200');
    assert.equal(pipe.Dialed, '2252');
    const comma = parseEventLine('2004/01/26 23:47:05,2,,PSTN_CALL_IN,,103,,', { separator: 'comma' });
    assert.equal(comma['Caller-ID'], '103');
    assert.equal(parseEventLine('2004/01/26 23:47:05|2||TALK|||C(18) M(17)|', { separator: 'auto' }).Info, 'C(18) M(17)');
    // A tab line read with the pipe setting is one field: not an event.
    refused('2004/01/26 23:13:11\t1\t1\tHOOK_OFF', 'truncated', { separator: 'pipe' });
    refused('2004/01/26 23:13:11', 'truncated');
  });

  it('accepts CRLF, left-off trailing fields, lower-case event names and 2004-01-26 dates', () => {
    const e = parseEventLine('2004-01-26 23:13:11\t1\t1\thook_off\r');
    assert.equal(e.Time, '2004/01/26 23:13:11');
    assert.equal(e.Event, 'HOOK_OFF');
    assert.equal(e['P-Port'], '');
  });

  it('skips blank lines', () => {
    assert.equal(parseEventLine(''), null);
    assert.equal(parseEventLine('  \r'), null);
  });

  it('refuses garbage and truncated lines with a clear error each', () => {
    refused('\u0000\u0001\u0002binary', 'garbage');
    refused('hello world', 'garbage');
    refused('2004/01/26 23:13:1', 'garbage');
    refused('2004/01/26 23:13:11\t1', 'truncated');
    refused('2004/01/26 23:13:11\t1\t', 'truncated');
    refused('2004/01/26 23:13:13\t1\t\tDIAL', 'truncated');
    refused('2004/02/30 23:13:11\t1\t1\tHOOK_OFF', 'bad-time');
    refused('2005/02/29 23:13:11\t1\t1\tHOOK_OFF', 'bad-time');
    assert.equal(parseEventLine('2004/02/29 23:13:11\t1\t1\tHOOK_OFF').Time, '2004/02/29 23:13:11', 'leap day');
    refused('1900/02/29 23:13:11\t1\t1\tHOOK_OFF', 'bad-time');
    refused('2004/01/26 25:13:11\t1\t1\tHOOK_OFF', 'bad-time');
    refused('26/01/2004 23:13:11\t1\t1\tHOOK_OFF', 'bad-time');
    refused('2004/01/26 23:13:11\tx1\t1\tHOOK_OFF', 'bad-call-ref');
    refused('2004/01/26 23:13:11\t1\tone\tHOOK_OFF', 'bad-port');
    refused('2004/01/26 23:13:11\t1\t1\tHOOK OFF!', 'bad-event');
    refused('2004/01/26 23:13:13\t1\t\tDIAL\t22;52', 'bad-dialed');
    refused('2004/01/26 23:13:11\t1\t1\tHOOK_OFF\t\t\t\t\t\t\textra', 'too-many-fields');
    refused('2004/01/26 23:13:11\t1\t1\tHOOK_OFF\t\ufffd', 'garbage');
    refused(`2004/01/26 23:13:11\t1\t1\tHOOK_OFF\t\t\t${'x'.repeat(5000)}`, 'too-long');
  });

  it('formats an event back into the same line', () => {
    const line = '8200\t2004/01/26 23:47:09\t2\t\tTALK\t\t\tC(18) M(17)\t';
    assert.equal(formatEventLine(parseEventLine(line)), line);
    assert.equal(formatEventLine({ ...parseEventLine(line), Gateway: null }, 'pipe'), '2004/01/26 23:47:09|2||TALK|||C(18) M(17)|');
  });
});

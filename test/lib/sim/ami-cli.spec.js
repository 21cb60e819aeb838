'use strict';
const assert = require('node:assert/strict');
const { PassThrough } = require('node:stream');
const { runAmiCli, parseAmiCliArgs } = require('../../../nodes/lib/sim/ami-cli');
const { AmiClient } = require('../../../nodes/lib/transport/ami-client');
const { waitFor } = require('../../support/wait');
const { nextEvent } = require('../../support/events');
const { DIR } = require('../../support/asterisk-samples');

describe('sim/ami-cli (cdr-sim ami)', () => {
  it('parses its options and refuses bad ones', () => {
    const a = parseAmiCliArgs(['--listen', '0', '--user', 'u:s:cdr', '--rate', '5', '--cel']);
    assert.equal(a.port, 0);
    assert.deepEqual(a.users, { u: { secret: 's', read: 'cdr' } });
    assert.equal(a.rate, 5);
    assert.equal(a.cel, true);
    assert.deepEqual(parseAmiCliArgs([]).users, { cdruser: { secret: 'cdrpass', read: 'cdr,call,system' } });
    assert.throws(() => parseAmiCliArgs(['--listen', '70000']), /--listen needs a whole number/);
    assert.throws(() => parseAmiCliArgs(['--bogus']), /unknown option --bogus/);
    assert.throws(() => parseAmiCliArgs(['--user', 'nosecret']), /NAME:SECRET/);
  });

  it('serves a client, obeys burst, replay, restart and quit typed on stdin', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let text = '';
    output.on('data', (d) => { text += d; });
    const done = runAmiCli(['--listen', '0'], undefined, { input, output });
    await waitFor(() => /listening on 127\.0\.0\.1:(\d+)/.test(text), 'listening');
    const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(text)[1]);
    const c = new AmiClient({ host: '127.0.0.1', port, username: 'cdruser', secret: 'cdrpass', events: 'cdr',
      pingIntervalMs: 0, pingTimeoutMs: 1000, connectTimeoutMs: 2000, backoff: { initialMs: 20, maxMs: 100, jitter: 0 } });
    const got = [];
    c.on('event', (m) => got.push(m));
    c.start();
    await nextEvent(c, 'status', (s) => s.state === 'connected');
    input.write('burst 3\n');
    await waitFor(() => got.length === 3, 'burst');
    input.write(`replay ${DIR}/ami-cdr-only-session-part1.txt\n`);
    await waitFor(() => got.length === 53, 'replay');
    const back = nextEvent(c, 'status', (s) => s.state === 'connected');
    input.write('restart\n');
    await back;
    input.write('status\n');
    await waitFor(() => /logged-in 1 logins 2 failures 0/.test(text), 'status after restart');
    await c.close();
    input.write('quit\n');
    await done;
    assert.match(text, /bye\n$/);
  });
});

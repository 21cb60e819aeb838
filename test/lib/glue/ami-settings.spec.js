'use strict';
const assert = require('node:assert/strict');
const { checkAmiServerSettings, amiStatus, shortDelay, loginEvents, amiEventChoice, unsetLoginVariables } = require('../../../nodes/lib/glue/ami-settings');
const { translator } = require('../../support/locale');

const t = (() => { const tr = translator(['ami-server']); return (k, p) => tr(`ami-server.${k}`, p); })();

describe('glue/ami-settings', () => {
  it('turns the editor settings into client options with defaults', () => {
    const r = checkAmiServerSettings({ host: ' pbx.example.net ', port: '', events: 'cdr,cel' }, { username: 'cdr', secret: 's' }, undefined);
    assert.equal(r.ok, true);
    const o = r.value.options;
    assert.equal(o.host, 'pbx.example.net');
    assert.equal(o.port, 5038);
    assert.equal(o.events, 'cdr,call');
    assert.equal(o.pingIntervalMs, 20000);
    assert.equal(o.pingTimeoutMs, 10000);
    assert.deepEqual(o.backoff, { initialMs: 1000, maxMs: 60000, jitter: 0.5 });
    assert.equal(o.tls, undefined);
    const tls = checkAmiServerSettings({ host: 'h', port: 5039, pingSec: '0', backoffMaxSec: '5' }, { username: 'u', secret: ' s ' }, { ca: 'x' });
    assert.deepEqual(tls.value.options.tls, { ca: 'x' });
    assert.equal(tls.value.options.pingIntervalMs, 0);
    assert.equal(tls.value.options.secret, ' s ', 'a secret is sent as typed');
    assert.equal(tls.value.events, 'cdr');
    assert.equal(loginEvents('cdr'), 'cdr');
  });

  it('names every bad setting', () => {
    const r = checkAmiServerSettings({ host: 'a b', port: '70000', events: 'all', pingSec: '-1', pingTimeoutSec: '0', backoffMaxSec: 'x' }, {}, undefined);
    assert.equal(r.ok, false);
    assert.deepEqual(r.problems.map((p) => p.key), ['host', 'port', 'events', 'pingSec', 'pingTimeoutSec', 'backoffMaxSec', 'username', 'secret']);
    assert.equal(checkAmiServerSettings({ host: '' , port: 5038 }, { username: 'u', secret: 's' }).ok, false);
    assert.deepEqual(checkAmiServerSettings({ host: 'h' }, { username: 'u' }).problems.map((p) => p.key), ['secret']);
  });

  it('reads the Events choice on its own, so that a server with other bad settings still tells what it asks for', () => {
    assert.equal(amiEventChoice('cdr,cel'), 'cdr,cel');
    assert.equal(amiEventChoice(''), 'cdr');
    assert.equal(amiEventChoice(undefined), 'cdr');
    assert.equal(amiEventChoice('all'), null);
  });

  it('names the environment variables a ${NAME} login waits for (Node-RED leaves the text when NAME is not set)', () => {
    assert.deepEqual(unsetLoginVariables({ username: '${AMI_USER}', secret: '${AMI_SECRET}' }), ['AMI_USER', 'AMI_SECRET']);
    assert.deepEqual(unsetLoginVariables({ username: 'cdruser', secret: '$(PBX_SECRET)' }), ['PBX_SECRET']);
    // Filled in by Node-RED, or a secret that merely contains a dollar: a login to try.
    assert.deepEqual(unsetLoginVariables({ username: 'cdruser', secret: 'pa${ss}' }), []);
    assert.deepEqual(unsetLoginVariables({}), []);
  });

  it('shows each connection state as the conventions say', () => {
    assert.deepEqual(amiStatus({ state: 'connecting', attempt: 0 }, 'pbx:5038', '', t), { fill: 'yellow', shape: 'ring', text: 'connecting to pbx:5038' });
    assert.deepEqual(amiStatus({ state: 'connected', attempt: 0 }, 'pbx:5038', '12 rec', t), { fill: 'green', shape: 'dot', text: 'pbx:5038 · 12 rec' });
    assert.deepEqual(amiStatus({ state: 'login-failed', reason: 'login refused: Authentication failed', retryInMs: 4000, attempt: 3 }, 'pbx:5038', '', t),
      { fill: 'red', shape: 'ring', text: 'login failed: Authentication failed · retry in 4s' });
    assert.deepEqual(amiStatus({ state: 'disconnected', reason: 'connection reset by the server', retryInMs: 90000, attempt: 1 }, 'pbx:5038', '', t),
      { fill: 'red', shape: 'ring', text: 'connection reset by the server · retry in 1m 30s' });
    assert.equal(amiStatus({ state: 'closed', attempt: 0 }, 'x', '', t).fill, 'grey');
  });

  it('writes retry delays short', () => {
    assert.equal(shortDelay(0), '1s');
    assert.equal(shortDelay(1499), '1s');
    assert.equal(shortDelay(59000), '59s');
    assert.equal(shortDelay(60000), '1m');
    assert.equal(shortDelay(125000), '2m 5s');
  });
});

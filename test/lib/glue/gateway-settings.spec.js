'use strict';
const assert = require('node:assert/strict');
const { checkGatewaySettings } = require('../../../nodes/lib/glue/gateway-settings');

describe('glue/gateway-settings', () => {
  it('fills defaults', () => {
    const c = checkGatewaySettings({});
    assert.deepEqual(c, { ok: true, value: { transport: 'tcp', separator: 'tab', gateway: '', filter: 'all', openTimeoutMs: 14_400_000, maxOpenCalls: 10_000, file: null } });
  });

  it('reads blank settings (an emptied field) as their defaults, as the editor does', () => {
    const c = checkGatewaySettings({ transport: '', separator: '', filter: '' });
    assert.deepEqual(c.value, { transport: 'tcp', separator: 'tab', gateway: '', filter: 'all', openTimeoutMs: 14_400_000, maxOpenCalls: 10_000, file: null });
  });

  it('reads every setting', () => {
    const c = checkGatewaySettings({ transport: 'udp', separator: 'pipe', gateway: ' 8200 ', filter: 'only-pstn', openTimeoutSec: '60', maxOpenCalls: 5 });
    assert.deepEqual(c.value, { transport: 'udp', separator: 'pipe', gateway: '8200', filter: 'only-pstn', openTimeoutMs: 60_000, maxOpenCalls: 5, file: null });
  });

  it('names each bad setting', () => {
    const c = checkGatewaySettings({ transport: 'ftp', separator: ';', gateway: 'a b', filter: 'Only PSTN', openTimeoutSec: 0, maxOpenCalls: -1 });
    assert.equal(c.ok, false);
    assert.deepEqual(c.problems.map((p) => p.key), ['transport', 'separator', 'gateway', 'filter', 'openTimeoutSec', 'maxOpenCalls']);
  });
});

describe('glue/gateway-settings (file)', () => {
  it('reads the file settings', () => {
    const c = checkGatewaySettings({ transport: 'file', path: ' /var/log/gw/events.tsv ', startAt: 'beginning', encoding: 'gbk' });
    assert.deepEqual(c.value.file, { path: '/var/log/gw/events.tsv', startAt: 'beginning', encoding: 'gbk', checkpointDir: '' });
    assert.deepEqual(checkGatewaySettings({ transport: 'file', path: 'a' }).value.file, { path: 'a', startAt: 'end', encoding: 'utf8', checkpointDir: '' });
  });

  it('names each bad file setting', () => {
    const c = checkGatewaySettings({ transport: 'file', path: '', startAt: 'middle', encoding: 'klingon-8' });
    assert.deepEqual(c.problems.map((p) => p.key), ['path', 'startAt', 'encoding']);
  });
});

'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { parseLogLine, GatewayLineError } = require('../../../../nodes/lib/formats/gateway');

const SAMPLE = require('../../../support/samples').samplePath('gateway', 'gateway-log-2004-01.tsv');

describe('formats/gateway/log-line', () => {
  // The sample, line by line: [kind, gateway, mac, address, port] (+ login details where the line has them).
  const expected = [
    ['login', '8200', '000C2A020082', '61.222.171.22', 2348, { fxs: 2, fxo: 2, isdn: 0 }, 74, '2000/01/02 08:17:38'],
    ['login', '8200', '000C2A02019C', '10.10.1.111', 2387, { fxs: 2, fxo: 2, isdn: 0 }, 61, '2000/01/09 00:44:45'],
    ['login', '8378', '000C2A0201B2', '61.230.9.101', 2050, { fxs: 2, fxo: 2, isdn: 0 }, 2, '2000/01/01 08:00:12'],
    ['re-login', '8200', '000C2A02019C', '10.10.1.111', 2048],
    ['login', '8200', '000C2A02019C', '10.10.1.111', 2048, { fxs: 2, fxo: 2, isdn: 0 }, 64, '2000/01/01 08:00:06'],
    ['kick-out', '8200', undefined, '10.10.1.111', 2387],
    ['disconnect', null, undefined, '24.232.59.13', 2765],
    ['bad-packet', null, undefined, '24.232.59.13', 51059],
    ['bad-packet', null, undefined, '24.232.59.13', 51060],
    ['bad-packet', null, undefined, '24.232.59.13', 51061],
    ['bad-packet', null, undefined, '218.59.145.55', 1558],
    ['re-login', '8378', '000C2A0201B2', '61.230.16.82', 2050],
    ['login', '8378', '000C2A0201B2', '61.230.16.82', 2050, { fxs: 2, fxo: 2, isdn: 0 }, 2, '2000/01/01 08:00:12'],
    ['kick-out', '8378', undefined, '61.230.9.101', 2050],
    ['bad-packet', null, undefined, '218.59.145.55', 2751],
    ['re-login', '8200', '000C2A020082', '61.222.171.22', 2049],
    ['login', '8200', '000C2A020082', '61.222.171.22', 2049, { fxs: 2, fxo: 2, isdn: 0 }, 122, '2000/01/01 08:00:06'],
    ['kick-out', '8200', undefined, '61.222.171.22', 2348],
    ['bad-packet', null, undefined, '218.5.19.141', 17838],
    ['bad-packet', null, undefined, '64.223.176.197', 1434],
    ['logout', '8200', undefined, '10.10.1.111', undefined],
    ['disconnect', '8200', undefined, '10.10.1.111', 2048],
    ['login', '8200', '000C2A02019C', '10.10.1.111', 2048, { fxs: 2, fxo: 2, isdn: 0 }, 29, '2000/01/01 08:00:06'],
    ['disconnect', null, undefined, '24.232.59.13', 2765],
    ['bad-packet', null, undefined, '24.232.59.13', 46741],
    ['bad-packet', null, undefined, '24.232.59.13', 46743],
    ['bad-packet', null, undefined, '24.232.59.13', 46742],
    ['disconnect', null, undefined, '218.2.9.252', 4478],
  ];

  it('parses the gateway log sample line by line', () => {
    const lines = fs.readFileSync(SAMPLE, 'utf8').split('\n').filter((l) => l !== '');
    assert.equal(lines.length, expected.length);
    lines.forEach((line, i) => {
      const s = parseLogLine(line);
      const [kind, gateway, mac, address, port, ports, callRef, gatewayTime] = expected[i];
      const where = `line ${i + 1}: ${line}`;
      assert.equal(s.time, line.slice(0, 19), where);
      assert.equal(s.kind, kind, where);
      assert.equal(s.gateway, gateway, where);
      assert.equal(s.mac, mac, where);
      assert.equal(s.address, address, where);
      assert.equal(s.port, port, where);
      assert.deepEqual(s.ports, ports, where);
      assert.equal(s.callRef, callRef, where);
      assert.equal(s.gatewayTime, gatewayTime, where);
      assert.equal(s.text, line.slice(20), where);
    });
    assert.equal(parseLogLine(lines[20]).size, 21);
  });

  it('skips blank lines and refuses what is not a log line', () => {
    assert.equal(parseLogLine(''), null);
    for (const bad of [
      'Gateway[8200] from [10.10.1.111:2048] Gateway Disconnect',
      '2004/01/16 14:39:33\tGateway[8200] from [10.10.1.111:2048] Exploded',
      '2004/01/16 14:39:33\tGateway[8200] Login!',
      '2004/01/16 14:39:33\tHello',
      '2004/01/16 14:39:33\tGateway[8200] MAC[000C2A02019C] From [10.10.1.111:2048] FXS(2) FXO(2',
    ]) {
      assert.throws(() => parseLogLine(bad), (e) => e instanceof GatewayLineError && e.code === 'unknown-log-line' && e.line === bad, bad);
    }
    assert.throws(() => parseLogLine('2004/13/16 14:39:33\tGateway[???] from [1.2.3.4:5] Bad Packet'), (e) => e.code === 'bad-time');
  });
});

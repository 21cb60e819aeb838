'use strict';
const assert = require('node:assert/strict');
const { parseGatewayLine, GatewayLineError } = require('../../../../nodes/lib/formats/gateway');

describe('formats/gateway/line', () => {
  it('tells event lines from log lines on one stream', () => {
    const ev = parseGatewayLine('8200\t2004/01/26 23:13:11\t1\t1\tHOOK_OFF\t\t\t\t');
    assert.equal(ev.type, 'event');
    assert.equal(ev.event.Gateway, '8200');
    const st = parseGatewayLine('2004/01/15 02:10:47\tGateway[???] from [24.232.59.13:51059] Bad Packet\r');
    assert.equal(st.type, 'status');
    assert.equal(st.status.kind, 'bad-packet');
    const lo = parseGatewayLine('2004/01/16 02:37:06\t[Logout: 8200] [IP:10.10.1.111] [Size:21]');
    assert.equal(lo.status.kind, 'logout');
    assert.equal(parseGatewayLine('Time\tCall-Ref\t#\tEvent\tDialed\tCaller-ID\tInfo\tP-Port'), null);
    assert.equal(parseGatewayLine(''), null);
  });

  it('gives a log message behind a bad time a time error', () => {
    assert.throws(() => parseGatewayLine('2004/01/15\tGateway[???] from [1.2.3.4:5] Bad Packet'), (e) => e instanceof GatewayLineError && e.code === 'bad-time');
  });
});

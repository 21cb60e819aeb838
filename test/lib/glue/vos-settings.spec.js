'use strict';
const assert = require('node:assert/strict');
const { checkVosSettings, fieldList } = require('../../../nodes/lib/glue/vos-settings');

const problems = (config) => {
  const c = checkVosSettings(config);
  assert.equal(c.ok, false, JSON.stringify(config));
  return c.problems.map((p) => p.detail).join('\n');
};

describe('glue/vos-settings', () => {
  it('gives the defaults for an empty config: TCP on, 19 fields, no window, no alert', () => {
    const c = checkVosSettings({ tcpPort: '9000' });
    assert.equal(c.ok, true);
    const s = c.value;
    assert.equal(s.tcp.port, 9000);
    assert.equal(s.tcp.host, '0.0.0.0');
    assert.equal(s.tcp.maxFrameBytes, 64 * 1024);
    assert.equal(s.tcp.maxConnections, 16);
    assert.equal(s.tcp.idleTimeoutMs, 0);
    assert.equal(s.udp, null);
    assert.equal(s.files, null);
    assert.equal(s.format.fields.length, 19);
    assert.equal(s.format.separator, '|');
    assert.equal(s.reorder, null);
    assert.equal(s.silenceMs, 0);
    assert.equal(s.topic, 'vos3000');
    assert.equal(s.useTls, false);
  });

  it('reads every setting', () => {
    const c = checkVosSettings({
      tcp: false, udp: true, udpPort: 5000, files: true, dir: '/var/vos/cdr', pattern: 'cdr_YYYY-MM-DD_HH.log', backfill: 'from', backfillFrom: '2024-05-01',
      encoding: 'gbk', checkpoint: '/var/lib/ck', maxFrameKb: '8', fields: 'callerE164 calleeE164 startTime stopTime holdTime x', separator: ',', pddUnit: 's',
      maxExtraFields: '2', reorder: true, reorderWindowSec: '5', reorderMaxHeld: '1000', silenceAlertMin: '0.5', topic: ' sw1 ', allow: '10.0.0.0/8',
    });
    assert.equal(c.ok, true, JSON.stringify(c.problems));
    const s = c.value;
    assert.equal(s.tcp, null);
    assert.equal(s.udp.port, 5000);
    assert.ok(s.udp.allow.allows('10.1.2.3'));
    assert.deepEqual(s.reorder, { windowMs: 5000, maxHeld: 1000 });
    assert.equal(s.silenceMs, 30000);
    assert.equal(s.topic, 'sw1');
    assert.equal(s.format.pddUnit, 's');
    assert.equal(s.format.maxFields, 8);
    assert.equal(s.files.dir, '/var/vos/cdr');
    assert.equal(s.files.backfillFrom, '2024050100');
    assert.equal(s.files.sortKey('cdr_2024-05-01_07.log'), '2024050107');
    assert.equal(s.files.encoding, 'gbk');
    assert.equal(s.files.checkpointDir, '/var/lib/ck');
    assert.equal(s.files.maxLineBytes, 8192);
    assert.equal(checkVosSettings({ tcp: false, files: true, dir: '/d', backfill: 'all' }).value.files.backfillFrom, '\u0001');
    assert.equal('backfillFrom' in checkVosSettings({ tcp: false, files: true, dir: '/d' }).value.files, false);
  });

  it('names every problem', () => {
    assert.match(problems({ tcp: false }), /enable TCP, UDP, hourly files, or several/);
    assert.match(problems({ tcpPort: 'x' }), /port must be/);
    assert.match(problems({ tcpPort: 1, udp: true, udpPort: 70000 }), /port must be/);
    assert.match(problems({ tcpPort: 1, fields: 'a a' }), /appears twice/);
    assert.match(problems({ tcpPort: 1, separator: '\n' }), /separator/);
    assert.match(problems({ tcpPort: 1, maxExtraFields: -1 }), /extra fields/);
    assert.match(problems({ tcpPort: 1, reorder: true, reorderWindowSec: 0 }), /reorder window/);
    assert.match(problems({ tcpPort: 1, reorder: true, reorderMaxHeld: 'lots' }), /hold at most/);
    assert.match(problems({ tcpPort: 1, silenceAlertMin: -1 }), /silence alert/);
    assert.match(problems({ tcpPort: 1, maxFrameKb: 0 }), /largest/);
    assert.match(problems({ tcpPort: 1, allow: 'nope' }), /allow-list/);
    assert.match(problems({ tcp: false, files: true, dir: 'rel' }), /absolute path/);
    assert.match(problems({ tcp: false, files: true, dir: '/d', backfill: 'from', backfillFrom: 'x' }), /backfill date/);
    assert.match(problems({ tcp: false, files: true, dir: '/d', pattern: 'HHYYYY.txt' }), /order YYYY, MM, DD, HH/);
    assert.match(problems({ tcp: false, files: true, dir: '/d', encoding: 'klingon' }), /unknown text encoding "klingon"/);
    // Reorder settings are only checked when reordering is on.
    assert.equal(checkVosSettings({ tcpPort: 1, reorder: false, reorderWindowSec: 0 }).ok, true);
  });

  it('splits a field list on commas, spaces, semicolons and pipes', () => {
    assert.deepEqual(fieldList(' a, b;c|d  e '), ['a', 'b', 'c', 'd', 'e']);
    assert.equal(fieldList(''), null);
    assert.equal(fieldList(undefined), null);
  });
});

'use strict';
// What cdr-stats does with a record, without Node-RED: its keys read by the
// readers chosen when the node starts (built-in fields, msg properties, JSONata
// values handed in), revenue from a msg property, and one key list refilled for
// every record, so a record after another is not counted under the first one's keys.
const assert = require('node:assert/strict');
const { StatsEngine } = require('../../../nodes/lib/stats/engine');
const { StatsInput } = require('../../../nodes/lib/glue/stats-input');
const { checkStatsSettings } = require('../../../nodes/lib/glue/stats-config');
const { call } = require('../stats/traffic');

const property = (msg, path) => path.split('.').reduce((o, k) => (o == null ? undefined : o[k]), msg);

function input(config) {
  const checked = checkStatsSettings({ windows: 'sliding 15m', timeZone: 'UTC', ...config });
  assert.ok(checked.ok, JSON.stringify(checked.problems));
  const engine = new StatsEngine(checked.value.engine);
  return { engine, input: new StatsInput(checked.value, engine, property) };
}

const rows = (engine, now) => Object.fromEntries(engine.report(now).map((r) => [`${r.key}:${r.value}`, r]));

describe('glue/stats-input: a record counted under its keys', () => {
  it('built-in fields, a msg property, a JSONata value and revenue, record after record', () => {
    const keys = JSON.stringify([{ t: 'field', v: 'trunk' }, { t: 'field', v: 'pbx' }, { t: 'msg', v: 'tenant' }, { t: 'jsonata', v: 'payload.vendor' }]);
    const { engine, input: i } = input({ keys, revenue: 'sale' });
    const now = Date.now();
    const a = i.read(call({ n: 1, endMs: now - 1000, trunk: 'tr-a' }));
    const b = i.read(call({ n: 2, endMs: now - 500, disposition: 'busy' }));
    assert.equal(typeof a, 'object');
    i.add(a, { source: { pbx: 'pbx1' }, tenant: 'acme', sale: { amount: 0.5, currency: 'EUR' } }, now, [undefined, undefined, undefined, 'ucm']);
    i.add(b, {}, now, []);
    const r = rows(engine, now);
    assert.deepEqual(Object.keys(r).sort(), ['payload.vendor:(none)', 'payload.vendor:ucm', 'pbx:(none)', 'pbx:pbx1', 'tenant:(none)', 'tenant:acme', 'trunk:(none)', 'trunk:tr-a']);
    assert.deepEqual([r['trunk:tr-a'].attempts, r['trunk:tr-a'].revenue, r['trunk:tr-a'].recentIds], [1, { EUR: 0.5 }, ['t:1']]);
    assert.deepEqual([r['tenant:(none)'].attempts, r['tenant:(none)'].failedIds, r['tenant:(none)'].revenue], [1, ['t:2'], {}]);
  });

  it('says why a payload is not a record', () => {
    const { input: i } = input({});
    assert.match(i.read('hello'), /not a Cdr/);
    assert.match(i.read({ schema: 1, startTime: 'soon', endTime: 'later', disposition: 'answered' }), /start time is not a time/);
  });
});

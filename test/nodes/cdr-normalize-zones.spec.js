'use strict';
// One cdr-normalize for PBXs in several time zones (issue 12, section 4): the
// zone of each record's wall-clock times comes from msg.timeZone, else from
// the node's zones by source (msg.source.pbx, then msg.source.address), else
// from the node's PBX time zone.
const assert = require('node:assert/strict');
const { helper, core, load, collect, logs } = require('../support/red');
const { waitFor } = require('../support/wait');
const { assertValidCdr } = require('../support/cdr-schema');
const { ucmRecords } = require('../support/ucm-samples');
const { checkNormalizeSettings, parseSourceZones, zoneOf } = require('../../nodes/lib/glue/normalize-config');
const normalizeNode = require('../../nodes/cdr-normalize.js');

const SOURCE = { vendor: 'ucm', format: 'json', transport: 'tcp', address: '127.0.0.1', port: 5000, receivedAt: '2024-01-01T00:00:00.000Z' };
// A single-leg UCM sample: it starts at 2022-08-22 09:35:07 on the PBX's wall clock.
const leg = () => ucmRecords().find((r) => !r.main_cdr);
const AS_LONDON = '2022-08-22T08:35:07.000Z';
const AS_PARIS = '2022-08-22T07:35:07.000Z';
const AS_NEW_YORK = '2022-08-22T13:35:07.000Z';
const AS_TOKYO = '2022-08-22T00:35:07.000Z';
const ZONES = '# our PBXs abroad\npbx-paris Europe/Paris\n\n10.9.9.9   America/New_York\n';

describe('cdr-normalize: time zones by source', function () {
  this.timeout(30000);

  describe('parseSourceZones / zoneOf', () => {
    it('reads one source and zone a line, skipping blank lines and comments', () => {
      const r = parseSourceZones(ZONES);
      assert.deepEqual([...r.zones], [['pbx-paris', 'Europe/Paris'], ['10.9.9.9', 'America/New_York']]);
    });

    it('names the line of a bad entry', () => {
      assert.match(parseSourceZones('pbx-a Europe/Paris\npbx-b Mars/Base').error, /line 2: "Mars\/Base" is not an IANA zone/);
      assert.match(parseSourceZones('\npbx-a').error, /line 2: write a source and a zone/);
      assert.match(parseSourceZones('pbx-a UTC\npbx-a Europe/Paris').error, /line 2: pbx-a is given twice/);
    });

    it('msg.timeZone first, then the pbx, then the address, then the node zone', () => {
      const settings = { timeZone: 'Europe/London', sourceZones: parseSourceZones(ZONES).zones };
      assert.deepEqual(zoneOf(settings, { timeZone: 'Asia/Tokyo', source: { pbx: 'pbx-paris' } }), { zone: 'Asia/Tokyo' });
      assert.deepEqual(zoneOf(settings, { source: { pbx: 'pbx-paris', address: '10.9.9.9' } }), { zone: 'Europe/Paris' });
      assert.deepEqual(zoneOf(settings, { source: { pbx: 'elsewhere', address: '10.9.9.9' } }), { zone: 'America/New_York' });
      assert.deepEqual(zoneOf(settings, { source: { address: '10.0.0.1' } }), { zone: 'Europe/London' });
      assert.deepEqual(zoneOf(settings, {}), { zone: 'Europe/London' });
      assert.match(zoneOf(settings, { timeZone: 'CEST' }).error, /msg.timeZone "CEST" is not an IANA zone/);
    });
  });

  describe('in a real Node-RED', () => {
    afterEach(async () => {
      await helper.unload();
    });

    async function start(props) {
      await load([normalizeNode, core.catch, core.status], [
        { id: 'n', type: 'cdr-normalize', vendor: 'auto', timeZone: 'Europe/London', sourceZones: ZONES, output: 'leg', format: 'cdr', dedupe: 'off', wires: [['out']], ...props },
        { id: 'out', type: 'helper' },
        { id: 'c', type: 'catch', scope: null, uncaught: false, wires: [['err']] },
        { id: 'err', type: 'helper' },
        { id: 's', type: 'status', scope: ['n'], wires: [['st']] },
        { id: 'st', type: 'helper' },
      ]);
      return { node: helper.getNode('n'), out: collect('out'), err: collect('err'), st: collect('st') };
    }

    it('reads each record in the zone of its source', async () => {
      const { node, out, err } = await start();
      const record = leg();
      const cases = [
        [{ source: { ...SOURCE, pbx: 'pbx-paris' } }, AS_PARIS],
        [{ source: { ...SOURCE, address: '10.9.9.9' } }, AS_NEW_YORK],
        [{ source: { ...SOURCE, pbx: 'pbx-paris' }, timeZone: 'Asia/Tokyo' }, AS_TOKYO],
        [{ source: SOURCE }, AS_LONDON],
      ];
      for (const [extra] of cases) node.receive({ payload: record, topic: 'ucm', ...extra });
      await waitFor(() => out.length === cases.length, 'one Cdr per record');
      out.forEach((m) => assertValidCdr(m.payload));
      assert.deepEqual(out.map((m) => m.payload.startTime), cases.map(([, want]) => want));
      assert.equal(err.length, 0);
    });

    it('reports a msg.timeZone that is not a zone, with the message, and goes on', async () => {
      const { node, out, err } = await start();
      node.receive({ payload: leg(), topic: 'ucm', source: SOURCE, timeZone: 'CEST' });
      node.receive({ payload: leg(), topic: 'ucm', source: SOURCE });
      await waitFor(() => err.length === 1 && out.length === 1, 'one error, then the good record');
      // (The test helper loads no message catalog: the text is its key; zoneOf's reason is checked above.)
      assert.equal(err[0].error.message, 'cdr-normalize.errors.map');
      assert.equal(err[0].timeZone, 'CEST');
      assert.equal(out[0].payload.startTime, AS_LONDON);
    });

    it('a bad line in the zones by source is an invalid setting naming the line', async () => {
      await start({ sourceZones: 'pbx-paris Europe/Paris\npbx-mars Mars/Base' });
      assert.deepEqual(logs('n', 'error').map((e) => e.msg), ['cdr-normalize.errors.setting']);
      const checked = checkNormalizeSettings({ sourceZones: 'pbx-paris Europe/Paris\npbx-mars Mars/Base' });
      assert.equal(checked.ok, false);
      assert.deepEqual(checked.problems.map((p) => p.key), ['sourceZones']);
      assert.match(checked.problems[0].detail, /zones by source, line 2: "Mars\/Base" is not an IANA zone/);
    });
  });
});

'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const helper = require('node-red-node-test-helper');
const { connect, write } = require('../support/net');
const { waitFor } = require('../support/wait');
const { generateGatewayTraffic } = require('../../nodes/lib/sim/gateway');

helper.init(require.resolve('node-red'), { userDir: require('../support/user-dir').userDir });

const CORE = path.dirname(require.resolve('@node-red/nodes/package.json'));
const coreNodes = [
  'core/common/20-inject.js', 'core/common/21-debug.js', 'core/common/90-comment.js',
  'core/function/10-function.js', 'core/parsers/70-JSON.js', 'core/storage/10-file.js',
].map((f) => require(path.join(CORE, f)));
const gwNode = require('../../nodes/gw-cdr-in.js');
const ackNode = require('../../nodes/cdr-ack.js');

describe('example: gateway-cdr-report', function () {
  let dir;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-report-')); });
  afterEach(async () => {
    await helper.unload();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stores the records and lists one gateway and date range like the report', async () => {
    const file = path.join(dir, 'gateway-cdr.ndjson');
    const flow = JSON.parse(fs.readFileSync(path.join(__dirname, '../../examples/gateway-cdr-report.json'), 'utf8'))
      .filter((n) => n.type !== 'tab')
      .map((n) => {
        const copy = { ...n, z: 'example' };
        if (n.type === 'gw-cdr-in') copy.port = 0;
        if (n.type === 'file' || n.type === 'file in') copy.filename = file;
        if (n.name === 'select gateway + dates') copy.wires = [[...n.wires[0], 'report']];
        if (n.type === 'cdr-ack') copy.wires = [['acked']];
        return copy;
      });
    flow.push({ id: 'report', type: 'helper', z: 'example' }, { id: 'acked', type: 'helper', z: 'example' }, { id: 'example', type: 'tab' });
    await helper.load([gwNode, ackNode, ...coreNodes], flow);
    const acked = [];
    helper.getNode('acked').on('input', (m) => acked.push(m));
    const gw = helper.getNode('a1f0c0de00000003');
    const port = await gw.listening;

    // Two gateways, two days (the simulator starts 2004/01/15 23:00 and runs past midnight).
    const traffic = generateGatewayTraffic({ calls: 24, gateways: ['8200', '8378'], start: '2004/01/15 23:00:00', spacingSec: 300, seed: 11 });
    const s = await connect(port);
    await write(s, traffic.lines.join('\n') + '\n');
    s.end();
    await waitFor(() => fs.existsSync(file) && fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length === 24, 'all 24 records stored');
    // Each acknowledged once the file node has appended it: its handle reached cdr-ack.
    await waitFor(() => acked.length === 24, 'all 24 records acknowledged');
    assert.equal(new Set(acked.flatMap((m) => m.cdrAck)).size, 24);
    // A record sent again after a crash may be in the file twice: the report lists it once.
    const again = fs.readFileSync(file, 'utf8').split('\n').find((l) => l && JSON.parse(l).Gateway === '8200' && JSON.parse(l).Date === '2004/01/15');
    fs.appendFileSync(file, `${again}\n`);

    const got = [];
    helper.getNode('report').on('input', (m) => got.push(m));
    helper.getNode('a1f0c0de0000000a').receive({ query: { gateway: '8200', from: '2004/01/15', to: '2004/01/15' } });
    await waitFor(() => got.length === 1, 'the report');
    // Objects made in the function node's sandbox have its own prototypes: compare plain copies.
    const rows = JSON.parse(JSON.stringify(got[0].payload));
    const stored = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).slice(0, 24).map((l) => JSON.parse(l));
    const expected = stored.filter((r) => r.Gateway === '8200' && r.Date === '2004/01/15');
    assert.ok(expected.length > 0 && expected.length < 24);
    assert.equal(rows.length, expected.length);
    assert.deepEqual(rows.map((r) => r['#']), rows.map((_, i) => i));
    assert.ok(rows.every((r) => r.Date === '2004/01/15'));
    const begins = rows.map((r) => r.Begin);
    assert.deepEqual(begins, [...begins].sort());
    assert.deepEqual(new Set(rows.map((r) => r['Call-Ref'])), new Set(expected.map((r) => r['Call-Ref'])));
  });
});

'use strict';
// examples/cdr-alerts-webhook.json as a user deploys it: the demo's fraud pattern
// (short calls from one extension to 00882…) sent by a UCM simulator over a real
// TCP socket → cdr-normalize → cdr-calc → cdr-stats / cdr-alert → core http
// request POSTing each alert to a real local HTTP server, and the e-mail text
// an e-mail node would send. Only the tab's URL and the listening port change.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { helper, core, load, collect } = require('../support/red');
const { waitFor } = require('../support/wait');
const { UcmGenerator, UcmSender } = require('../../nodes/lib/sim/ucm');
const { fraudLeg } = require('../../nodes/lib/sim/fraud');

const nodes = [
  require('../../nodes/ucm-cdr-in.js'),
  require('../../nodes/cdr-normalize.js'),
  require('../../nodes/cdr-calc.js'),
  require('../../nodes/cdr-stats.js'),
  require('../../nodes/cdr-alert.js'),
  require('@node-red/nodes/core/common/90-comment.js'),
  require('@node-red/nodes/core/function/15-change.js'),
  require('@node-red/nodes/core/function/10-switch.js'),
  require('@node-red/nodes/core/function/80-template.js'),
  require('@node-red/nodes/core/network/21-httprequest.js'),
  core.catch,
];

const EXAMPLE = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'cdr-alerts-webhook.json'), 'utf8'));
const byName = (name) => EXAMPLE.find((n) => n.name === name);

describe('example: cdr-alerts-webhook', function () {
  this.timeout(30000);
  let server = null;
  let sender = null;

  afterEach(async () => {
    if (sender) await sender.close();
    if (server) await new Promise((r) => server.close(r));
    sender = server = null;
    await helper.unload();
  });

  it('POSTs each alert once, as JSON with an Idempotency-Key, and writes its e-mail subject and text', async () => {
    const requests = [];
    server = http.createServer((req, res) => {
      const parts = [];
      req.on('data', (c) => parts.push(c));
      req.on('end', () => {
        requests.push({ method: req.method, url: req.url, key: req.headers['idempotency-key'], type: req.headers['content-type'], body: JSON.parse(Buffer.concat(parts).toString('utf8')) });
        res.writeHead(204).end();
      });
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${server.address().port}/alerts`;
    const flow = EXAMPLE.map((n) => {
      const copy = JSON.parse(JSON.stringify(n));
      if (n.type === 'tab') copy.env = copy.env.map((e) => (e.name === 'ALERT_WEBHOOK_URL' ? { ...e, value: url } : e));
      if (n.type === 'ucm-cdr-in') Object.assign(copy, { host: '127.0.0.1', port: 0 });
      if (n.type === 'debug') return { id: n.id, type: 'helper', z: n.z, name: n.name };
      return copy;
    });
    await load(nodes, flow);
    const delivered = collect(byName('delivered').id);
    const failed = collect(byName('not delivered').id);
    const mails = collect(byName('e-mail (wire an e-mail node here)').id);
    const errors = collect(byName('errors').id);
    const port = await helper.getNode(EXAMPLE.find((n) => n.type === 'ucm-cdr-in').id).listening;
    sender = new UcmSender({ transport: 'tcp', host: '127.0.0.1', port, format: 'json' });
    const gen = new UcmGenerator({ seed: 4, live: true });
    const now = Date.now();
    for (let i = 0; i < 12; i++) await sender.send(fraudLeg(gen.next('leg'), now - (12 - i) * 1000, i));
    await waitFor(() => requests.length === 2 && delivered.length === 2 && mails.length === 2, 'two alerts posted and written as e-mails', 20000);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(requests.length, 2, 'each alert once');
    assert.deepEqual(requests.map((r) => [r.method, r.url, r.type]), [['POST', '/alerts', 'application/json'], ['POST', '/alerts', 'application/json']]);
    const byRule = Object.fromEntries(requests.map((r) => [r.body.rule, r]));
    assert.deepEqual(Object.keys(byRule).sort(), ['short-call burst', 'watch list']);
    const burst = byRule['short-call burst'];
    assert.deepEqual([burst.body.state, burst.body.key, burst.body.figures.shortCalls, burst.body.causes.length], ['raised', 'caller:1003', 10, 10]);
    assert.equal(burst.key, `short-call burst caller:1003 raised ${burst.body.raisedAt}`);
    assert.equal(byRule['watch list'].body.key, 'caller:1003/882');
    const mail = mails.find((m) => m.alert.rule === 'short-call burst');
    assert.equal(mail.topic, 'cdrflow alert raised: short-call burst caller:1003');
    assert.match(mail.payload, /^cdrflow alert raised: short-call burst \(caller:1003\)/);
    assert.match(mail.payload, /Figures: \{"shortCalls":10,"shortSec":10\}/);
    assert.match(mail.payload, new RegExp(`Cdr ids: ${burst.body.causes[0]}, `));
    assert.deepEqual([failed.length, errors.length], [0, 0]);
  });
});

'use strict';
// A record cdr-calc or cdr-normalize refuses, through a real source with its
// journal and a cdr-ack in the flows: it reaches the error path with its raw
// text and its handle, and is either acknowledged there (Refused: ack, the
// default: it is not re-sent every ack timeout for ever) or left to a
// catch → dead-letter → cdr-ack chain (Refused: catch: re-sent until stored).
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { helper, core, load, collect, userDir } = require('../support/red');
const { withMessages } = require('../support/locale');
const { waitFor } = require('../support/wait');
const { connect, write } = require('../support/net');
const { unacknowledged } = require('../support/journal-files');
const { UcmGenerator, ucmToJson } = require('../../nodes/lib/sim/ucm');

// The helper shares one RED between node modules: each gets the catalog of all three.
const TYPES = ['ucm-cdr-in', 'cdr-calc', 'cdr-normalize'];
const ucmNode = withMessages(require('../../nodes/ucm-cdr-in.js'), ...TYPES);
const calcNode = withMessages(require('../../nodes/cdr-calc.js'), ...TYPES);
const normalizeNode = withMessages(require('../../nodes/cdr-normalize.js'), ...TYPES);
const ackNode = require('../../nodes/cdr-ack.js');
const functionNode = require('@node-red/nodes/core/function/10-function.js');

describe('refused records: on the error path once, or until a dead-letter sink acknowledges them', function () {
  this.timeout(30000);
  let journalDir;
  beforeEach(() => {
    journalDir = fs.mkdtempSync(path.join(userDir, 'journal-refused-'));
  });
  afterEach(() => helper.unload());

  /**
   * ucm-cdr-in (TCP, journal, ack timeout 1 s) → `refuser` (cdr-calc fed a vendor record,
   * or cdr-normalize set to the wrong vendor) → sink → cdr-ack; a catch node on the refuser
   * → dead-letter (a function that loses the first message it gets, as a failing sink
   * would) → cdr-ack.
   */
  async function start(refuser) {
    await load([ucmNode, calcNode, normalizeNode, ackNode, functionNode, core.catch], [
      { id: 'u', type: 'ucm-cdr-in', transport: 'tcp', host: '127.0.0.1', port: 0, format: 'json', journalDir, ackTimeoutSec: 1, wires: [['r']] },
      { ...refuser, id: 'r', wires: [['sink']] },
      { id: 'sink', type: 'helper' },
      { id: 'c', type: 'catch', scope: ['r'], uncaught: false, wires: [['errors', 'dead']] },
      { id: 'errors', type: 'helper' },
      { id: 'dead', type: 'function', func: "const n = context.get('n') || 0;\ncontext.set('n', n + 1);\nreturn n === 0 ? null : msg;", outputs: 1, noerr: 0, initialize: '', finalize: '', libs: [], wires: [['ack']] },
      { id: 'ack', type: 'cdr-ack', wires: [[]] },
    ]);
    const errors = collect('errors');
    const source = helper.getNode('u');
    const socket = await connect(await source.listening);
    const record = new UcmGenerator({ seed: 3 }).next('leg');
    await write(socket, ucmToJson(record));
    socket.destroy();
    const statusText = () => source.status.lastCall?.args[0]?.text ?? '';
    return { errors, record, statusText, refuser: helper.getNode('r') };
  }

  it('cdr-calc, Refused ack (the default): the error carries the raw record and its handle, and the source lets it go', async () => {
    const { errors, record, statusText, refuser } = await start({ type: 'cdr-calc' });
    await waitFor(() => errors.length === 1, 'the refusal on the error path');
    assert.deepEqual(errors[0].payload, record, 'the raw vendor record in msg.payload');
    assert.match(errors[0].error.message, /record not calculated/);
    assert.equal(errors[0].cdrAck.length, 1);
    // Settled without a cdr-ack on the error path: nothing left in the journal to send again.
    await waitFor(() => /via cdr-ack · 0 unacked/.test(statusText()), 'acknowledged by cdr-calc');
    assert.deepEqual(unacknowledged(journalDir), []);
    assert.equal(errors.length, 1);
    // (The helper's status spy is shared by every node: look through all the calls.)
    await waitFor(() => refuser.status.args.some((a) => a[0].text === '0 rec · 1 refused'), 'counted as refused in the status');
  });

  it('cdr-calc, Refused catch: re-sent after each timeout until the dead-letter sink passes it to cdr-ack', async () => {
    const { errors, record, statusText } = await start({ type: 'cdr-calc', refused: 'catch' });
    await waitFor(() => errors.length === 1, 'the first refusal');
    assert.equal(unacknowledged(journalDir).length, 1, 'the dead-letter sink lost it: still owed');
    // The source sends it again; this time the dead-letter sink stores it and cdr-ack lets it go.
    await waitFor(() => errors.length === 2, 'the refusal of the re-sent record', 10000);
    assert.equal(errors[1].redelivered, true);
    assert.deepEqual(errors[1].payload, record);
    assert.deepEqual(errors[1].cdrAck, errors[0].cdrAck);
    await waitFor(() => /0 unacked/.test(statusText()), 'acknowledged by the cdr-ack after the dead-letter sink');
    assert.deepEqual(unacknowledged(journalDir), []);
  });

  it('cdr-normalize refusing a record it cannot map: Refused ack lets it go, Refused catch keeps it owed', async () => {
    const first = await start({ type: 'cdr-normalize', vendor: 'freeswitch' });
    await waitFor(() => first.errors.length === 1, 'the refusal');
    assert.deepEqual(first.errors[0].payload, first.record);
    await waitFor(() => /0 unacked/.test(first.statusText()), 'acknowledged by cdr-normalize');
    assert.deepEqual(unacknowledged(journalDir), []);
    await helper.unload();

    const second = await start({ type: 'cdr-normalize', vendor: 'freeswitch', refused: 'catch' });
    await waitFor(() => second.errors.length === 2, 'refused again after the timeout', 10000);
    await waitFor(() => /0 unacked/.test(second.statusText()), 'acknowledged through the dead-letter chain');
  });
});

'use strict';
// Every network listener of every source node, loaded into a real Node-RED with its
// default limits, with one good record a real sender would send. Shared by the
// hostile-sender, protocol-mismatch and garbage-flood specs.
const fs = require('node:fs');
const helper = require('node-red-node-test-helper');
const { withMessages } = require('./locale');
const { testCertificate } = require('./tls');
const { samplePath, ucmSampleRecords } = require('./samples');
const { core } = require('./red');
const ucm = withMessages(require('../../nodes/ucm-cdr-in.js'), 'ucm-cdr-in');
const fsIn = withMessages(require('../../nodes/fs-cdr-in.js'), 'fs-cdr-in');
const vos = withMessages(require('../../nodes/vos-cdr-in.js'), 'vos-cdr-in');
const gw = withMessages(require('../../nodes/gw-cdr-in.js'), 'gw-cdr-in');
const fsSim = require('../../nodes/lib/sim/freeswitch');
const vosSim = require('../../nodes/lib/sim/vos');
const { ucmToJson, ucmToXml } = require('../../nodes/lib/sim/ucm');

const fsXml = fs.readFileSync(samplePath('freeswitch', 'a_80183ec8-d424-11e3-8fb2-65b6c3cdac7d.cdr.xml'), 'utf8');
// The two complete calls of the sample's event view: its third call never hangs
// up there, so sent again it would be closed by its own repeat, one record more.
const gwEvents = fs.readFileSync(samplePath('gateway', 'events-2004-01-26.tsv'), 'utf8').split('\n').filter((l) => l.split('\t')[1] !== '3').join('\n');

/** A good record as a sender sends it: bytes on a stream, or an HTTP body. */
function ucmRecord(format = 'json') {
  const r = ucmSampleRecords()[1];
  return format === 'xml' ? ucmToXml(r) : ucmToJson(r);
}
let vosSeq = 1;
function vosLines(n = 1) {
  return vosSim.generateCalls(n, { startMs: Date.now() - 60_000, cps: 10, seed: vosSeq++ }).map((c) => `${vosSim.formatLine(c)}\r\n`).join('');
}

/**
 * Each listener: `kind` (tcp | tls | http | https | udp), `records` expected from one
 * `good` send, the dialog defaults' connection limit, and its node settings.
 */
const LISTENERS = [
  { name: 'ucm-cdr-in TCP', kind: 'tcp', type: 'ucm-cdr-in', props: { transport: 'tcp' }, max: 100, framing: 'json', good: () => ucmRecord(), records: 1 },
  { name: 'ucm-cdr-in TCP+TLS', kind: 'tls', type: 'ucm-cdr-in', props: { transport: 'tcp', useTls: true, tls: 'tls1' }, max: 100, framing: 'json', good: () => ucmRecord(), records: 1 },
  { name: 'ucm-cdr-in HTTP', kind: 'http', type: 'ucm-cdr-in', props: { transport: 'http' }, max: 100, good: () => ({ body: ucmRecord(), contentType: 'application/json' }), records: 1 },
  { name: 'ucm-cdr-in HTTPS', kind: 'https', type: 'ucm-cdr-in', props: { transport: 'https', tls: 'tls1' }, max: 100, good: () => ({ body: ucmRecord(), contentType: 'application/json' }), records: 1 },
  { name: 'fs-cdr-in HTTP', kind: 'http', type: 'fs-cdr-in', props: { mode: 'http' }, max: 100, good: () => fsSim.postBody(fsXml, 'xml', 'raw'), records: 1 },
  { name: 'fs-cdr-in HTTPS', kind: 'https', type: 'fs-cdr-in', props: { mode: 'http', useTls: true, tls: 'tls1' }, max: 100, good: () => fsSim.postBody(fsXml, 'xml', 'raw'), records: 1 },
  { name: 'vos-cdr-in TCP', kind: 'tcp', type: 'vos-cdr-in', props: { tcp: true, tcpPort: 0, reorder: false }, max: 16, framing: 'line', good: () => vosLines(1), records: 1 },
  { name: 'vos-cdr-in TCP+TLS', kind: 'tls', type: 'vos-cdr-in', props: { tcp: true, tcpPort: 0, reorder: false, useTls: true, tls: 'tls1' }, max: 16, framing: 'line', good: () => vosLines(1), records: 1 },
  { name: 'vos-cdr-in UDP', kind: 'udp', type: 'vos-cdr-in', props: { tcp: false, udp: true, udpPort: 0, reorder: false }, good: () => vosLines(1), records: 1 },
  { name: 'gw-cdr-in TCP', kind: 'tcp', type: 'gw-cdr-in', props: { transport: 'tcp' }, max: 100, framing: 'line', good: () => gwEvents, records: 2 },
  { name: 'gw-cdr-in UDP', kind: 'udp', type: 'gw-cdr-in', props: { transport: 'udp' }, good: () => gwEvents, records: 2 },
];

const MODULES = { 'ucm-cdr-in': ucm, 'fs-cdr-in': fsIn, 'vos-cdr-in': vos, 'gw-cdr-in': gw };

/**
 * Loads the listener's node (port 0, 127.0.0.1) wired to a sink and a catch node;
 * resolves with its port and what reaches them.
 */
async function loadListener(l, extraProps = {}) {
  const cert = testCertificate();
  const node = { id: 'src', type: l.type, host: '127.0.0.1', port: 0, ...l.props, ...extraProps, wires: [['out']] };
  if (l.type === 'vos-cdr-in' || l.type === 'gw-cdr-in') node.wires = [['out'], []];
  const flow = [
    node,
    { id: 'out', type: 'helper' },
    { id: 'c', type: 'catch', scope: ['src'], uncaught: false, wires: [['err']] },
    { id: 'err', type: 'helper' },
    { id: 'tls1', type: 'tls-config', cert: cert.certFile, key: cert.keyFile, ca: '', verifyservercert: false },
  ];
  await new Promise((resolve, reject) => {
    try {
      helper.load([MODULES[l.type], core.catch, core.tls], flow, {}, resolve);
    } catch (err) {
      reject(err);
    }
  });
  const n = helper.getNode('src');
  const got = { records: [], errors: [], cert };
  helper.getNode('out').on('input', (m) => got.records.push(m));
  helper.getNode('err').on('input', (m) => got.errors.push(m));
  const up = await n.listening;
  const port = typeof up === 'number' ? up : l.kind === 'udp' ? up.udp : up.tcp;
  return { n, port, got };
}

module.exports = { LISTENERS, loadListener, ucmRecord, vosLines, gwEvents, fsXml };

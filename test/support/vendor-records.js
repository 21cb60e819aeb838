'use strict';
// Vendor records of every mapped vendor, built from the real samples (and the
// simulators where a vendor published none), as source nodes send them in
// msg.payload. Shared by the conformance and the mutation (property) tests.
const fs = require('node:fs');
const { samplePath } = require('./samples');
const { ucmRecords } = require('./ucm-samples');
const { RECORDS: SAMPLE_RECORDS } = require('./sample-calls');
const { parseVosLine } = require('../../nodes/lib/formats/vos');
const vosSim = require('../../nodes/lib/sim/vos');
const fsFormats = require('../../nodes/lib/formats/freeswitch');
const fsSim = require('../../nodes/lib/sim/freeswitch');

/** A copy with plain prototypes, as a record looks after JSON on the wire. */
const plain = (r) => JSON.parse(JSON.stringify(r));

const vendorRecords = {
  ucm: () => ucmRecords(),
  // No real VOS3000 record is published (samples/vos3000/README.md): simulated lines.
  vos3000: (n = 300) => vosSim.generateCalls(n, { startMs: Date.UTC(2024, 2, 31, 0, 0), cps: 0.05, seed: 9 }).map((c) => parseVosLine(vosSim.formatLine(c))),
  // The gateway's event view and every Cdr event of the real Asterisk 22 capture.
  gateway: () => SAMPLE_RECORDS.gateway().map(plain),
  asterisk: () => SAMPLE_RECORDS.asterisk(),
  freeswitch: (calls = 40) => {
    // The real samples, then simulated calls in each of FreeSWITCH's three formats.
    const out = [
      fsFormats.parseXmlCdr(fs.readFileSync(samplePath('freeswitch', 'a_80183ec8-d424-11e3-8fb2-65b6c3cdac7d.cdr.xml'), 'utf8')),
      fsFormats.parseJsonCdr(fs.readFileSync(samplePath('freeswitch', 'answered-bridged-with-hold.cdr.json'), 'utf8')),
    ];
    const gen = new fsSim.FsCallGenerator({ seed: 5 });
    const template = fsFormats.compileTemplate(fsFormats.CSV_TEMPLATES.example);
    for (let i = 0; i < calls; i++) {
      const c = gen.call();
      for (const leg of c.b ? [c.a, c.b] : [c.a]) {
        out.push(fsFormats.parseXmlCdr(fsSim.toXml(leg)), fsFormats.parseJsonCdr(fsSim.toJson(leg)));
        out.push(...fsFormats.parseCsvText(fsSim.toCsvLine(leg, template), template).records);
      }
    }
    return out.map(plain);
  },
};

module.exports = { vendorRecords };

'use strict';
// Vendor records of every mapped vendor, built from the real samples (and the
// simulators where a vendor published none), as source nodes send them in
// msg.payload. Shared by the conformance and the mutation (property) tests.
const fs = require('node:fs');
const { samplePath } = require('./samples');
const { ucmRecords } = require('./ucm-samples');
const { sample: asteriskSample } = require('./asterisk-samples');
const { parseVosLine } = require('../../nodes/lib/formats/vos');
const vosSim = require('../../nodes/lib/sim/vos');
const { parseEventLine, CallAssembler } = require('../../nodes/lib/formats/gateway');
const fsFormats = require('../../nodes/lib/formats/freeswitch');
const ami = require('../../nodes/lib/formats/ami');
const fsSim = require('../../nodes/lib/sim/freeswitch');

/** A copy with plain prototypes, as a record looks after JSON on the wire. */
const plain = (r) => JSON.parse(JSON.stringify(r));

const vendorRecords = {
  ucm: () => ucmRecords(),
  // No real VOS3000 record is published (samples/vos3000/README.md): simulated lines.
  vos3000: (n = 300) => vosSim.generateCalls(n, { startMs: Date.UTC(2024, 2, 31, 0, 0), cps: 0.05, seed: 9 }).map((c) => parseVosLine(vosSim.formatLine(c))),
  gateway: () => {
    let t = 0;
    const asm = new CallAssembler({ now: () => t, openTimeoutMs: 1000 });
    const out = [];
    for (const line of fs.readFileSync(samplePath('gateway', 'events-2004-01-26.tsv'), 'utf8').split('\n')) {
      const e = parseEventLine(line);
      if (e) out.push(...asm.push('8200', e).records);
    }
    t = 1000;
    out.push(...asm.sweep());
    return out.map(plain);
  },
  asterisk: () =>
    // Every Cdr event of the real Asterisk 22 capture.
    new ami.AmiFramer()
      .push(asteriskSample('ami-full-session-part1.txt'))
      .filter((f) => f.kind === 'message' && ami.eventName(f.message) === 'Cdr')
      .map((f) => ami.cdrRecord(f.message)),
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

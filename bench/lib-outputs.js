'use strict';
// Every output of the Cdr library for a fixed set of inputs, one line each, and a hash of them all: run it on two builds
// and compare (an optimisation must not change one byte of an id, a figure or an error).
//   node bench/lib-outputs.js [out.txt]   (after npm run build; prints the line count and a hash of them all)
//   LIB=/other/nodes/lib node bench/lib-outputs.js other.txt; cmp out.txt other.txt   (a second build: the same bytes?)
// Inputs: the real samples and simulated records of every vendor (test/support/vendor-records), UCM legs and groups,
// 1,500 mutated records per vendor, in four zones; outputs: normalize, flat rows, calc (two rating settings),
// the pipeline in leg and call mode, and the gate on mutated Cdrs.
const path = require('node:path');
const fs = require('node:fs');
const crypto = require('node:crypto');
const ROOT = path.join(__dirname, '..');
const LIB = path.resolve(process.env.LIB || path.join(ROOT, 'nodes', 'lib'));
// About 400 MB: the temp dir unless told.
const OUT = process.argv[2] || path.join(require('node:os').tmpdir(), 'cdrflow-lib-outputs.txt');
const { vendorRecords } = require(ROOT + '/test/support/vendor-records');
const { mutate } = require(ROOT + '/test/support/mutate');
const { rng } = require(ROOT + '/test/support/random');
const { UcmGenerator } = require(ROOT + '/nodes/lib/sim/ucm');
const { normalize } = require(LIB + '/cdr/normalize');
const { calc } = require(LIB + '/cdr/calc');
const { parseRateTable } = require(LIB + '/cdr/rating');
const { toFlatRow } = require(LIB + '/cdr/rows');
const { NormalizePipeline } = require(LIB + '/cdr/pipeline');
const { Deduper } = require(LIB + '/cdr/dedupe');
const { cdrViolation } = require(LIB + '/cdr/gate');

const fd = fs.openSync(OUT, 'w');
const hash = crypto.createHash('sha256');
let n = 0;
const put = (s) => { n++; hash.update(s + '\n'); fs.writeSync(fd, s + '\n'); };
const err = (e) => `ERR ${e && e.name} ${e && e.field} ${e && e.path} ${e && e.message}`;
const rates = parseRateTable('prefix,description,ratePerMinute,connectFee,firstBlockSec,incrementSec\n0,national,0.02,0,60,60\n1,extensions,0,0,1,1\n49,de,0.013,0.05,30,6\n');

const sets = {};
for (const v of Object.keys(vendorRecords)) sets[v] = vendorRecords[v]();
sets.vos3000 = vendorRecords.vos3000(3000);
sets.freeswitch = vendorRecords.freeswitch(300);
const gen = new UcmGenerator({ seed: 7 });
for (let i = 0; i < 3000; i++) sets.ucm.push(gen.next(i % 3 === 0 ? 'group' : 'leg'));
const r = rng(11);
for (const v of Object.keys(sets)) {
  const base = sets[v];
  const muts = [];
  for (let i = 0; i < 1500; i++) muts.push(mutate(base[i % base.length], r).record);
  sets[v + '~mut'] = muts;
}
const zones = ['Europe/Berlin', 'UTC', 'America/New_York', 'Asia/Kolkata'];
const ropts = [{ currency: 'EUR', decimals: 4 }, { currency: 'USD', decimals: 2, billable: ['answered', 'busy'], bridgedLegs: 'both' }];
for (const [name, records] of Object.entries(sets)) {
  const vendor = name.replace('~mut', '');
  for (const tz of zones) {
    const opts = { timeZone: tz, vendor: tz === 'UTC' ? { extensionPattern: '^\\d{3,4}$' } : undefined };
    records.forEach((rec, i) => {
      let m;
      try { m = normalize(vendor, rec, opts); } catch (e) { put(`${name} ${tz} ${i} ${err(e)}`); return; }
      put(`${name} ${tz} ${i} ${JSON.stringify(m)}`);
      for (const c of [...m.legs, ...(m.call ? [m.call] : [])]) {
        put('row ' + JSON.stringify(toFlatRow(c)));
        ropts.forEach((ro, k) => {
          try { const o = calc(c, { rates, rating: ro }); put('calc ' + (k === 0 ? JSON.stringify(o) : JSON.stringify([o.metrics, o.cost, o.costReason, o.legs && o.legs.map((l) => l.metrics)]))); if (k === 0) put('crow ' + JSON.stringify(toFlatRow(o))); }
          catch (e) { put('calc ' + err(e)); }
        });
        try { const o = calc(c); put('calc0 ' + JSON.stringify([o.metrics, o.cost, o.costReason, Object.keys(o)])); } catch (e) { put('calc0 ' + err(e)); }
      }
    });
  }
  // Pipelines: leg and call mode, drop and mark, row and cdr.
  for (const ps of [
    { timeZone: 'Europe/Berlin', output: 'leg', format: 'cdr', waitMs: 0, maxOpenCalls: 1, dedupe: 'drop' },
    { timeZone: 'Europe/Berlin', output: 'call', format: 'row', waitMs: 5, maxOpenCalls: 50, dedupe: 'mark', vendorSettings: { ucm: { pbx: 'p1' } } },
  ]) {
    const p = new NormalizePipeline(ps, new Deduper({ maxEntries: 500, maxAgeMs: 86400000 }), (m, part) => put(`drop ${m} ${JSON.stringify(part)}`));
    let now = 1700000000000;
    const all = records.concat(records.slice(0, 200));
    all.forEach((rec, i) => {
      now += 1;
      try {
        const outs = p.push(vendor, rec, i, now, i % 7 === 0 ? { pbx: 'pbx' + (i % 3), redelivered: i % 14 === 0 } : undefined);
        for (const o of outs) put(`pipe ${i} ${JSON.stringify(o.payload)} ${o.duplicate} ${o.meta} ${o.metas} ${o.grouped} ${JSON.stringify(o.part)} ${o.vendorRecords.length} ${o.cdr === o.payload}`);
      } catch (e) { put(`pipe ${i} ${err(e)}`); }
      for (const o of p.due(now)) put(`due ${JSON.stringify(o.payload)} ${o.metas}`);
      for (const j of p.takeRejected()) put(`rej ${err(j.error)} ${j.metas}`);
    });
    for (const o of p.flush()) put(`flush ${JSON.stringify(o.payload)} ${o.metas}`);
    put(`counts ${JSON.stringify(p.counts)}`);
  }
}
// The gate on broken Cdrs: mutations of valid ones.
const valid = sets.ucm.slice(0, 300).map((x) => normalize('ucm', x, { timeZone: 'UTC' })).flatMap((m) => [...m.legs, ...(m.call ? [m.call] : [])]);
for (let i = 0; i < 3000; i++) put('gate ' + JSON.stringify(cdrViolation(mutate(valid[i % valid.length], r).record)));
fs.closeSync(fd);
console.log(n, 'lines', hash.digest('hex').slice(0, 16));

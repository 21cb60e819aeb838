'use strict';
// The schema gate (src/lib/cdr/gate.ts) that every Cdr passes on its way out of
// normalize, call building and calc: checks/s beside ajv (a generic validator,
// compiled once) on the same Cdrs, and its share of normalize and of calc.
// Pure library, no Node-RED: the gate is a function call on the hot path.
const { performance } = require('node:perf_hooks');
const Ajv = require('ajv');
const { repeat } = require('./lib/stats');
const { cdrViolation } = require('../nodes/lib/cdr/gate');
const { cdrJsonSchema } = require('../nodes/lib/cdr/schema');
const { normalize } = require('../nodes/lib/cdr/normalize');
const { calc } = require('../nodes/lib/cdr/calc');
const { parseRateTable } = require('../nodes/lib/cdr/rating');
const { UcmGenerator, ucmToJson } = require('../nodes/lib/sim/ucm');
const { parseUcm } = require('../nodes/lib/formats/ucm');

const RATES = parseRateTable('prefix,rate\n0,0.02\n1,0.01\n2,0.01\n3,0.01\n4,0.01\n5,0.01\n6,0.01\n7,0.01\n8,0.05\n9,0.01\n');

/** Runs `fn` over `items` for at least `ms`; gives items per second. */
function rate(items, fn, ms) {
  let n = 0;
  const t0 = performance.now();
  let sink = 0;
  while (performance.now() - t0 < ms) {
    for (const it of items) if (fn(it) !== null) sink++;
    n += items.length;
  }
  if (sink < 0) console.log(sink);
  return { value: n / ((performance.now() - t0) / 1000) };
}

async function run({ quick }) {
  const ms = quick ? 200 : 1500;
  const gen = new UcmGenerator({ seed: 3 });
  const records = [];
  while (records.length < 2000) records.push(...parseUcm(ucmToJson(gen.next())));
  const mapped = records.map((r) => normalize('ucm', r, { timeZone: 'UTC' }));
  const cdrs = mapped.flatMap((m) => (m.call ? [...m.legs, m.call] : m.legs));
  const rated = cdrs.map((c) => calc(c, { rates: RATES, rating: { currency: 'USD' } }));
  const ajv = new Ajv({ allErrors: false, strict: true }).compile(cdrJsonSchema);

  const gate = await repeat(3, () => rate(rated, cdrViolation, ms));
  const generic = await repeat(3, () => rate(rated, (c) => (ajv(c) ? null : ajv.errors), ms));
  const norm = await repeat(3, () => rate(records, (r) => (normalize('ucm', r, { timeZone: 'UTC' }), null), ms));
  const calcRate = await repeat(3, () => rate(cdrs, (c) => (calc(c, { rates: RATES, rating: { currency: 'USD' } }), null), ms));
  const perRecord = mapped.reduce((n, m) => n + m.legs.length + (m.call ? 1 : 0), 0) / records.length;
  const rows = [
    { case: 'gate on a rated Cdr (legs and calls)', ...gate, unit: 'Cdr/s', baseline: 'ajv, compiled once', ratio: gate.value / generic.value },
    { case: 'ajv on the same Cdrs', ...generic, unit: 'Cdr/s' },
    { case: 'normalize (UCM, gate included)', ...norm, unit: 'rec/s', baseline: 'gate share of it', ratio: (perRecord / gate.value) / (1 / norm.value) },
    { case: 'calc (gate included)', ...calcRate, unit: 'Cdr/s', baseline: 'gate share of it', ratio: (1 / gate.value) / (1 / calcRate.value) },
  ];
  return { title: 'gate', rows, notes: [`${cdrs.length} Cdrs from ${records.length} UCM records (${perRecord.toFixed(2)} Cdrs checked per record)`] };
}

module.exports = { run };

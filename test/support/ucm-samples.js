'use strict';
const { ucmSampleRecords } = require('./samples');

/** The UCM sample's cdr_root items: flat legs and main_cdr/sub_cdr groups. */
function ucmRecords() {
  return ucmSampleRecords();
}

/** Every leg of the UCM sample, flat, as the UCM would send them one by one. */
function ucmLegs() {
  const legs = [];
  for (const r of ucmSampleRecords()) {
    if (!r.main_cdr) legs.push(r);
    else for (const [k, v] of Object.entries(r)) if (k.startsWith('sub_cdr')) legs.push(v);
  }
  return legs;
}

module.exports = { ucmRecords, ucmLegs };

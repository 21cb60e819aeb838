'use strict';
// Fixed traffic for the stats and alert tests: schema-valid Cdrs built by hand.
const { assertValidCdr } = require('../../support/cdr-schema');

const iso = (ms) => new Date(ms).toISOString();

/**
 * A call that ended at `endMs` after `ring` s of ringing (and, answered, `talk` s of talk).
 * `pdd` sets timing.pddSec; `q850`/`cause` the hangup; `cost` an amount in `currency`.
 */
function call({ n, endMs, disposition = 'answered', talk = 60, ring = 5, pdd, q850, cause, trunk, account, caller, callee, cost, currency = 'USD', vendor = 'ucm' }) {
  const answered = disposition === 'answered';
  const talkSec = answered ? talk : 0;
  const startMs = endMs - (ring + talkSec) * 1000;
  const cdr = {
    schema: 1,
    kind: 'call',
    id: `t:${n}`,
    callId: `c${n}`,
    vendor,
    startTime: iso(startMs),
    answerTime: answered ? iso(startMs + ring * 1000) : null,
    endTime: iso(endMs),
    durationSec: ring + talkSec,
    billSec: talkSec,
    caller: { number: caller ?? `100${n}` },
    callee: { number: callee ?? '00442079460000' },
    disposition,
    direction: 'outbound',
    extra: {},
    metrics: { ringSec: ring, talkSec, totalSec: ring + talkSec },
  };
  if (pdd !== undefined) {
    cdr.timing = { pddSec: pdd };
    cdr.metrics.pddSec = pdd;
  }
  if (q850 !== undefined || cause !== undefined) cdr.hangup = { ...(q850 !== undefined ? { q850 } : {}), ...(cause ? { cause } : {}) };
  if (trunk) cdr.trunk = { out: trunk };
  if (account) cdr.accountCode = account;
  if (cost !== undefined) cdr.cost = { amount: cost, currency, prefix: '44', ratePerMinute: 0.03, billedSec: talkSec };
  assertValidCdr(cdr);
  return cdr;
}

module.exports = { call, iso };

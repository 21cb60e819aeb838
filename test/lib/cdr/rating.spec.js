'use strict';
const assert = require('node:assert/strict');
const { parseRateTable, buildRateTable, rateCdr, billedSeconds, normalizeNumber, roundTo, RateTableError } = require('../../../nodes/lib/cdr/rating');

function cdr(callee, billSec, disposition = 'answered') {
  return {
    schema: 1, kind: 'leg', id: 'x', callId: 'c', vendor: 'asterisk',
    startTime: '2024-05-01T10:00:00.000Z', answerTime: disposition === 'answered' ? '2024-05-01T10:00:05.000Z' : null,
    endTime: '2024-05-01T10:30:00.000Z', durationSec: 1800, billSec, caller: { number: '100' }, callee: { number: callee },
    disposition, direction: 'outbound', extra: {},
  };
}

const TABLE = parseRateTable(`
# prefix, description, rate/min, connect fee, first block, increment, minimum, free
prefix,description,ratePerMinute,connectFee,firstBlockSec,incrementSec,minimumSec,freeSec
44,UK,0.10,0,60,60,0,0
4420,London,0.12,0,30,6,0,0
447,UK mobile,0.05,0,1,1,0,0
33,France,0.06,0.15,1,1,0,0
49,Germany,0.10,0,6,6,60,0
1,NANP,0.60,0,1,1,0,5
`);
const USD = { currency: 'USD' };
const amount = (callee, sec, opts = USD, disposition) => rateCdr(cdr(callee, sec, disposition), TABLE, opts).cost;

describe('cdr/rating', () => {
  it('60/60 blocks: every started minute is billed', () => {
    assert.deepEqual(amount('+44 1632 960000', 61), { amount: 0.2, currency: 'USD', prefix: '44', ratePerMinute: 0.1, billedSec: 120 });
    assert.equal(amount('441632960000', 60).amount, 0.1);
    assert.equal(amount('441632960000', 1).amount, 0.1);
    assert.equal(amount('441632960000', 0.4).billedSec, 60, 'a part second is a second');
  });

  it('30/6 blocks: a 30 s first block then 6 s steps (longest prefix wins over 44)', () => {
    const c = amount('00 44 20 7946 0000', 31); // 30 + 6 = 36 s × 0.12/60
    assert.equal(c.prefix, '4420');
    assert.equal(c.billedSec, 36);
    assert.equal(c.amount, 0.072);
    assert.equal(amount('+442079460000', 45).billedSec, 48);
    assert.equal(amount('+442079460000', 45).amount, 0.096);
    assert.equal(amount('+442079460000', 10).billedSec, 30);
  });

  it('1/1 blocks: per second, rounded to the configured decimals', () => {
    const c = amount('+447700900123', 61); // 61 × 0.05 / 60 = 0.050833…
    assert.equal(c.prefix, '447');
    assert.equal(c.billedSec, 61);
    assert.equal(c.amount, 0.0508);
    assert.equal(amount('+447700900123', 61, { currency: 'USD', decimals: 2 }).amount, 0.05);
    assert.equal(amount('+447700900123', 61, { currency: 'USD', decimals: 6 }).amount, 0.050833);
  });

  it('adds the connect fee once to a billed call', () => {
    assert.equal(amount('0033 1 23 45 67 89', 30).amount, 0.18); // 0.15 + 30 × 0.06 / 60
  });

  it('raises a short call to the minimum', () => {
    const c = amount('+4930123456', 10); // minimum 60 s at 6/6
    assert.equal(c.billedSec, 60);
    assert.equal(c.amount, 0.1);
    assert.equal(amount('+4930123456', 61).billedSec, 66);
  });

  it('does not bill the free seconds, and a call within them costs nothing', () => {
    assert.equal(amount('+12125550100', 4).amount, 0);
    assert.equal(amount('+12125550100', 4).billedSec, 0);
    assert.equal(amount('+12125550100', 5).amount, 0);
    const c = amount('+12125550100', 10); // 5 chargeable × 0.60 / 60
    assert.equal(c.billedSec, 5);
    assert.equal(c.amount, 0.05);
  });

  it('no matching prefix → cost null with a reason; the record is still rated', () => {
    const r = rateCdr(cdr('+8613800000000', 60), TABLE, USD);
    assert.equal(r.cost, null);
    assert.match(r.costReason, /no rate matches callee "\+8613800000000"/);
    assert.match(rateCdr(cdr('anonymous', 60), TABLE, USD).costReason, /not a dialable number/);
    assert.match(rateCdr(cdr('', 60), TABLE, USD).costReason, /no callee number/);
    assert.match(rateCdr(cdr('+44', 60), null, USD).costReason, /no rate table/);
  });

  it('a non-billable disposition costs 0 and says why; billable dispositions are configurable', () => {
    const r = rateCdr(cdr('+441632960000', 0, 'no_answer'), TABLE, USD);
    assert.deepEqual(r.cost, { amount: 0, currency: 'USD', prefix: '44', ratePerMinute: 0.1, billedSec: 0 });
    assert.equal(r.costReason, 'disposition no_answer is not billable');
    const busy = rateCdr(cdr('+33123456789', 0, 'busy'), TABLE, { currency: 'EUR', billable: ['answered', 'busy'] });
    assert.equal(busy.cost.amount, 0, 'billable but no talk: nothing to bill');
    assert.equal(busy.costReason, undefined);
  });

  it('charges one leg of a FreeSWITCH bridged call (A by default, or B), so leg costs add up to the call', () => {
    const { FsCallGenerator } = require('../../../nodes/lib/sim/freeswitch');
    const { normalize } = require('../../../nodes/lib/cdr/normalize');
    const gen = new FsCallGenerator({ seed: 7 });
    const table = parseRateTable('prefix,ratePerMinute,firstBlockSec,incrementSec\n0,0.60,1,1\n1,0.60,1,1\n2,0.60,1,1\n3,0.60,1,1\n4,0.60,1,1\n5,0.60,1,1\n6,0.60,1,1\n7,0.60,1,1\n8,0.60,1,1\n9,0.60,1,1\n');
    let checked = 0;
    for (let i = 0; i < 200 && checked < 5; i++) {
      const call = gen.call();
      if (!call.b || call.outcome !== 'answered') continue;
      const [a] = normalize('freeswitch', call.a, { timeZone: 'UTC' }).legs;
      const [b] = normalize('freeswitch', call.b, { timeZone: 'UTC' }).legs;
      assert.equal(a.extra.leg, 'a');
      assert.equal(b.extra.leg, 'b');
      const byDefault = [rateCdr(a, table, USD), rateCdr(b, table, USD)];
      assert.ok(byDefault[0].cost.amount > 0, 'the A-leg is charged');
      assert.equal(byDefault[1].cost.amount, 0);
      assert.equal(byDefault[1].costReason, 'FreeSWITCH B-leg: the call is rated on its A-leg');
      const onB = [rateCdr(a, table, { ...USD, bridgedLegs: 'b' }), rateCdr(b, table, { ...USD, bridgedLegs: 'b' })];
      assert.equal(onB[0].cost.amount, 0);
      assert.ok(onB[1].cost.amount > 0, 'the B-leg is charged');
      const both = [rateCdr(a, table, { ...USD, bridgedLegs: 'both' }), rateCdr(b, table, { ...USD, bridgedLegs: 'both' })];
      assert.ok(both.every((r) => r.cost.amount > 0));
      checked++;
    }
    assert.equal(checked, 5, 'five answered bridged calls');
    // Other vendors' legs, and call records, are rated as they are.
    assert.ok(rateCdr({ ...cdr('441632960000', 60), extra: { leg: 'b' } }, TABLE, USD).cost.amount > 0);
  });

  it('normalizes numbers: +, 00, spaces, dashes, brackets', () => {
    assert.equal(normalizeNumber('+44 (20) 7946-0000'), '442079460000');
    assert.equal(normalizeNumber('0044.20.7946.0000'), '442079460000');
    assert.equal(normalizeNumber('011442079460000', '011'), '442079460000');
    assert.equal(normalizeNumber('*97'), null);
  });

  it('normalizes digits-only numbers as the general rule does (the fast path changes nothing)', () => {
    const { rng } = require('../../support/random');
    const random = rng(4);
    const byRule = (number, intl) => {
      let n = number.replace(/[\s\-().\/]/g, '');
      if (n.startsWith('+')) n = n.slice(1);
      else if (intl !== '' && n.startsWith(intl)) n = n.slice(intl.length);
      return /^\d+$/.test(n) ? n : null;
    };
    const chars = '0123456789+ -()./x';
    for (let i = 0; i < 20_000; i++) {
      let number = '';
      for (let j = Math.floor(random() * 8); j > 0; j--) number += chars[Math.floor(random() * (random() < 0.85 ? 10 : chars.length))];
      for (const intl of ['00', '0', '', '011']) assert.equal(normalizeNumber(number, intl), byRule(number, intl), `${JSON.stringify(number)} with ${intl}`);
    }
  });

  it('rounds half away from zero without float surprises', () => {
    assert.equal(roundTo(1.005, 2), 1.01);
    assert.equal(roundTo(0.125, 2), 0.13);
    assert.equal(roundTo(2.675, 2), 2.68);
    assert.equal(roundTo(0.0508333, 4), 0.0508);
  });

  it('rounds to the number the decimal text of the rounded figure reads as (amounts never change)', () => {
    const { rng } = require('../../support/random');
    const random = rng(21);
    // The rule as written once: shift by decimal text, round, shift back by decimal text.
    const byText = (value, decimals) => {
      const sign = value < 0 ? -1 : 1;
      const shifted = Number(`${Math.abs(value).toPrecision(15)}e${decimals}`);
      return sign * Number(`${Math.round(shifted)}e-${decimals}`);
    };
    const odd = [0, -0, 0.5, 1.005, -1.005, 2.675, 1e-7, 1e15, 9_007_199_254_740_993, 1e21, NaN, Infinity, -Infinity];
    for (let decimals = 0; decimals <= 10; decimals++) {
      for (const v of odd) assert.ok(Object.is(roundTo(v, decimals), byText(v, decimals)), `${v} to ${decimals}`);
      for (let i = 0; i < 3000; i++) {
        const v = random() * 10 ** Math.floor(random() * 14 - 4) * (random() < 0.1 ? -1 : 1);
        assert.ok(Object.is(roundTo(v, decimals), byText(v, decimals)), `${v} to ${decimals}`);
      }
    }
  });

  it('computes billed seconds by the block rules', () => {
    const r = (first, inc, min = 0, free = 0) => ({ prefix: '1', description: '', ratePerMinute: 1, connectFee: 0, firstBlockSec: first, incrementSec: inc, minimumSec: min, freeSec: free });
    assert.deepEqual([0, 1, 59, 60, 61, 121].map((s) => billedSeconds(s, r(60, 60))), [0, 60, 60, 60, 120, 180]);
    assert.deepEqual([1, 30, 31, 36, 37].map((s) => billedSeconds(s, r(30, 6))), [30, 30, 36, 36, 42]);
    assert.equal(billedSeconds(12.000000001, r(1, 1)), 12);
  });

  it('reads header names in any case and order, ; or tab separated, quoted cells, decimal commas, defaults', () => {
    const t = parseRateTable('Rate;Prefix;Description\n0,07;"+49";"Germany; fixed"\n');
    assert.deepEqual(t.rates(), [{ prefix: '49', description: 'Germany; fixed', ratePerMinute: 0.07, connectFee: 0, firstBlockSec: 60, incrementSec: 60, minimumSec: 0, freeSec: 0 }]);
    const tab = parseRateTable('prefix\trate\tincrement\n1\t0.01\t6\n');
    assert.equal(tab.rates()[0].firstBlockSec, 6, 'first block defaults to the increment');
    const positional = parseRateTable('44,UK,0.1,0.02,30,6,10,3\n');
    assert.deepEqual(positional.rates()[0], { prefix: '44', description: 'UK', ratePerMinute: 0.1, connectFee: 0.02, firstBlockSec: 30, incrementSec: 6, minimumSec: 10, freeSec: 3 });
    const rows = buildRateTable([{ prefix: '+33', ratePerMinute: 0.06, connectFee: '0.15', firstBlockSec: 1, incrementSec: 1 }]);
    assert.equal(rows.match('33123').connectFee, 0.15);
  });

  it('rejects a bad rate table with the line at fault', () => {
    const bad = [
      ['44,UK\n', /line 1: ratePerMinute is missing/],
      ['prefix,rate\n44,0.1\n44,0.2\n', /line 3: prefix 44 appears twice \(first on line 2\)/],
      ['prefix,rate\nUK,0.1\n', /line 2: prefix "UK" is not a number prefix/],
      ['prefix,rate,increment\n44,0.1,0\n', /line 2: incrementSec "0" must be a whole number ≥ 1/],
      ['prefix,rate\n44,-1\n', /ratePerMinute "-1" must be a number ≥ 0/],
      ['prefix,rate\n44,"0.1\n', /line 2: a quoted cell is not closed/],
      ['description,connect\nUK,0\n', /line 1: the header has no prefix column/],
      ['prefix,description\n44,UK\n', /line 1: the header has no rate column/],
    ];
    for (const [csv, message] of bad) assert.throws(() => parseRateTable(csv), (e) => e instanceof RateTableError && message.test(e.message), csv);
    assert.equal(parseRateTable('# nothing yet\n\n').size, 0);
  });
});

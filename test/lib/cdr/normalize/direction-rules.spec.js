'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { normalize } = require('../../../../nodes/lib/cdr/normalize');
const { compileDirectionRuleSpecs, DEFAULT_DIRECTION_RULES } = require('../../../../nodes/lib/cdr/normalize/direction-rules');
const { checkNormalizeSettings } = require('../../../../nodes/lib/glue/normalize-config');
const { parseJsonCdr } = require('../../../../nodes/lib/formats/freeswitch');
const { samplePath } = require('../../../support/samples');
const { RECORDS } = require('../../../support/sample-calls');

const UTC = { timeZone: 'UTC' };
const fsJson = () => parseJsonCdr(fs.readFileSync(samplePath('freeswitch', 'answered-bridged-with-hold.cdr.json'), 'utf8'));
const directionOf = (vendor, record, rules) => normalize(vendor, record, { ...UTC, directionRules: rules && compileDirectionRuleSpecs(rules) }).legs[0].direction;

describe('cdr/normalize direction rules (every vendor)', () => {
  it('FreeSWITCH: a call bridged to a TDM/PSTN endpoint (FreeTDM, OpenZAP) is outbound, one from it inbound, by default', () => {
    assert.equal(directionOf('freeswitch', fsJson()), 'internal', 'the sample: sofia/internal/1001 → sofia/internal/1002');
    const toTdm = fsJson();
    toTdm.variables.bridge_channel = 'freetdm/1/a/01614960000';
    assert.equal(directionOf('freeswitch', toTdm), 'outbound');
    const zap = fsJson();
    zap.variables.bridge_channel = 'openzap/1/a/01614960000';
    assert.equal(directionOf('freeswitch', zap), 'outbound');
    const fromTdm = fsJson();
    fromTdm.variables.channel_name = 'freetdm/1/1';
    assert.equal(directionOf('freeswitch', fromTdm), 'inbound');
  });

  it('the user\'s rules come first, on context, channel, trunk and number, per vendor or for all', () => {
    const ast = RECORDS.asterisk().find((r) => r.CallTag === 'ivr');
    assert.equal(directionOf('asterisk', ast), 'unknown', 'cdrtest is not a context the defaults know');
    assert.equal(directionOf('asterisk', ast, [{ vendor: 'asterisk', when: { context: '^cdrtest$' }, direction: 'inbound' }]), 'inbound');
    assert.equal(directionOf('asterisk', ast, [{ vendor: 'ucm', when: { context: '^cdrtest$' }, direction: 'inbound' }]), 'unknown', 'another vendor\'s rule');
    assert.equal(directionOf('asterisk', ast, [{ when: { channel: '^Local/1013@origin', caller: '^1013$' }, direction: 'internal' }]), 'internal');
    const ucmOut = RECORDS.ucm().find((r) => r.AcctId === '71080');
    assert.equal(directionOf('ucm', ucmOut), 'outbound', 'the UCM\'s userfield');
    assert.equal(directionOf('ucm', ucmOut, [{ when: { trunkOut: '^CarrierA$', callee: '^07' }, direction: 'internal' }]), 'internal');
    const group = RECORDS.ucm()[0];
    const mapped = normalize('ucm', group, { ...UTC, directionRules: compileDirectionRuleSpecs([{ when: { trunk: 'CarrierA' }, direction: 'outbound' }]) });
    assert.ok(mapped.legs.every((l) => l.direction === 'outbound'));
    assert.equal(mapped.call.direction, 'outbound', 'a group call follows its legs');
    const vos = RECORDS.vos3000()[0];
    assert.equal(directionOf('vos3000', vos, [{ when: { trunkIn: '^GW-IN$' }, direction: 'inbound' }]), 'inbound');
    const gw = RECORDS.gateway()[0];
    assert.equal(directionOf('gateway', gw, [{ when: { notation: '^Call out$' }, direction: 'internal' }]), 'internal', 'any vendor field by name');
  });

  it('refuses bad rules with a message naming the rule, as a cdr-normalize setting', () => {
    assert.deepEqual(compileDirectionRuleSpecs('').length, 0);
    assert.ok(compileDirectionRuleSpecs(JSON.stringify(DEFAULT_DIRECTION_RULES)).length === 3);
    for (const [rules, re] of [
      ['{', /not JSON/],
      ['{}', /must be an array/],
      ['[{"direction":"inbound"}]', /rule 1 needs a "when"/],
      ['[{"when":{"context":"x"},"direction":"sideways"}]', /rule 1: direction must be/],
      ['[{"when":{"context":"("},"direction":"inbound"}]', /rule 1: context:/],
      ['[{"vendor":"pbx9","when":{"context":"x"},"direction":"inbound"}]', /"pbx9" is not a vendor/],
    ]) {
      assert.throws(() => compileDirectionRuleSpecs(rules), re);
      const checked = checkNormalizeSettings({ timeZone: 'UTC', directionRules: rules });
      assert.equal(checked.ok, false);
      assert.equal(checked.problems[0].key, 'directionRules');
    }
    const ok = checkNormalizeSettings({ timeZone: 'UTC', directionRules: '[{"when":{"context":"^from-pstn"},"direction":"inbound"}]' });
    assert.equal(ok.ok, true);
    assert.equal(ok.value.directionRules.length, 1);
  });
});

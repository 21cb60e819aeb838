/**
 * Direction rules for every vendor, a cdr-normalize setting: the first rule
 * whose patterns all match a leg gives its direction; a leg no rule matches
 * keeps the direction its vendor's mapper gave it (each mapper's documented
 * defaults). Patterns are case-insensitive regular expressions on these
 * facts of a leg, or on any vendor field of it by name (`extra`):
 * - `context`: the dialplan context (Asterisk DestinationContext, FreeSWITCH
 *   context, UCM dcontext);
 * - `channel`: the leg's own channel (Asterisk Channel, FreeSWITCH
 *   channel_name, UCM channel); `peerChannel`: the channel it dialed or
 *   bridged to (DestinationChannel, bridge_channel, dstchannel);
 * - `trunk`: the trunk or gateway in / out, `trunkIn`, `trunkOut`;
 * - `caller`, `callee`: the numbers.
 * A rule may name a `vendor` to apply to that vendor only.
 */
import type { Cdr, Direction, Vendor } from '../schema';
import { VENDORS } from '../schema';
import { MapError, type Mapped } from './types';

export interface DirectionRuleSpec {
  vendor?: Vendor;
  when: Record<string, string>;
  direction: Direction;
}

export interface CompiledDirectionRule {
  vendor?: Vendor;
  tests: Array<[string, RegExp]>;
  direction: Direction;
}

/**
 * Built in, before the mappers' own rules: FreeSWITCH calls to or from a
 * TDM/PSTN endpoint (OpenZAP, FreeTDM) cross the PSTN, as calls through a SIP
 * gateway do.
 */
export const DEFAULT_DIRECTION_RULES: DirectionRuleSpec[] = [
  { vendor: 'freeswitch', when: { leg: '^a$', channel: '^(openzap|freetdm)/' }, direction: 'inbound' },
  { vendor: 'freeswitch', when: { channel: '^(openzap|freetdm)/' }, direction: 'outbound' },
  { vendor: 'freeswitch', when: { peerChannel: '^(openzap|freetdm)/' }, direction: 'outbound' },
];

const DIRECTIONS = new Set<Direction>(['inbound', 'outbound', 'internal', 'unknown']);

/** Checks and compiles rules (an array, or its JSON text); throws MapError naming the bad rule. */
export function compileDirectionRuleSpecs(input: unknown): CompiledDirectionRule[] {
  const rules: unknown = typeof input === 'string' ? parseJson(input) : input;
  if (!Array.isArray(rules)) throw new MapError('direction rules must be an array of {when, direction}', 'directionRules');
  return rules.map((r: unknown, i) => {
    const rule = r as Partial<DirectionRuleSpec> | null;
    const n = i + 1;
    if (!rule || typeof rule !== 'object' || !rule.when || typeof rule.when !== 'object' || Object.keys(rule.when).length === 0) {
      throw new MapError(`direction rule ${n} needs a "when" object of field → pattern`, 'directionRules');
    }
    if (!DIRECTIONS.has(rule.direction as Direction)) throw new MapError(`direction rule ${n}: direction must be inbound, outbound, internal or unknown`, 'directionRules');
    if (rule.vendor !== undefined && !(VENDORS as readonly string[]).includes(rule.vendor)) throw new MapError(`direction rule ${n}: "${String(rule.vendor)}" is not a vendor`, 'directionRules');
    const tests: Array<[string, RegExp]> = [];
    for (const [name, pattern] of Object.entries(rule.when)) {
      if (typeof pattern !== 'string') throw new MapError(`direction rule ${n}: ${name} must be a regular expression`, 'directionRules');
      try {
        tests.push([name.toLowerCase(), new RegExp(pattern, 'i')]);
      } catch (err) {
        throw new MapError(`direction rule ${n}: ${name}: ${(err as Error).message}`, 'directionRules');
      }
    }
    const out: CompiledDirectionRule = { tests, direction: rule.direction as Direction };
    if (rule.vendor !== undefined) out.vendor = rule.vendor;
    return out;
  });
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return [];
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new MapError(`direction rules are not JSON: ${(err as Error).message}`, 'directionRules');
  }
}

export const DEFAULT_COMPILED: CompiledDirectionRule[] = compileDirectionRuleSpecs(DEFAULT_DIRECTION_RULES);

function extraText(leg: Cdr, ...names: string[]): string {
  for (const name of names) {
    const want = name.toLowerCase();
    // for…in, not Object.entries: no [key, value] pair per field (this runs for every leg).
    const extra = leg.extra;
    for (const k in extra) {
      if (!Object.prototype.hasOwnProperty.call(extra, k) || k.toLowerCase() !== want) continue;
      const v = extra[k];
      if ((typeof v === 'string' || typeof v === 'number') && String(v) !== '') return String(v);
    }
  }
  return '';
}

/** The value a rule's pattern is tested on. */
function fact(leg: Cdr, name: string): string {
  switch (name) {
    case 'context': return extraText(leg, 'DestinationContext', 'context', 'dcontext');
    case 'channel': return extraText(leg, 'Channel', 'channel_name');
    case 'peerchannel': return extraText(leg, 'DestinationChannel', 'bridgeChannel', 'dstchannel');
    case 'trunk': return [leg.trunk?.in, leg.trunk?.out].filter((t) => t).join(' ');
    case 'trunkin': return leg.trunk?.in ?? '';
    case 'trunkout': return leg.trunk?.out ?? '';
    case 'caller': return leg.caller.number;
    case 'callee': return leg.callee.number;
    default: return extraText(leg, name);
  }
}

export function directionByRules(leg: Cdr, rules: readonly CompiledDirectionRule[]): Direction | null {
  for (const rule of rules) {
    if (rule.vendor !== undefined && rule.vendor !== leg.vendor) continue;
    if (rule.tests.every(([name, re]) => re.test(fact(leg, name)))) return rule.direction;
  }
  return null;
}

/** The user's rules, then the built-in ones, over every leg; a call takes the direction of its first leg that has one. */
export function applyDirectionRules(mapped: Mapped, rules: readonly CompiledDirectionRule[]): Mapped {
  let changed = false;
  for (const leg of mapped.legs) {
    const d = directionByRules(leg, rules) ?? directionByRules(leg, DEFAULT_COMPILED);
    if (d !== null && d !== leg.direction) {
      leg.direction = d;
      changed = true;
    }
  }
  if (changed && mapped.call) mapped.call.direction = (mapped.call.legs ?? mapped.legs).find((l) => l.direction !== 'unknown')?.direction ?? 'unknown';
  return mapped;
}

import type { PrefixList } from './prefix-list';
import type { StatsRecord } from './record';

/**
 * The built-in keys of cdr-stats and cdr-alert: what a record is counted
 * under. A record without the field is counted under "(none)", so the keys of
 * one kind add up to the total. `msg` and JSONata keys are read by the node.
 */
export const BUILT_IN_KEYS = ['all', 'vendor', 'pbx', 'trunk', 'trunkIn', 'trunkOut', 'account', 'direction', 'prefix', 'caller', 'callee'] as const;
export type BuiltInKey = (typeof BUILT_IN_KEYS)[number];

export const NONE = '(none)';

export interface KeyContext {
  /** msg.source.pbx, when the source node set it. */
  pbx?: string | undefined;
  prefixes?: PrefixList | null;
}

export function isBuiltInKey(k: string): k is BuiltInKey {
  return (BUILT_IN_KEYS as readonly string[]).includes(k);
}

export function builtInKey(k: BuiltInKey, r: StatsRecord, ctx: KeyContext): string {
  switch (k) {
    case 'all':
      return 'all';
    case 'vendor':
      return r.vendor || NONE;
    case 'pbx':
      return ctx.pbx || NONE;
    case 'trunk':
      return r.trunkOut ?? r.trunkIn ?? NONE;
    case 'trunkIn':
      return r.trunkIn ?? NONE;
    case 'trunkOut':
      return r.trunkOut ?? NONE;
    case 'account':
      return r.accountCode ?? NONE;
    case 'direction':
      return r.direction || NONE;
    case 'prefix':
      return (ctx.prefixes && ctx.prefixes.match(r.calleeNumber)?.prefix) || NONE;
    case 'caller':
      return r.callerNumber || NONE;
    case 'callee':
      return r.calleeNumber || NONE;
  }
}

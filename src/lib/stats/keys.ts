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

/** Reads one built-in key from a record. */
export type KeyExtractor = (r: StatsRecord, ctx: KeyContext) => string;

const EXTRACTORS: Record<BuiltInKey, KeyExtractor> = {
  all: () => 'all',
  vendor: (r) => r.vendor || NONE,
  pbx: (_r, ctx) => ctx.pbx || NONE,
  trunk: (r) => r.trunkOut ?? r.trunkIn ?? NONE,
  trunkIn: (r) => r.trunkIn ?? NONE,
  trunkOut: (r) => r.trunkOut ?? NONE,
  account: (r) => r.accountCode ?? NONE,
  direction: (r) => r.direction || NONE,
  prefix: (r, ctx) => (ctx.prefixes && ctx.prefixes.match(r.calleeNumber)?.prefix) || NONE,
  caller: (r) => r.callerNumber || NONE,
  callee: (r) => r.calleeNumber || NONE,
};

/** The reader of key `k`, chosen once when a node starts rather than per record. */
export function keyExtractor(k: BuiltInKey): KeyExtractor {
  return EXTRACTORS[k];
}

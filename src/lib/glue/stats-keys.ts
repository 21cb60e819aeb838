import type { KeyValue } from '../stats/engine';
import { builtInKey, NONE, type KeyContext } from '../stats/keys';
import type { StatsRecord } from '../stats/record';
import type { Money } from '../stats/tally';
import type { KeySpec } from './stats-config';

/** The key values of one record: built-in fields here, msg / JSONata values as the node read them (`other`). */
export function keyValuesOf(specs: readonly KeySpec[], r: StatsRecord, ctx: KeyContext, other: (i: number) => unknown): KeyValue[] {
  return specs.map((s, i) => ({ name: s.name, value: s.type === 'field' ? builtInKey(s.field, r, ctx) : keyText(other(i)) }));
}

export function keyText(v: unknown): string {
  if (v === undefined || v === null || v === '') return NONE;
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** msg.source.pbx, when a source node set one. */
export function pbxOf(msg: { source?: unknown }): string | undefined {
  const s = msg.source as { pbx?: unknown } | undefined;
  return s && typeof s.pbx === 'string' ? s.pbx : undefined;
}

/** A revenue value `{ amount, currency }` (or a plain number, in no currency), or undefined. */
export function moneyOf(v: unknown): Money | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return { amount: v, currency: '' };
  const m = v as { amount?: unknown; currency?: unknown } | null;
  if (m && typeof m === 'object' && typeof m.amount === 'number' && Number.isFinite(m.amount)) return { amount: m.amount, currency: typeof m.currency === 'string' ? m.currency : '' };
  return undefined;
}

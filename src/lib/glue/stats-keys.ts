import type { KeyValue } from '../stats/engine';
import { keyExtractor, NONE, type KeyContext, type KeyExtractor } from '../stats/keys';
import type { PrefixList } from '../stats/prefix-list';
import type { StatsRecord } from '../stats/record';
import type { Money } from '../stats/tally';
import type { KeySpec } from './stats-config';

/**
 * The key values of one record after another. Each key's reader is chosen
 * once, and the list handed to the engine is the same one refilled for every
 * record (the engine copies what it keeps): a record costs no array, object or
 * closure here. msg and JSONata values come as the node read them (`other`).
 */
export class KeyReader {
  private readonly out: KeyValue[];
  private readonly readers: Array<KeyExtractor | null>;
  private readonly ctx: { pbx: string | undefined; prefixes: PrefixList | null };

  constructor(specs: readonly KeySpec[], prefixes: PrefixList | null) {
    this.out = specs.map((s) => ({ name: s.name, value: NONE }));
    this.readers = specs.map((s) => (s.type === 'field' ? keyExtractor(s.field) : null));
    this.ctx = { pbx: undefined, prefixes };
  }

  /** The keys of `r`; `other[i]` is the value of key i when it is a msg property or JSONata expression. */
  read(r: StatsRecord, pbx: string | undefined, other: readonly unknown[] | null): readonly KeyValue[] {
    const ctx: KeyContext = this.ctx;
    this.ctx.pbx = pbx;
    for (let i = 0; i < this.out.length; i++) {
      const read = this.readers[i];
      this.out[i]!.value = read ? read(r, ctx) : keyText(other?.[i]);
    }
    return this.out;
  }
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

import type { StatsEngine } from '../stats/engine';
import { toStatsRecord, type StatsRecord } from '../stats/record';
import type { StatsSettings } from './stats-config';
import { KeyReader, moneyOf, pbxOf } from './stats-keys';

/** A msg property (`source.pbx`), undefined when it is not there; the node passes Node-RED's reader. */
export type PropertyOf = (msg: object, path: string) => unknown;

/**
 * What cdr-stats does with one record, without Node-RED: read it, read its
 * keys, count it. Everything a record needs is worked out when the node starts
 * (which key is read how), so the hot path allocates only the record itself.
 * JSONata keys are evaluated by the node (asynchronously) and passed in.
 */
export class StatsInput {
  /** Indexes and expressions of the JSONata keys. */
  readonly jsonata: ReadonlyArray<{ index: number; expr: string }>;
  private readonly msgKeys: ReadonlyArray<{ index: number; path: string }>;
  /** Values of the msg and JSONata keys of the record being counted (refilled each time). */
  private readonly other: unknown[];
  private readonly reader: KeyReader;

  constructor(
    private readonly settings: StatsSettings,
    private readonly engine: StatsEngine,
    private readonly property: PropertyOf,
  ) {
    const byType = (t: 'msg' | 'jsonata'): Array<{ index: number; expr: string }> =>
      settings.keys.flatMap((k, index) => (k.type === t ? [{ index, expr: k.expr }] : []));
    this.jsonata = byType('jsonata');
    this.msgKeys = byType('msg').map(({ index, expr }) => ({ index, path: expr }));
    this.other = settings.keys.map(() => undefined);
    this.reader = new KeyReader(settings.keys, settings.prefixes);
  }

  /** The record in `payload`, or why it is not one cdr-stats can count. */
  read(payload: unknown): StatsRecord | string {
    return toStatsRecord(payload);
  }

  /** Counts `r` (from `msg`) at clock `now`; `evaluated[i]` is the value of JSONata key i. */
  add(r: StatsRecord, msg: object, now: number, evaluated?: readonly unknown[]): void {
    let other: unknown[] | null = null;
    if (this.msgKeys.length > 0 || evaluated !== undefined) {
      other = this.other;
      for (const k of this.msgKeys) other[k.index] = this.property(msg, k.path);
      if (evaluated !== undefined) for (const k of this.jsonata) other[k.index] = evaluated[k.index];
    }
    const keys = this.reader.read(r, pbxOf(msg as { source?: unknown }), other);
    const revenue = this.settings.revenue === '' ? undefined : moneyOf(this.property(msg, this.settings.revenue));
    this.engine.add(r, keys, now, revenue);
  }
}

import type { Disposition } from '../cdr/schema';
import { dispositionSchema } from '../cdr/schema';
import { isCdrTimeText } from '../cdr/gate';
import { buildRateTable, parseRateTable, RateTable, RateTableError, type RateInput, type RatingOptions } from '../cdr/rating';
import type { Checked, SettingProblem } from './listener-config';
import { refusedPolicyOf, type RefusedPolicy } from './refused';

/** cdr-calc settings as the editor stores them, checked again at runtime. */
export interface CalcConfigInput {
  rates?: unknown;
  currency?: unknown;
  decimals?: unknown;
  billable?: unknown;
  internationalPrefix?: unknown;
  format?: unknown;
  bridgedLegs?: unknown;
  refused?: unknown;
}

export interface CalcSettings {
  /** null when no rate table is set (only metrics are added, unless msg.rates brings one). */
  rates: RateTable | null;
  rating: Required<RatingOptions>;
  /** What goes out in msg.payload: the Cdr, or its flat row (the Cdr then rides in msg.cdr). */
  format: 'cdr' | 'row';
  /** The acknowledgement of a record refused (see refused.ts). */
  refused: RefusedPolicy;
}

const DISPOSITIONS: readonly string[] = dispositionSchema.enum;

function blank(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

export function checkCalcSettings(input: CalcConfigInput): Checked<CalcSettings> {
  const problems: SettingProblem[] = [];
  const internationalPrefix = blank(input.internationalPrefix) ? '00' : String(input.internationalPrefix).trim();
  if (!/^\d{1,4}$/.test(internationalPrefix)) problems.push({ key: 'internationalPrefix', detail: `international prefix "${internationalPrefix}" must be 1 to 4 digits` });
  let rates: RateTable | null = null;
  if (!blank(input.rates)) {
    try {
      rates = parseRateTable(String(input.rates), internationalPrefix);
    } catch (err) {
      problems.push({ key: 'rates', detail: err instanceof RateTableError ? err.message : String(err) });
    }
  }
  const currency = blank(input.currency) ? 'USD' : String(input.currency).trim();
  if (!/^[A-Za-z0-9$€£¥._-]{1,10}$/.test(currency)) problems.push({ key: 'currency', detail: `currency "${currency}" must be a short code such as USD` });
  const decimals = blank(input.decimals) ? 4 : Number(input.decimals);
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 10) problems.push({ key: 'decimals', detail: 'decimals must be a whole number from 0 to 10' });
  const billableList = Array.isArray(input.billable)
    ? input.billable.map(String)
    : blank(input.billable)
      ? ['answered']
      : String(input.billable).split(/[\s,;]+/).filter((s) => s !== '');
  const unknown = billableList.filter((d) => !DISPOSITIONS.includes(d));
  if (unknown.length > 0) problems.push({ key: 'billable', detail: `billable dispositions must be among ${DISPOSITIONS.join(', ')} (got ${unknown.join(', ')})` });
  const bridgedLegs = blank(input.bridgedLegs) ? 'a' : String(input.bridgedLegs);
  if (bridgedLegs !== 'a' && bridgedLegs !== 'b' && bridgedLegs !== 'both') problems.push({ key: 'bridgedLegs', detail: `bridged legs "${bridgedLegs}" must be a, b or both` });
  const format = blank(input.format) ? 'cdr' : String(input.format);
  if (format !== 'cdr' && format !== 'row') problems.push({ key: 'format', detail: `format "${format}" must be cdr or row` });
  const refused = refusedPolicyOf(input.refused, problems);
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    value: { rates, rating: { currency, decimals, billable: billableList as Disposition[], internationalPrefix, bridgedLegs: bridgedLegs as 'a' | 'b' | 'both' }, format: format as 'cdr' | 'row', refused },
  };
}

/**
 * A rate table from `msg.rates`: CSV text, or an array of rate rows. Parsed
 * tables are remembered per text / array so a flow that attaches the same
 * table to every message does not parse it every time.
 */
export class MsgRatesCache {
  private lastText: string | null = null;
  private lastTable: RateTable | null = null;
  private readonly byArray = new WeakMap<object, RateTable>();

  constructor(private readonly internationalPrefix: string) {}

  /** Throws RateTableError (or TypeError for a value that is neither) for a bad table. */
  tableOf(value: unknown): RateTable {
    if (value instanceof RateTable) return value;
    if (typeof value === 'string') {
      if (value !== this.lastText || this.lastTable === null) {
        this.lastTable = parseRateTable(value, this.internationalPrefix);
        this.lastText = value;
      }
      return this.lastTable;
    }
    if (Array.isArray(value)) {
      let t = this.byArray.get(value);
      if (!t) {
        t = buildRateTable(value as RateInput[], this.internationalPrefix);
        this.byArray.set(value, t);
      }
      return t;
    }
    throw new TypeError('msg.rates must be CSV text or an array of rate rows');
  }
}

/** Why `payload` is not a Cdr cdr-calc can work on, or null when it is one. */
export function cdrProblem(payload: unknown): string | null {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return 'msg.payload is not a Cdr object (wire cdr-normalize before cdr-calc)';
  const p = payload as Record<string, unknown>;
  if (p['schema'] !== 1) return 'msg.payload.schema is not 1 (wire cdr-normalize before cdr-calc; flat rows cannot be calculated)';
  // The gate's test first (a Cdr's times pass it), Date.parse only for what it does not know: this runs per record.
  if (!isTimeText(p['startTime'])) return 'msg.payload.startTime is not a time';
  if (!isTimeText(p['endTime'])) return 'msg.payload.endTime is not a time';
  if (p['answerTime'] !== null && !isTimeText(p['answerTime'])) return 'msg.payload.answerTime is not a time or null';
  if (!isSecondsValue(p['durationSec'])) return 'msg.payload.durationSec is not a number of seconds';
  if (!isSecondsValue(p['billSec'])) return 'msg.payload.billSec is not a number of seconds';
  const callee = p['callee'] as { number?: unknown } | undefined;
  if (typeof callee !== 'object' || callee === null || typeof callee.number !== 'string') return 'msg.payload.callee.number is missing';
  if (!DISPOSITIONS.includes(p['disposition'] as string)) return 'msg.payload.disposition is not a known disposition';
  return null;
}

function isTimeText(v: unknown): boolean {
  return typeof v === 'string' && (isCdrTimeText(v) || !Number.isNaN(Date.parse(v)));
}

function isSecondsValue(v: unknown): boolean {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

import type { Cdr, Cost, Disposition } from './schema';

/**
 * Rating: a rate table (CSV or rows), longest-prefix match on the callee
 * number, and the cost of a record. Pure; cdr-calc is one user.
 *
 * Billing rules (documented in the README):
 * - talk seconds = `billSec`, a part second counts as a whole one;
 * - the first `freeSec` seconds are free; a call no longer than that costs 0
 *   (no connect fee);
 * - what is left is raised to `minimumSec`, then billed as one first block of
 *   `firstBlockSec` and further blocks of `incrementSec` (60/60 is per minute,
 *   30/6 is a 30 s first block then 6 s steps, 1/1 is per second);
 * - amount = connectFee + billedSec × ratePerMinute / 60, rounded half away
 *   from zero to `decimals`;
 * - a record whose disposition is not billable costs 0 (cost 0, `costReason`
 *   says why); a record with no matching prefix gets `cost: null` and a reason.
 */

export interface Rate {
  prefix: string;
  description: string;
  ratePerMinute: number;
  connectFee: number;
  firstBlockSec: number;
  incrementSec: number;
  minimumSec: number;
  freeSec: number;
}

export type RateInput = Partial<Record<keyof Rate, string | number>> & { prefix: string | number };

export class RateTableError extends Error {
  constructor(message: string, readonly line?: number) {
    super(line === undefined ? message : `rate table line ${line}: ${message}`);
    this.name = 'RateTableError';
  }
}

export const RATE_COLUMNS: ReadonlyArray<keyof Rate> = [
  'prefix', 'description', 'ratePerMinute', 'connectFee', 'firstBlockSec', 'incrementSec', 'minimumSec', 'freeSec',
];

// Header names people write, squeezed to lower-case letters and digits.
const HEADER_ALIASES: Record<string, keyof Rate> = {
  prefix: 'prefix', code: 'prefix', dialcode: 'prefix',
  description: 'description', desc: 'description', destination: 'description', name: 'description',
  rateperminute: 'ratePerMinute', ratepermin: 'ratePerMinute', rate: 'ratePerMinute', price: 'ratePerMinute',
  connectfee: 'connectFee', connect: 'connectFee', setupfee: 'connectFee',
  firstblocksec: 'firstBlockSec', firstblock: 'firstBlockSec', first: 'firstBlockSec', initial: 'firstBlockSec',
  incrementsec: 'incrementSec', increment: 'incrementSec', next: 'incrementSec',
  minimumsec: 'minimumSec', minimum: 'minimumSec', minsec: 'minimumSec', min: 'minimumSec',
  freesec: 'freeSec', free: 'freeSec', freeseconds: 'freeSec',
};

export class RateTable {
  private readonly byPrefix = new Map<string, Rate>();
  private longest = 0;

  constructor(rates: Iterable<Rate>) {
    for (const r of rates) {
      if (this.byPrefix.has(r.prefix)) throw new RateTableError(`prefix ${r.prefix} appears twice`);
      this.byPrefix.set(r.prefix, r);
      if (r.prefix.length > this.longest) this.longest = r.prefix.length;
    }
  }

  get size(): number {
    return this.byPrefix.size;
  }

  rates(): Rate[] {
    return [...this.byPrefix.values()];
  }

  /** The rate of the longest prefix of `digits` (already normalized), or undefined. */
  match(digits: string): Rate | undefined {
    for (let len = Math.min(this.longest, digits.length); len > 0; len--) {
      const r = this.byPrefix.get(digits.slice(0, len));
      if (r) return r;
    }
    return undefined;
  }
}

/**
 * A dialled number → digits for prefix matching: spaces, dashes, dots and
 * brackets removed; a leading `+` or international prefix (default `00`)
 * removed. Null when what is left is not all digits (e.g. "anonymous").
 */
export function normalizeNumber(number: string, internationalPrefix = '00'): string | null {
  // Most callee numbers are digits only: nothing to remove, no regular expressions.
  if (allDigits(number)) {
    const n = internationalPrefix !== '' && number.startsWith(internationalPrefix) ? number.slice(internationalPrefix.length) : number;
    return n !== '' && (n === number || allDigits(n)) ? n : null;
  }
  let n = number.replace(/[\s\-().\/]/g, '');
  if (n.startsWith('+')) n = n.slice(1);
  else if (internationalPrefix !== '' && n.startsWith(internationalPrefix)) n = n.slice(internationalPrefix.length);
  return /^\d+$/.test(n) ? n : null;
}

function allDigits(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Rate rows (objects with the RATE_COLUMNS names) → a table; throws RateTableError naming the row. */
export function buildRateTable(rows: ReadonlyArray<RateInput>, internationalPrefix = '00'): RateTable {
  return new RateTable(rows.map((row, i) => toRate(row, i + 1, internationalPrefix)));
}

/**
 * A rate table as CSV: one rate per line, columns in RATE_COLUMNS order or
 * named by a header line; `,`, `;` or tab separated; `"quoted"` cells; blank
 * lines and lines starting with `#` ignored. Missing optional cells default to
 * connect fee 0, 60 s blocks (first block = increment), no minimum, no free
 * seconds.
 */
export function parseRateTable(csv: string, internationalPrefix = '00'): RateTable {
  const lines = csv.split(/\r?\n/);
  const rates: Rate[] = [];
  let columns: Array<keyof Rate | null> | null = null;
  let delimiter: string | null = null;
  const seen = new Map<string, number>();
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    delimiter ??= line.includes('\t') ? '\t' : line.includes(';') && !line.includes(',') ? ';' : ',';
    const cells = splitCsvLine(line, delimiter, lineNo);
    if (columns === null) {
      const squeezed = cells.map((c) => c.toLowerCase().replace(/[^a-z0-9]/g, ''));
      if (squeezed.some((c) => c in HEADER_ALIASES) && !/^\+?\d/.test(cells[0] ?? '')) {
        columns = squeezed.map((c) => HEADER_ALIASES[c] ?? null);
        if (!columns.includes('prefix')) throw new RateTableError('the header has no prefix column', lineNo);
        if (!columns.includes('ratePerMinute')) throw new RateTableError('the header has no rate column', lineNo);
        return;
      }
      columns = [...RATE_COLUMNS];
    }
    const row: Partial<Record<keyof Rate, string>> = {};
    columns.forEach((name, i) => {
      if (name !== null && cells[i] !== undefined) row[name] = cells[i]!;
    });
    const rate = toRate({ ...row, prefix: row.prefix ?? '' }, lineNo, internationalPrefix);
    const first = seen.get(rate.prefix);
    if (first !== undefined) throw new RateTableError(`prefix ${rate.prefix} appears twice (first on line ${first})`, lineNo);
    seen.set(rate.prefix, lineNo);
    rates.push(rate);
  });
  return new RateTable(rates);
}

function splitCsvLine(line: string, delimiter: string, lineNo: number): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"' && cell.trim() === '') {
      quoted = true;
      cell = '';
    } else if (ch === delimiter) {
      cells.push(cell.trim());
      cell = '';
    } else cell += ch;
  }
  if (quoted) throw new RateTableError('a quoted cell is not closed', lineNo);
  cells.push(cell.trim());
  return cells;
}

function toRate(row: RateInput, lineNo: number, internationalPrefix: string): Rate {
  const prefix = normalizeNumber(String(row.prefix ?? ''), internationalPrefix);
  if (prefix === null) throw new RateTableError(`prefix "${String(row.prefix ?? '')}" is not a number prefix`, lineNo);
  const num = (name: keyof Rate, fallback: number | null, min: number, integer: boolean): number => {
    const v = row[name];
    if (v === undefined || v === null || String(v).trim() === '') {
      if (fallback === null) throw new RateTableError(`${name} is missing`, lineNo);
      return fallback;
    }
    // A decimal comma ("0,07", common in ;-separated files) is read as a decimal point.
    const n = typeof v === 'number' ? v : Number(String(v).trim().replace(/^(\d+),(\d+)$/, '$1.$2'));
    if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
      throw new RateTableError(`${name} "${String(v)}" must be ${integer ? 'a whole number' : 'a number'} ≥ ${min}`, lineNo);
    }
    return n;
  };
  const incrementSec = num('incrementSec', 60, 1, true);
  return {
    prefix,
    description: String(row.description ?? '').trim(),
    ratePerMinute: num('ratePerMinute', null, 0, false),
    connectFee: num('connectFee', 0, 0, false),
    firstBlockSec: num('firstBlockSec', incrementSec, 0, true),
    incrementSec,
    minimumSec: num('minimumSec', 0, 0, true),
    freeSec: num('freeSec', 0, 0, true),
  };
}

export interface RatingOptions {
  /** Currency code written into every cost, e.g. "USD". */
  currency: string;
  /** Decimals of the amount (default 4). */
  decimals?: number;
  /** Dispositions that are billed (default: answered only). */
  billable?: readonly Disposition[];
  /** International prefix removed before matching (default "00"). */
  internationalPrefix?: string;
  /**
   * FreeSWITCH logs a bridged call as two leg records (A and B) over the same
   * talk time: rating both bills the call twice. Which leg records carry the
   * cost (default "a", the originating leg, which always exists); the other
   * gets amount 0 with a reason. Call records and other vendors are not affected.
   */
  bridgedLegs?: 'a' | 'b' | 'both';
}

export interface Rated {
  cost: Cost | null;
  costReason?: string;
}

/** Billed seconds for `talkSec` of talk under `rate` (see the rules above). */
export function billedSeconds(talkSec: number, rate: Rate): number {
  // Part seconds count as whole ones; the tolerance keeps float noise (12.000000001) from adding one.
  const talk = Math.max(0, Math.ceil(talkSec - 1e-6));
  if (talk <= rate.freeSec) return 0;
  const chargeable = Math.max(talk - rate.freeSec, rate.minimumSec);
  if (chargeable <= rate.firstBlockSec) return rate.firstBlockSec;
  return rate.firstBlockSec + Math.ceil((chargeable - rate.firstBlockSec) / rate.incrementSec) * rate.incrementSec;
}

const POWERS_OF_TEN = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

/** `value` rounded half away from zero to `decimals` places, without binary-float surprises (1.005 → 1.01). */
export function roundTo(value: number, decimals: number): number {
  const sign = value < 0 ? -1 : 1;
  const shifted = Number(`${Math.abs(value).toPrecision(15)}e${decimals}`);
  const whole = Math.round(shifted);
  // A whole number below 2⁵³ over an exact power of ten is the double nearest
  // the decimal, as reading "${whole}e-${decimals}" gives it, without a text per record.
  if (Number.isSafeInteger(whole) && Number.isInteger(decimals) && decimals >= 0 && decimals <= 22) return sign * (whole / POWERS_OF_TEN[decimals]!);
  return sign * Number(`${whole}e-${decimals}`);
}

/** The cost of `cdr` under `table`; never throws for a record, gives `cost: null` and a reason instead. */
export function rateCdr(cdr: Cdr, table: RateTable | null, options: RatingOptions): Rated {
  if (table === null || table.size === 0) return { cost: null, costReason: 'no rate table' };
  const decimals = options.decimals ?? 4;
  const billable = options.billable ?? ANSWERED_ONLY;
  const number: unknown = cdr.callee?.number;
  if (typeof number !== 'string') return { cost: null, costReason: 'callee.number is not text' };
  if (number === '') return { cost: null, costReason: 'no callee number' };
  const digits = normalizeNumber(number, options.internationalPrefix ?? '00');
  if (digits === null) return { cost: null, costReason: `callee "${number}" is not a dialable number` };
  const rate = table.match(digits);
  if (!rate) return { cost: null, costReason: `no rate matches callee "${number}"` };
  if (!billable.includes(cdr.disposition)) {
    return { cost: costOf(0, options.currency, rate, 0), costReason: `disposition ${cdr.disposition} is not billable` };
  }
  const bridgedLegs = options.bridgedLegs ?? 'a';
  const leg = cdr.kind === 'leg' && cdr.vendor === 'freeswitch' ? cdr.extra['leg'] : undefined;
  if (bridgedLegs !== 'both' && (leg === 'a' || leg === 'b') && leg !== bridgedLegs) {
    return {
      cost: costOf(0, options.currency, rate, 0),
      costReason: `FreeSWITCH ${leg.toUpperCase()}-leg: the call is rated on its ${bridgedLegs.toUpperCase()}-leg`,
    };
  }
  const billedSec = billedSeconds(cdr.billSec, rate);
  const amount = billedSec === 0 ? 0 : rate.connectFee + (billedSec * rate.ratePerMinute) / 60;
  return { cost: costOf(roundTo(amount, decimals), options.currency, rate, billedSec) };
}

/** The disposition rated when the options name none (one list, not one per record). */
const ANSWERED_ONLY: readonly Disposition[] = ['answered'];

/** One cost object per record (no spread of a shared part), its fields in the schema's order. */
function costOf(amount: number, currency: string, rate: { prefix: string; ratePerMinute: number }, billedSec: number): Cost {
  return { amount, currency, prefix: rate.prefix, ratePerMinute: rate.ratePerMinute, billedSec };
}

import type { Cdr } from './schema';
import { computeMetrics } from './metrics';
import { CdrInvalidError, cdrViolation, checkCdr } from './gate';
import { rateCdr, type RateTable, type RatingOptions } from './rating';

export interface CalcOptions {
  /** Rate table; without one no cost is added (only metrics). */
  rates?: RateTable | null;
  rating?: RatingOptions;
}

/**
 * `cdr` with `metrics` (and its legs with theirs) and, when a rate table is
 * given, `cost` (null with `costReason` when it cannot be rated). Only the
 * record itself is rated, not the legs of a call, so a call is never billed
 * twice. Returns a new object; the input is not changed. Throws
 * CdrInvalidError (naming the field, its value and the rule) rather than give
 * a record that fails the schema.
 */
export function calc(cdr: Cdr, options: CalcOptions = {}): Cdr {
  let out: Cdr;
  try {
    out = compute(cdr, options);
  } catch (err) {
    // A record that is not a Cdr can make the arithmetic throw: say what is wrong with it instead.
    const v = cdrViolation(cdr);
    if (v !== null) throw new CdrInvalidError(v, 'the record given to cdr-calc');
    throw err;
  }
  return checkCdr(out, 'cdr-calc');
}

function withMetrics(leg: Cdr): Cdr {
  const out: Cdr = { ...leg };
  out.metrics = computeMetrics(leg);
  return out;
}

function compute(cdr: Cdr, options: CalcOptions): Cdr {
  // A bare spread, then the metrics set: V8 copies a bare spread's fields at
  // once, while a literal with a field after the spread is built field by
  // field. The same fields in the same order either way (an existing
  // `metrics` keeps its place).
  const out: Cdr = { ...cdr };
  out.metrics = computeMetrics(cdr);
  if (cdr.legs) out.legs = cdr.legs.map(withMetrics);
  // delete only when there is something to delete: it makes V8 turn the object
  // into a slow dictionary, and a fresh Cdr from cdr-normalize has neither.
  if ('cost' in out) delete out.cost;
  if ('costReason' in out) delete out.costReason;
  if (options.rates) {
    const rated = rateCdr(cdr, options.rates, options.rating ?? { currency: 'USD' });
    out.cost = rated.cost;
    if (rated.costReason !== undefined) out.costReason = rated.costReason;
  }
  return out;
}

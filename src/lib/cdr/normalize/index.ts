import type { Vendor } from '../schema';
import { VENDORS } from '../schema';
import { isValidTimeZone } from '../time';
import { MapError, type Mapped, type MapOptions, type VendorMapper } from './types';
import { mapUcm } from './ucm';
import { mapVos3000 } from './vos3000';
import { mapGateway } from './gateway';
import { mapFreeswitch } from './freeswitch';
import { mapAsterisk } from './asterisk';
import { callViolation, CdrInvalidError, checkCdr } from '../gate';
import { applyDirectionRules } from './direction-rules';

export { MapError } from './types';
export type { Mapped, MapOptions, VendorMapper, VendorRecord } from './types';

/**
 * The mapper of each vendor. Adding a vendor is one import and one line here;
 * its mapper follows the `VendorMapper` contract of ./types.
 */
const mappers: Partial<Record<Vendor, VendorMapper>> = {
  ucm: mapUcm,
  vos3000: mapVos3000,
  gateway: mapGateway,
  freeswitch: mapFreeswitch,
  asterisk: mapAsterisk,
};

/** True when `name` is a vendor of the schema. */
export function isVendor(name: unknown): name is Vendor {
  return typeof name === 'string' && (VENDORS as readonly string[]).includes(name);
}

/** The vendors that have a mapper. */
export function mappedVendors(): Vendor[] {
  return VENDORS.filter((v) => mappers[v] !== undefined);
}

/** Installs, replaces or (with undefined) removes the mapper of a vendor; gives the one it replaced. For tests and embedders. */
export function registerMapper(vendor: Vendor, mapper: VendorMapper | undefined): VendorMapper | undefined {
  const before = mappers[vendor];
  if (mapper) mappers[vendor] = mapper;
  else delete mappers[vendor];
  return before;
}

/**
 * One vendor record → its legs (and the call, when the record is a whole call).
 * Throws `MapError` for anything that cannot be mapped: an unknown vendor, a
 * record that is not an object, a bad time zone, or what the mapper rejects.
 * An unexpected failure inside a mapper is reported as a `MapError` too, so a
 * caller has one kind of error to handle.
 */
// Who made a record that fails the gate, named in its error (one text per vendor, not one per record).
const STAGES = Object.fromEntries(VENDORS.map((v) => [v, `the ${v} mapper`])) as Record<Vendor, string>;

// One empty list for every record mapped without direction rules (not one per record).
const NO_RULES: readonly never[] = [];

export function normalize(vendor: string, record: unknown, options: MapOptions): Mapped {
  if (!isVendor(vendor)) throw new MapError(`unknown vendor "${String(vendor)}" (expected one of ${VENDORS.join(', ')})`, 'vendor');
  const mapper = mappers[vendor];
  if (!mapper) throw new MapError(`no mapper for vendor "${vendor}" in this version`, 'vendor');
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    throw new MapError(`a ${vendor} record must be an object, got ${Array.isArray(record) ? 'an array' : record === null ? 'null' : typeof record}`);
  }
  if (!isValidTimeZone(options.timeZone)) throw new MapError(`not an IANA time zone: "${String(options.timeZone)}"`, 'timeZone');
  let mapped: Mapped;
  try {
    mapped = applyDirectionRules(mapper(record as Record<string, unknown>, options), options.directionRules ?? NO_RULES);
  } catch (err) {
    if (err instanceof MapError) throw err;
    throw new MapError(`${vendor} mapper failed on this record (a defect: please report it with the record): ${err instanceof Error ? err.message : String(err)}`);
  }
  // Whatever a mapper made, nothing leaves here that fails the schema.
  const stage = STAGES[vendor];
  for (const leg of mapped.legs) checkCdr(leg, stage);
  if (mapped.call) {
    // A call's legs that are the legs just checked are not checked twice.
    const legs = mapped.legs;
    const v = callViolation(mapped.call, (leg) => legs.includes(leg));
    if (v !== null) throw new CdrInvalidError(v, stage);
  }
  return mapped;
}

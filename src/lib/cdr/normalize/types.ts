import type { Cdr, Direction } from '../schema';
import type { CompiledDirectionRule } from './direction-rules';

/** A vendor record as a source node sends it in `msg.payload`: the vendor's own names and values. */
export type VendorRecord = Record<string, unknown>;

/** Settings every mapper receives. Vendor-specific settings go in `vendor`. */
export interface MapOptions {
  /** IANA zone the PBX writes its wall-clock times in. */
  timeZone: string;
  /** Per-vendor settings (direction rules, field orders, …), owned by each mapper. */
  vendor?: Record<string, unknown>;
  /** cdr-normalize's direction rules for every vendor (direction-rules.ts), before the built-in ones. */
  directionRules?: readonly CompiledDirectionRule[];
}

/** What a mapper makes of one vendor record: its legs, and the call when the record is a whole call. */
export interface Mapped {
  legs: Cdr[];
  call?: Cdr;
}

export type VendorMapper = (record: VendorRecord, options: MapOptions) => Mapped;

/** A record that cannot be mapped: thrown by mappers, caught by the node and reported. */
export class MapError extends Error {
  constructor(message: string, readonly field?: string) {
    super(message);
    this.name = 'MapError';
  }
}

export type { Direction };

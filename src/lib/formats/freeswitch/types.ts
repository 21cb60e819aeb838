/**
 * The FreeSWITCH vendor record: the shape of a `mod_json_cdr` document, which
 * `mod_xml_cdr` XML is turned into as well (same structure, see REFERENCE.md §3.2–3.3),
 * so one mapper reads both. Values stay strings as FreeSWITCH wrote them, except
 * that `variables` are URL-decoded.
 */

export interface FsApplication {
  app_name: string;
  app_data: string;
  app_stamp?: string;
  [attribute: string]: string | undefined;
}

export interface FsCallerProfile {
  uuid?: string;
  caller_id_name?: string;
  caller_id_number?: string;
  destination_number?: string;
  originator?: { originator_caller_profiles: FsCallerProfile[] };
  originatee?: { originatee_caller_profiles: FsCallerProfile[] };
  [field: string]: unknown;
}

/** Epoch microseconds as decimal strings; "0" means "never happened". */
export type FsTimes = Record<string, string>;

export interface FsCallflow {
  dialplan?: string;
  profile_index?: string;
  extension?: Record<string, unknown>;
  caller_profile: FsCallerProfile;
  times: FsTimes;
  [field: string]: unknown;
}

export interface FsHold {
  on: string;
  off: string;
  'bridged-to'?: string;
}

export interface FsCdrRecord {
  'core-uuid'?: string;
  switchname?: string;
  channel_data?: Record<string, string>;
  variables: Record<string, string>;
  app_log?: { applications: FsApplication[] };
  /** One per caller profile; FreeSWITCH writes the newest first. */
  callflow: FsCallflow[];
  /** XML only. */
  'hold-record'?: { hold: FsHold[] };
  /** XML spelling; JSON spells it `callStats`. */
  'call-stats'?: Record<string, unknown>;
  callStats?: Record<string, unknown>;
  [field: string]: unknown;
}

/** A mod_cdr_csv line as a record: template variable name → value. */
export type FsCsvRecord = Record<string, string>;

/** Input that is not a FreeSWITCH CDR, with a reason a person can act on. */
export class FsFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FsFormatError';
  }
}

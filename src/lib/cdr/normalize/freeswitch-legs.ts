/**
 * FreeSWITCH leg rules (BRIEF.md, "Putting legs together"): which leg a record
 * is, the A-leg uuid that names the call, and the leg it connects to.
 */
import type { FsCallerProfile } from '../../formats/freeswitch/types';

export type FsLeg = 'a' | 'b';

export interface FsLegInfo {
  leg: FsLeg;
  /** The A-leg's uuid: the call id shared by both legs. */
  aLegUuid: string;
  /** The leg on the other side of the bridge, when the record names it. */
  otherLegUuid?: string;
  /** A-leg only: every leg it originated (originated_legs / originate_causes), in order, once each. */
  originatedLegs?: string[];
}

/**
 * `uuid` is the record's own leg uuid; `vars` its variables; `profile` the
 * caller profile of its newest callflow. A record with B-leg markers is a
 * B-leg even when it also originated a leg itself (a loopback's originating
 * channel): its call is the A-leg it names.
 */
export function fsLegInfo(uuid: string, vars: Record<string, string>, profile: FsCallerProfile | undefined): FsLegInfo {
  const originatorProfile = profile?.originator?.originator_caller_profiles?.[0];
  const aFromB =
    nonEmpty(vars['ent_originate_aleg_uuid']) ??
    nonEmpty(vars['originating_leg_uuid']) ??
    nonEmpty(vars['originator']) ??
    nonEmpty(typeof originatorProfile?.uuid === 'string' ? originatorProfile.uuid : undefined);
  if (aFromB !== undefined && aFromB !== uuid) {
    const info: FsLegInfo = { leg: 'b', aLegUuid: aFromB, otherLegUuid: aFromB };
    return info;
  }
  const originated = uniqueUuids(arrayUuids(vars['originated_legs']).concat(arrayUuids(vars['originate_causes'])));
  const listed: unknown = profile?.originatee?.originatee_caller_profiles;
  for (const p of Array.isArray(listed) ? (listed as Array<{ uuid?: unknown } | null>) : []) {
    if (p && typeof p.uuid === 'string' && p.uuid && !originated.includes(p.uuid)) originated.push(p.uuid);
  }
  const other =
    nonEmpty(vars['bridge_uuid']) ?? nonEmpty(vars['signal_bond']) ?? nonEmpty(vars['last_bridge_to']) ?? originated[0];
  const info: FsLegInfo = { leg: 'a', aLegUuid: uuid };
  if (other !== undefined && other !== uuid) info.otherLegUuid = other;
  if (originated.length > 0) info.originatedLegs = originated;
  return info;
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/**
 * The uuids in a FreeSWITCH array variable such as
 * `ARRAY::f52c…;Outbound Call;1002|:f52c…;NONE` (the first `;` field of each item).
 */
export function arrayUuids(value: string | undefined): string[] {
  if (!value) return [];
  const body = value.startsWith('ARRAY::') ? value.slice(7) : value;
  return body
    .split('|:')
    .map((item) => item.split(';')[0]!.trim())
    .filter((u) => u.length > 0);
}

function uniqueUuids(list: string[]): string[] {
  return [...new Set(list)];
}

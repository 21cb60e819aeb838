import { zoneOffsetMs } from '../cdr/time';
import type { Match } from './rule-event';
import type { PrefixList } from './prefix-list';
import type { StatsRecord } from './record';
import { recordKey, type RecordKey } from './rules';

/** A call to a watch-listed prefix (premium rate, IRSF destinations …), kept per caller/account and prefix. */
export function watchListMatch(list: PrefixList, by: RecordKey, internationalPrefix = '00'): (r: StatsRecord) => Match | null {
  return (r) => {
    const hit = list.match(r.calleeNumber, internationalPrefix);
    if (!hit) return null;
    const who = recordKey(r, by) ?? '(none)';
    return { key: `${by}:${who}/${hit.prefix}`, figures: { prefix: hit.prefix, description: hit.description, callee: r.calleeNumber } };
  };
}

export interface BusinessHours {
  /** Minutes of the local day, [from, to). */
  fromMin: number;
  toMin: number;
  /** Days allowed, 0 = Sunday … 6 = Saturday. */
  days: ReadonlySet<number>;
  timeZone: string;
}

const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** "08:00-18:00" and "mon-fri" / "mon,tue,sat" → hours; throws with a message. */
export function parseBusinessHours(hours: string, days: string, timeZone: string): BusinessHours {
  const h = /^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$/.exec(hours);
  if (!h) throw new Error(`hours "${hours}" must be like 08:00-18:00`);
  const fromMin = Number(h[1]) * 60 + Number(h[2]);
  const toMin = Number(h[3]) * 60 + Number(h[4]);
  if (fromMin >= toMin || toMin > 1440) throw new Error(`hours "${hours}": the start must be before the end, within one day`);
  const set = new Set<number>();
  for (const part of days.toLowerCase().split(/[\s,;]+/).filter(Boolean)) {
    const [a, b] = part.split('-');
    const i = DAY_NAMES.indexOf(a!.slice(0, 3));
    const j = b === undefined ? i : DAY_NAMES.indexOf(b.slice(0, 3));
    if (i < 0 || j < 0) throw new Error(`days "${days}" must be like mon-fri or mon,tue,sat`);
    for (let d = i; ; d = (d + 1) % 7) {
      set.add(d);
      if (d === j) break;
    }
  }
  if (set.size === 0) throw new Error('days: name at least one day');
  return { fromMin, toMin, days: set, timeZone };
}

/** A call that started outside the hours (local time of the zone), kept per account/caller. */
export function outOfHoursMatch(hours: BusinessHours, by: RecordKey): (r: StatsRecord) => Match | null {
  return (r) => {
    const local = new Date(r.startMs + zoneOffsetMs(r.startMs, hours.timeZone));
    const minute = local.getUTCHours() * 60 + local.getUTCMinutes();
    if (hours.days.has(local.getUTCDay()) && minute >= hours.fromMin && minute < hours.toMin) return null;
    const who = recordKey(r, by);
    if (who === undefined) return null;
    return { key: `${by}:${who}`, figures: { localStart: local.toISOString().slice(0, 16).replace('T', ' '), timeZone: hours.timeZone } };
  };
}

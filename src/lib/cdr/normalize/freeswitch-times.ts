/**
 * Derived times of a FreeSWITCH leg, exactly as BRIEF.md defines them, from the
 * callflow `<times>` (epoch microseconds, 0 = never) and `hold_events`.
 */

export interface FsTimesUs {
  created: number;
  progress: number;
  progressMedia: number;
  answered: number;
  bridged: number;
  hangup: number;
}

export interface FsDerived {
  /** µs; progress_media_time when the call had early media, else progress_time; 0 when it never rang. */
  ringStartUs: number;
  /** Whether progress_media_time was early media (before the answer, or on a call never answered). */
  earlyMedia: boolean;
  /** ring start − created, for calls that rang. */
  pddSec?: number;
  /** (answered if answered, else hangup) − ring start, for calls that rang. */
  ringSec?: number;
  /** hangup − answered, when answered. */
  talkSec: number;
  /** Sum of (stop − start) over the hold events. */
  holdSec: number;
}

export interface FsHoldUs {
  startUs: number;
  stopUs: number;
}

const US = 1_000_000;

/** Microsecond field of a times map; 0 for missing, empty or malformed. */
export function usField(times: Record<string, string> | undefined, name: string): number {
  const v = times?.[name];
  if (v === undefined || v === '') return 0;
  const n = Number(v);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

export function fsTimesUs(times: Record<string, string> | undefined): FsTimesUs {
  return {
    created: usField(times, 'created_time'),
    progress: usField(times, 'progress_time'),
    progressMedia: usField(times, 'progress_media_time'),
    answered: usField(times, 'answered_time'),
    bridged: usField(times, 'bridged_time'),
    hangup: usField(times, 'hangup_time'),
  };
}

/**
 * `{{1347907323618493,1347907328495937},{…}}` → hold periods. FreeSWITCH sets
 * the start when a hold begins and the stop when it ends; an entry without a
 * stop (hung up while held) is dropped by the caller, not here.
 */
export function parseHoldEvents(text: string | undefined): FsHoldUs[] {
  if (!text) return [];
  const out: FsHoldUs[] = [];
  for (const m of text.matchAll(/\{\s*(\d+)\s*,\s*(\d+)\s*\}/g)) {
    out.push({ startUs: Number(m[1]), stopUs: Number(m[2]) });
  }
  return out;
}

/** Round to microsecond precision in seconds, so 67.139152 stays 67.139152. */
const sec = (us: number): number => Math.round(us) / US;

export function deriveFsTimes(t: FsTimesUs, holds: FsHoldUs[]): FsDerived {
  // FreeSWITCH also stamps progress_media at the answer when no early media came
  // first (the two are then equal): that is not early media.
  const earlyMedia = t.progressMedia > 0 && (t.answered === 0 || t.progressMedia < t.answered);
  const ringStartUs = earlyMedia ? t.progressMedia : t.progress;
  const d: FsDerived = {
    ringStartUs,
    earlyMedia,
    talkSec: t.answered > 0 && t.hangup >= t.answered ? sec(t.hangup - t.answered) : 0,
    holdSec: sec(holds.reduce((sum, h) => sum + Math.max(0, h.stopUs - h.startUs), 0)),
  };
  if (ringStartUs > 0) {
    if (t.created > 0 && ringStartUs >= t.created) d.pddSec = sec(ringStartUs - t.created);
    const ringEnd = t.answered > 0 ? t.answered : t.hangup;
    if (ringEnd >= ringStartUs) d.ringSec = sec(ringEnd - ringStartUs);
  }
  return d;
}

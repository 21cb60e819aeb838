import type { StatsRecord } from './record';

/**
 * Network effectiveness (ITU-T E.425): an attempt is *effective* when the
 * network did its job — the call was answered, or reached the user who was
 * busy, did not answer, or rejected it. Failures of the network (congestion,
 * no route, temporary failure …) are not effective.
 *
 * With a Q.850 cause (ITU-T Q.850) on an unanswered record, these are effective:
 * 16 normal clearing (the caller gave up while it rang), 17 user busy,
 * 18 no user responding, 19 no answer from user, 20 subscriber absent,
 * 21 call rejected. Without a cause, the disposition decides: busy and
 * no_answer are effective, failed and congestion are not.
 */
export const EFFECTIVE_Q850: ReadonlySet<number> = new Set([16, 17, 18, 19, 20, 21]);

export function isEffective(r: StatsRecord): boolean {
  if (r.answered) return true;
  if (r.q850 !== undefined) return EFFECTIVE_Q850.has(r.q850);
  return r.disposition === 'busy' || r.disposition === 'no_answer';
}

/**
 * Labels built so far, by Q.850 code and vendor cause: a label is the key of a
 * count in every bucket, and the same string object each time is found faster
 * than a fresh one (and is not built per record). Bounded: a flood of odd
 * cause texts builds its labels again instead of growing the cache.
 */
const labels = new Map<number, Map<string, string>>();
const MAX_LABELS = 1024;
let labelCount = 0;

/** How a failed attempt is named in the causes breakdown: "Q.850 17 USER_BUSY", the vendor's cause, else the disposition. */
export function causeLabel(r: StatsRecord): string {
  if (r.q850 === undefined) return r.cause ?? r.disposition;
  const cause = r.cause ?? '';
  let byCause = labels.get(r.q850);
  const known = byCause?.get(cause);
  if (known !== undefined) return known;
  const label = cause ? `Q.850 ${r.q850} ${cause}` : `Q.850 ${r.q850}`;
  if (labelCount < MAX_LABELS) {
    if (byCause === undefined) labels.set(r.q850, (byCause = new Map()));
    byCause.set(cause, label);
    labelCount++;
  }
  return label;
}

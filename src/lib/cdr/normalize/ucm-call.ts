/**
 * Grandstream UCM: which legs of a call tell its outcome.
 *
 * The UCM forks its CDR as a call moves on (ForkCDR at a ring group or IVR):
 * the fork records are ANSWERED with 0 billable seconds (the ring group
 * "answered" the caller while the phones rang) and the `answer` of an
 * unanswered leg is its end. A call is answered when a leg is ANSWERED with
 * billable seconds; otherwise it ends as the most telling of its `Dial` legs
 * (the phones that rang), or of all its legs when none dialed.
 *
 * The call's counts are the group's `main_cdr` duration and billsec when the
 * UCM sends a group (see ucm.ts), else the legs' own.
 */
import type { Cdr } from '../schema';
import { isBilledAnswer, type CallRule } from '../call-rules';

function isDialLeg(leg: Cdr): boolean {
  const app = leg.extra['lastapp'];
  return typeof app === 'string' && /^dial$/i.test(app.trim());
}

export const ucmCallRule: CallRule = (legs) => {
  const dials = legs.filter((l) => isDialLeg(l) && l.disposition !== 'answered');
  return { answered: legs.filter(isBilledAnswer), telling: dials.length > 0 ? dials : [...legs] };
};

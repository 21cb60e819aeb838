/**
 * Asterisk: which legs of a call (one LinkedID) tell its outcome.
 *
 * A call placed through Local channels (AMI Originate, ring groups, queues,
 * follow-me) logs bookkeeping records besides the dial attempts: the Local
 * half that stands for the caller answers at once (ANSWERED, the whole call
 * long), and the channel that ran `Dial` logs an ANSWERED record with 0
 * billable seconds after the dial. Neither says the destination answered. So:
 * - the dial legs (a `Dial`/`Queue`… application, or a DestinationChannel) are
 *   the attempts; the call is answered when one of them is ANSWERED with
 *   billable seconds and reached a channel, and otherwise ends as the most
 *   telling of their dispositions (a NO ANSWER dial leg carrying an AnswerTime
 *   and BillableSeconds is still no answer);
 * - when the dial legs say nothing (a destination that does not exist leaves
 *   the dial leg ANSWERED with 0 s and no channel), or there is no dial at all
 *   (an IVR), the other legs decide, without the caller's bookkeeping half: a
 *   `Local/…;2` whose `;1` half also logged a record of this call.
 */
import type { Cdr } from '../schema';
import { isBilledAnswer, type CallRule } from '../call-rules';

const DIAL_APPS = /^(dial|queue|followme|originate)$/i;

function extraText(leg: Cdr, name: string): string {
  const want = name.toLowerCase();
  for (const [k, v] of Object.entries(leg.extra)) if (k.toLowerCase() === want) return typeof v === 'string' ? v.trim() : '';
  return '';
}

function isDialLeg(leg: Cdr): boolean {
  return DIAL_APPS.test(extraText(leg, 'LastApplication')) || extraText(leg, 'DestinationChannel') !== '';
}

/** The caller's Local half: `Local/x@ctx-0001;2` when `Local/x@ctx-0001;1` logged a record of the same call. */
export function isBookkeepingHalf(leg: Cdr, channels: ReadonlySet<string>): boolean {
  const m = /^(Local\/.+);2$/i.exec(extraText(leg, 'Channel'));
  return m !== null && channels.has(`${m[1]!.toLowerCase()};1`);
}

/** `Local/x@ctx-0001;1` → `local/x@ctx-0001` (the pair's name); '' for other channels. */
function localBase(channel: string): string {
  const m = /^(Local\/.+);[12]$/i.exec(channel);
  return m ? m[1]!.toLowerCase() : '';
}

/** The leg that ran the channel a dial leg reached (`Local/…;2` of its DestinationChannel), if it logged one. */
function reached(dial: Cdr, legs: readonly Cdr[]): Cdr | undefined {
  const base = localBase(extraText(dial, 'DestinationChannel'));
  return base === '' ? undefined : legs.find((l) => l !== dial && localBase(extraText(l, 'Channel')) === base && /;2$/.test(extraText(l, 'Channel')));
}

/** Follows Local channels from an answered dial to the leg that answered at the end of the chain (a forward dials again). */
function answeringParty(dial: Cdr, legs: readonly Cdr[]): Cdr {
  let at = dial;
  for (let hops = 0; hops < legs.length; hops++) {
    const next = reached(at, legs);
    if (!next || !isBilledAnswer(next)) return at;
    if (!isDialLeg(next)) return next;
    at = next;
  }
  return at;
}

export const asteriskCallRule: CallRule = (legs) => {
  const channels = new Set(legs.map((l) => extraText(l, 'Channel').toLowerCase()));
  const dials = legs.filter(isDialLeg);
  const others = legs.filter((l) => !isDialLeg(l) && !isBookkeepingHalf(l, channels));
  // The caller's dial, not one a Local destination made in turn (a forward).
  const reachedBases = new Set(dials.map((l) => localBase(extraText(l, 'DestinationChannel'))).filter((b) => b !== ''));
  const lead = dials.find((l) => !reachedBases.has(localBase(extraText(l, 'Channel')))) ?? dials[0] ?? others[0];
  const answeredDials = dials.filter((l) => isBilledAnswer(l) && extraText(l, 'DestinationChannel') !== '');
  if (answeredDials.length > 0) {
    const first = [...answeredDials].sort((x, y) => Date.parse(x.answerTime!) - Date.parse(y.answerTime!))[0]!;
    const top = lead && answeredDials.includes(lead) ? lead : first;
    return { answered: answeredDials, telling: dials, lead, answeredBy: answeringParty(top, legs) };
  }
  if (dials.length > 0) {
    const failedDials = dials.filter((l) => l.disposition !== 'answered');
    // The call ended inside the dial: nothing after it answered the caller.
    return { answered: [], telling: failedDials.length > 0 ? failedDials : others, lead };
  }
  return { answered: others.filter(isBilledAnswer), telling: others, lead };
};

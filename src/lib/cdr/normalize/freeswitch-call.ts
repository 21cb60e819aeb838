/**
 * FreeSWITCH: the A-leg (the caller's channel, whose uuid is the call id) is
 * what FreeSWITCH billed: the call's duration, billsec and times are its own.
 * The outcome is the B-legs' (the destinations it bridged to) when there are
 * any: an A-leg answered by the dialplan before a bridge that failed did not
 * reach what was dialed. Without B-legs the A-leg decides.
 */
import type { Cdr } from '../schema';
import { isBilledAnswer, type CallRule } from '../call-rules';

function isALeg(leg: Cdr): boolean {
  return leg.extra['leg'] === 'a';
}

export const freeswitchCallRule: CallRule = (legs) => {
  const a = legs.find((l) => isALeg(l) && l.id === l.callId) ?? legs.find(isALeg);
  const bs = legs.filter((l) => l !== a && !isALeg(l));
  if (!a) return { answered: legs.filter(isBilledAnswer), telling: [...legs] };
  const answeredB = bs.filter((l) => l.disposition === 'answered');
  const aAnswered = isBilledAnswer(a);
  if (bs.length === 0) return { answered: aAnswered ? [a] : [], telling: [a], primary: a, lead: a };
  return { answered: aAnswered && answeredB.length > 0 ? [a] : [], telling: bs, primary: a, lead: a };
};

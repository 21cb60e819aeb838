import type { Cdr, Disposition } from './schema';

/**
 * What a vendor's legs say about the call they make up. Each vendor's rule
 * lives beside its mapper (normalize/<vendor>-call.ts); `buildCall` applies it.
 */
export interface CallOutcome {
  /**
   * The legs in which the dialed destination answered and the PBX billed talk
   * time (disposition answered and billSec > 0). Empty: the call was not answered.
   */
  answered: Cdr[];
  /** The legs whose disposition tells how an unanswered call ended (the dial attempts). */
  telling: Cdr[];
  /**
   * The leg whose counts are the call's (FreeSWITCH: the A-leg), when the
   * vendor has one: its duration, billsec and times are the call's.
   */
  primary?: Cdr;
  /** The leg that holds the call's caller and callee (what was dialed), when not the first one. */
  lead?: Cdr;
  /** The leg that stands for the party who answered (its callee is `extra.answeredBy`), when not the first answering leg. */
  answeredBy?: Cdr;
}

export type CallRule = (legs: readonly Cdr[]) => CallOutcome;

/** A leg that answered and was billed: a leg with 0 billable seconds never answers a call. */
export function isBilledAnswer(leg: Cdr): boolean {
  return leg.disposition === 'answered' && leg.answerTime !== null && leg.billSec > 0;
}

/** Vendors whose legs are each a whole call (VOS3000, gateway) and the fallback for any vendor. */
export const defaultCallRule: CallRule = (legs) => ({
  answered: legs.filter(isBilledAnswer),
  telling: [...legs],
});

const UNANSWERED_RANK: Disposition[] = ['no_answer', 'busy', 'congestion', 'failed'];

/**
 * How an unanswered call ended: the most telling disposition of the dial
 * attempts (no_answer, then busy, congestion, failed). An `answered` leg here
 * is a bookkeeping record with no talk time and says nothing.
 */
export function unansweredDisposition(telling: readonly Cdr[]): Disposition {
  for (const d of UNANSWERED_RANK) if (telling.some((l) => l.disposition === d)) return d;
  return 'failed';
}

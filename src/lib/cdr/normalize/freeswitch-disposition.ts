/**
 * FreeSWITCH hangup facts → the schema's disposition and "who hung up".
 */
import type { Disposition, HangupBy } from '../schema';
import type { FsLeg } from './freeswitch-legs';

const BUSY = new Set(['USER_BUSY', 'CALL_REJECTED']);
const NO_ANSWER = new Set([
  'NORMAL_CLEARING',
  'NO_ANSWER',
  'NO_USER_RESPONSE',
  'ORIGINATOR_CANCEL',
  'NORMAL_UNSPECIFIED',
  'ALLOTTED_TIMEOUT',
  'PICKED_OFF',
  'LOSE_RACE',
  'ATTENDED_TRANSFER',
  'BLIND_TRANSFER',
]);
const CONGESTION = new Set([
  'NORMAL_CIRCUIT_CONGESTION',
  'SWITCH_CONGESTION',
  'REQUESTED_CHAN_UNAVAIL',
  'RESOURCE_UNAVAILABLE',
  'NORMAL_TEMPORARY_FAILURE',
]);

/** An answered leg is answered whatever its cause; otherwise the cause decides. */
export function fsDisposition(answered: boolean, hangupCause: string | undefined): Disposition {
  if (answered) return 'answered';
  const cause = (hangupCause ?? '').trim().toUpperCase();
  if (BUSY.has(cause)) return 'busy';
  if (CONGESTION.has(cause)) return 'congestion';
  if (NO_ANSWER.has(cause) || cause === '') return 'no_answer';
  return 'failed';
}

/**
 * `sip_hangup_disposition` is told from this leg's side: `recv_*` = this leg's
 * far end ended it (the caller on an A-leg, the callee on a B-leg); `send_bye`
 * = FreeSWITCH ended it because the other leg did (or, on an unbridged leg,
 * the dialplan did); `send_cancel` on a B-leg = the caller gave up;
 * `send_refuse` = FreeSWITCH refused the call.
 */
export function fsHangupBy(disposition: string | undefined, leg: FsLeg, bridged: boolean): HangupBy | undefined {
  switch ((disposition ?? '').trim()) {
    case 'recv_bye':
    case 'recv_cancel':
    case 'recv_refuse':
      return leg === 'a' ? 'caller' : 'callee';
    case 'send_bye':
      if (!bridged) return 'system';
      return leg === 'a' ? 'callee' : 'caller';
    case 'send_cancel':
      return leg === 'b' ? 'caller' : 'system';
    case 'send_refuse':
      return 'system';
    default:
      return undefined;
  }
}

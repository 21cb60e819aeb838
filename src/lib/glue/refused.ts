/**
 * What cdr-normalize and cdr-calc do with the acknowledgement of a record they
 * refuse (it cannot be mapped, or fails the schema), once it is on the error
 * path with its raw text:
 *  - 'ack' (default): acknowledge it there. A refusal is decided by the record
 *    itself, so sending it again would fail the same way at every acknowledgement
 *    timeout, for ever; it reaches the error path once.
 *  - 'catch': leave it to the flow. The error message keeps `msg.cdrAck`, so a
 *    catch node → a dead-letter sink → cdr-ack acknowledges it once it is stored;
 *    until then its source sends it again after each timeout (and it reaches the
 *    error path again). For flows whose refused records must be kept durably.
 */
import { acknowledge } from '../source/ack-registry';
import type { SettingProblem } from './listener-config';

export type RefusedPolicy = 'ack' | 'catch';

/** The setting as the editor stores it ('' or absent: 'ack'); a problem when it is neither. */
export function refusedPolicyOf(v: unknown, problems: SettingProblem[]): RefusedPolicy {
  if (v === undefined || v === null || v === '' || v === 'ack') return 'ack';
  if (v === 'catch') return 'catch';
  problems.push({ key: 'refused', detail: `refused records must be "ack" or "catch" (got "${String(v)}")` });
  return 'ack';
}

/** Called once a refused record's message went to node.error: acknowledges its handles under 'ack'. */
export function settleRefused(policy: RefusedPolicy, handles: string[]): void {
  if (policy === 'ack' && handles.length > 0) acknowledge(handles);
}

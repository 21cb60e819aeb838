/**
 * Gateway call record (the `gw-cdr-in` payload, see formats/gateway/assembler)
 * → one Cdr leg. The mapping is documented in README-gateway.md.
 */

import type { Cdr, Direction, Disposition, Trunks } from '../schema';
import { stableId } from '../id';
import { isoUtc, wallClockToIso } from '../time';
import { asSeconds, asText, checkInstant, checkTimeOrder, own } from '../read-field';
import { secondPass } from './wall-clock';
import { MapError, type Mapped, type MapOptions, type VendorRecord } from './types';

const NOTATION_DIRECTION: Record<string, Direction> = {
  'Call in': 'inbound',
  'Call in reject': 'inbound',
  'Call out': 'outbound',
  'Call out failed': 'outbound',
  'Hook On/Off': 'unknown',
  Other: 'unknown',
};

function text(r: VendorRecord, field: string): string {
  return asText(own(r, field), field).trim();
}

function seconds(r: VendorRecord, field: string): number | null {
  const n = asSeconds(own(r, field), field);
  return n === null ? null : Math.round(n);
}

/** `2004/01/26 23:13:11` in `timeZone` → ISO UTC; null for an empty text. */
function when(r: VendorRecord, field: string, timeZone: string, required: boolean): string | null {
  const t = text(r, field);
  if (t === '') {
    if (required) throw new MapError(`gateway record has no "${field}"`, field);
    return null;
  }
  const iso = wallClockToIso(t.replace(/^(\d{4})\/(\d{2})\/(\d{2})/, '$1-$2-$3'), timeZone);
  if (iso === null) throw new MapError(`gateway record field "${field}" is not a time like 2004/01/26 23:13:11: "${t}"`, field);
  checkInstant(Date.parse(iso), field, t);
  return iso;
}

interface EventLike {
  Event?: unknown;
  Dialed?: unknown;
}

function events(r: VendorRecord): EventLike[] {
  const v = r.Events;
  return Array.isArray(v) ? v.filter((e): e is EventLike => typeof e === 'object' && e !== null) : [];
}

/** The digits sent over VoIP before TALK: the destination, without the DTMF that followed the answer. */
function destination(r: VendorRecord, dialed: string): string {
  const evs = events(r);
  if (evs.length === 0) return dialed.split(',')[0]!.trim();
  const groups: string[] = [];
  let pstnSeized = false;
  const fromPstn = evs.some((e) => e.Event === 'PSTN_CALL_IN');
  for (const e of evs) {
    if (e.Event === 'TALK') break;
    if (e.Event === 'PSTN_HOOK_OFF') pstnSeized = true;
    if (e.Event === 'DIAL' && typeof e.Dialed === 'string' && (fromPstn || !pstnSeized)) groups.push(e.Dialed);
  }
  return groups.join('');
}

function dispositionOf(r: VendorRecord, answered: boolean): Disposition {
  if (answered) return 'answered';
  const names = new Set(events(r).map((e) => e.Event));
  if (names.has('BUSY')) return 'busy';
  if (names.has('RING_BACK') || names.has('RING')) return 'no_answer';
  return 'failed';
}

export function mapGateway(record: VendorRecord, options: MapOptions): Mapped {
  const gateway = text(record, 'Gateway');
  const callRef = text(record, 'Call-Ref');
  if (callRef === '') throw new MapError('gateway record has no "Call-Ref"', 'Call-Ref');
  const notation = text(record, 'Notation');
  const direction = own(NOTATION_DIRECTION, notation) as Direction | undefined;
  if (direction === undefined) throw new MapError(`unknown gateway Notation "${notation}"`, 'Notation');

  const beginAt = text(record, 'Begin At');
  const startTime = when(record, 'Begin At', options.timeZone, true)!;
  let endTime = when(record, 'End At', options.timeZone, true)!;
  let answerTime = when(record, 'Talk At', options.timeZone, false);
  // Event times in the repeated hour of a clock change, read before the call began: their second pass.
  const startMs = Date.parse(startTime);
  const endMs = secondPass(Date.parse(endTime), text(record, 'End At').replace(/\//g, '-'), startMs, options.timeZone);
  const answerMs = answerTime === null ? null : secondPass(Date.parse(answerTime), text(record, 'Talk At').replace(/\//g, '-'), startMs, options.timeZone);
  checkTimeOrder({ startMs, answerMs, endMs }, { start: 'Begin At', answer: 'Talk At', end: 'End At' });
  const replaced = endMs !== Date.parse(endTime) || (answerMs !== null && answerMs !== Date.parse(answerTime!));
  endTime = isoUtc(endMs);
  if (answerMs !== null) answerTime = isoUtc(answerMs);
  // The gateway counts nothing: its durations are spans of its event times, so placed times give them.
  const span = (from: number): number => Math.max(0, Math.round((endMs - from) / 1000));
  const durationSec = (replaced ? null : seconds(record, 'Duration Sec')) ?? span(startMs);
  const billSec = answerMs === null ? 0 : (replaced ? null : seconds(record, 'Talk Sec')) ?? span(answerMs);

  const dialed = text(record, 'Dialed');
  const pstnDial = text(record, 'PSTN Dial');
  const callerId = text(record, 'Caller ID');
  const pstnCallerId = text(record, 'PSTN Caller ID');
  const port = text(record, 'Port');
  const incomplete = record.Incomplete === true;

  const trunkName = port === '' ? gateway : `${gateway}/${port}`;
  const trunk: Trunks = {};
  if (trunkName !== '') {
    if (direction === 'inbound') trunk.out = trunkName;
    else trunk.in = trunkName;
  }

  const id = stableId('gateway', [gateway, callRef, beginAt]);
  const unknownEvents = Array.isArray(record['Unknown Events']) ? record['Unknown Events'] : [];
  const cdr: Cdr = {
    schema: 1,
    kind: 'leg',
    id,
    callId: id,
    vendor: 'gateway',
    startTime,
    answerTime,
    endTime,
    durationSec,
    billSec,
    caller: { number: callerId || pstnCallerId },
    callee: { number: pstnDial !== '' ? pstnDial.replace(/[,\s]/g, '') : destination(record, dialed) },
    disposition: dispositionOf(record, answerTime !== null),
    direction,
    extra: {
      notation,
      gateway,
      callRef: /^\d+$/.test(callRef) ? Number(callRef) : callRef,
      port,
      pstnDial,
      pstnCallerId,
      pstnSec: seconds(record, 'PSTN Sec'),
      incomplete,
      unknownEvents,
    },
  };
  if (dialed !== '' && dialed !== cdr.callee.number) cdr.dialed = dialed;
  if (trunk.in !== undefined || trunk.out !== undefined) cdr.trunk = trunk;
  if (incomplete) cdr.hangup = { by: 'system', cause: `incomplete: ${text(record, 'Close Reason') || 'unknown'}` };
  return { legs: [cdr] };
}

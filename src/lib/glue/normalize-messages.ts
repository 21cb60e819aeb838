/**
 * The messages cdr-normalize sends: one per pipeline output, and one for the
 * error path per call the schema gate refused. Each keeps the input message's
 * properties (topic, source, _msgid, …), like a split node does.
 */
import { problemOf } from '../cdr/gate';
import type { Output, Rejected } from '../cdr/pipeline';
import type { LegPart } from '../cdr/pipeline';
import { ACK_PROPERTY, ackHandlesOf, mergeAckHandles, shareHandles } from '../source/ack-registry';

type Msg = Record<string, unknown>;

/** What travels with a record to its output message. */
export interface NormalizeMeta {
  msg: Msg;
}

export function outputMessage(o: Output<NormalizeMeta>): Msg {
  // One object per output: the input message's properties, its payload replaced (no empty object spread when there is no meta).
  const m: Msg = o.meta ? { ...o.meta.msg, payload: o.payload } : { payload: o.payload };
  if (o.grouped) m['vendorRecords'] = o.vendorRecords;
  else m['vendorRecord'] = o.vendorRecords[0];
  if (o.duplicate) m['duplicate'] = true;
  // A call built from legs carries the acknowledgements of all of them.
  if (o.metas.length > 1) m[ACK_PROPERTY] = mergeAckHandles(o.metas.map((x) => x?.msg));
  // One leg of several from one record: it carries its share of the record's acknowledgement.
  else if (o.part && o.meta) m[ACK_PROPERTY] = shareHandles(ackHandlesOf(o.meta.msg), o.part.index, o.part.count);
  return m;
}

/** The handles to acknowledge for a record (or, with `part`, one leg of it) that goes no further. */
export function droppedHandles(meta: NormalizeMeta, part?: LegPart): string[] {
  const handles = ackHandlesOf(meta.msg);
  return part ? shareHandles(handles, part.index, part.count) : handles;
}

/** The error-path message of a refused call: its vendor records in msg.payload, the reason in msg.cdrProblem. */
export function rejectedMessage(r: Rejected<NormalizeMeta>): Msg {
  const payload = r.vendorRecords.length === 1 ? r.vendorRecords[0] : r.vendorRecords;
  return { ...(r.meta ? r.meta.msg : {}), payload, cdrProblem: problemOf(r.error) };
}

/** The handles of every record behind a refused call. */
export function rejectedHandles(r: Rejected<NormalizeMeta>): string[] {
  return mergeAckHandles(r.metas.map((m) => m?.msg));
}

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

/**
 * `legMode`: outputs are legs, sent as the record is pushed (no call holds the
 * input for later). An input that gave one leg is then that output's alone: it
 * is reused, its payload replaced, as a change node would (a copy of every
 * property cost more than the rest of the message's building). Otherwise each
 * output is a new object with the input's properties.
 */
export function outputMessage(o: Output<NormalizeMeta>, legMode: boolean): Msg {
  let m: Msg;
  if (!o.meta) m = { payload: o.payload };
  else if (legMode && o.part === undefined && o.metas.length === 1) {
    m = o.meta.msg;
    m['payload'] = o.payload;
  } else m = { ...o.meta.msg, payload: o.payload };
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

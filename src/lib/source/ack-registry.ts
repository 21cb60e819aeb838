/**
 * Acknowledgement handles. A message from a source carries `msg.cdrAck`: an
 * array of strings `<owner>:<seq>`, one per journaled record behind it. Plain
 * strings survive Node-RED's message cloning and JSON; the owner part is
 * resolved here, in the process, to the source's delivery that can let the
 * record go. A handle of an owner that is gone (a redeploy) is ignored: its
 * record is replayed by the new owner from the journal.
 */
import { randomBytes } from 'node:crypto';

/** The message property that carries the handles. */
export const ACK_PROPERTY = 'cdrAck';

type Acknowledger = (seqs: number[]) => void;

const owners = new Map<string, Acknowledger>();

export interface AckOwner {
  readonly key: string;
  token(seq: number): string;
  release(): void;
}

/** Registers whoever can acknowledge sequence numbers; its handles resolve to it until release(). */
export function registerAckOwner(acknowledge: Acknowledger): AckOwner {
  let key = randomBytes(6).toString('hex');
  while (owners.has(key)) key = randomBytes(6).toString('hex');
  owners.set(key, acknowledge);
  return {
    key,
    token: (seq) => `${key}:${seq}`,
    release: () => {
      owners.delete(key);
    },
  };
}

/** The handles a message carries (an empty list when it has none or they are malformed). */
export function ackHandlesOf(msg: unknown): string[] {
  if (msg === null || typeof msg !== 'object') return [];
  const v = (msg as Record<string, unknown>)[ACK_PROPERTY];
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((h): h is string => typeof h === 'string') : [];
}

/** Handles of several messages, each once. */
export function mergeAckHandles(msgs: unknown[]): string[] {
  const out = new Set<string>();
  for (const m of msgs) for (const h of ackHandlesOf(m)) out.add(h);
  return [...out];
}

/** Acknowledges handles; gives how many reached a live owner. */
export function acknowledge(handles: Iterable<string>): number {
  const byOwner = new Map<string, number[]>();
  for (const h of handles) {
    const colon = h.lastIndexOf(':');
    if (colon <= 0) continue;
    const seq = Number(h.slice(colon + 1));
    if (!Number.isSafeInteger(seq)) continue;
    const key = h.slice(0, colon);
    if (!owners.has(key)) continue;
    const list = byOwner.get(key) ?? [];
    list.push(seq);
    byOwner.set(key, list);
  }
  let n = 0;
  for (const [key, seqs] of byOwner) {
    owners.get(key)!(seqs);
    n += seqs.length;
  }
  return n;
}

/**
 * The handles of a message as cdr-ack reads it: its own `cdrAck`, and, for a
 * batch (msg.payload an array, as a join node makes), those of each element
 * that is a message or a record carrying them.
 */
export function ackHandlesOfBatch(msg: unknown): string[] {
  const own = ackHandlesOf(msg);
  const payload = msg !== null && typeof msg === 'object' ? (msg as { payload?: unknown }).payload : undefined;
  if (!Array.isArray(payload)) return own;
  return mergeAckHandles([{ [ACK_PROPERTY]: own }, ...payload]);
}

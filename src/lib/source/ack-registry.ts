/**
 * Acknowledgement handles. A message from a source carries `msg.cdrAck`: an
 * array of strings `<owner>:<seq>`, one per journaled record behind it. Plain
 * strings survive Node-RED's message cloning and JSON; the owner part is
 * resolved here, in the process, to the source's delivery that can let the
 * record go. A handle of an owner that is gone (a redeploy) is ignored: its
 * record is replayed by the new owner from the journal.
 *
 * A record split into several messages (cdr-normalize's leg mode: one message
 * per leg) gives each a share `<owner>:<seq>#<i>/<n>`: the record is let go once
 * all n shares were acknowledged, so a sink that takes one leg and fails on the
 * next does not lose the second.
 */
import { randomBytes } from 'node:crypto';

/** The message property that carries the handles. */
export const ACK_PROPERTY = 'cdrAck';

type Acknowledger = (seqs: number[]) => void;

interface Owner {
  acknowledge: Acknowledger;
  /** Records split into shares: sequence → the shares acknowledged so far. */
  shares: Map<number, { count: number; got: Set<number> }>;
}

const owners = new Map<string, Owner>();

/**
 * Most records of one owner with some shares acknowledged and some not. Past it
 * the oldest is forgotten: its record is then re-sent after the acknowledgement
 * timeout (a repeat, never a loss).
 */
const MAX_SPLIT_RECORDS = 100_000;

export interface AckOwner {
  readonly key: string;
  token(seq: number): string;
  release(): void;
}

/** Registers whoever can acknowledge sequence numbers; its handles resolve to it until release(). */
export function registerAckOwner(acknowledge: Acknowledger): AckOwner {
  let key = randomBytes(6).toString('hex');
  while (owners.has(key)) key = randomBytes(6).toString('hex');
  owners.set(key, { acknowledge, shares: new Map() });
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

/**
 * The shares of `handles` for part `index` of `count` (leg mode): each whole
 * handle becomes `<handle>#<index>/<count>`. A share is not split again (it
 * stays as it is), and count 1 leaves the handles whole.
 */
export function shareHandles(handles: string[], index: number, count: number): string[] {
  if (count <= 1) return handles;
  return handles.map((h) => (h.includes('#') ? h : `${h}#${index}/${count}`));
}

/** A handle's record and, for a share, which one: null when malformed. */
function parseHandle(h: string): { key: string; seq: number; share: { index: number; count: number } | null } | null {
  const colon = h.lastIndexOf(':');
  if (colon <= 0) return null;
  const key = h.slice(0, colon);
  const rest = h.slice(colon + 1);
  const hash = rest.indexOf('#');
  const seq = Number(hash < 0 ? rest : rest.slice(0, hash));
  if (!Number.isSafeInteger(seq)) return null;
  if (hash < 0) return { key, seq, share: null };
  const m = /^(\d{1,6})\/(\d{1,6})$/.exec(rest.slice(hash + 1));
  if (!m) return null;
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count) return null;
  return { key, seq, share: { index, count } };
}

/** Handles of several messages, each once. */
export function mergeAckHandles(msgs: unknown[]): string[] {
  const out = new Set<string>();
  for (const m of msgs) for (const h of ackHandlesOf(m)) out.add(h);
  return [...out];
}

/** Acknowledges handles; gives how many reached a live owner. */
export function acknowledge(handles: Iterable<string>): number {
  const byOwner = new Map<Owner, number[]>();
  let n = 0;
  for (const h of handles) {
    const parsed = parseHandle(h);
    if (!parsed) continue;
    const owner = owners.get(parsed.key);
    if (!owner) continue;
    n++;
    const { seq, share } = parsed;
    if (share) {
      // A share: the record goes once every share of it came back.
      let known = owner.shares.get(seq);
      if (!known || known.count !== share.count) {
        if (!known && owner.shares.size >= MAX_SPLIT_RECORDS) owner.shares.delete(owner.shares.keys().next().value as number);
        known = { count: share.count, got: new Set() };
        owner.shares.set(seq, known);
      }
      known.got.add(share.index);
      if (known.got.size < known.count) continue;
    }
    owner.shares.delete(seq);
    const list = byOwner.get(owner) ?? [];
    list.push(seq);
    byOwner.set(owner, list);
  }
  for (const [owner, seqs] of byOwner) owner.acknowledge(seqs);
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

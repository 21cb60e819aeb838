/**
 * One owner per journal directory. Two journals appending to the same segment
 * files would interleave their entries and acknowledge each other's sequence
 * numbers: each would replay or drop the other's records. So a journal takes
 * the directory before it reads a byte: within this process through a registry
 * (a redeploy's new node finds the old one's entry gone once it closed), and
 * across processes through a lock file holding the owner's pid and node id.
 * A lock file whose pid is dead (a SIGKILL, a power cut) is taken over; so is
 * one whose pid now names another process (the number reused after a crash or
 * a reboot: the lock also keeps the boot id and the process's start time), and
 * one left by this very process with no live entry in the registry; several
 * processes finding the same stale lock at once leave it to exactly one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bootId, processStart } from './process-identity';

export const LOCK_FILE = 'journal.lock';

/** Another owner holds the directory. */
export class JournalLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly holder: string,
    readonly pid: number,
  ) {
    super(`the journal directory ${dir} is already in use by ${holder}${pid === process.pid ? '' : ` (process ${pid})`}`);
    this.name = 'JournalLockedError';
  }
}

interface LockContent {
  pid: number;
  owner: string;
  /** The boot and the start time of the holder (Linux; absent elsewhere and in older lock files). */
  boot?: string;
  start?: string;
}

/** Directory (resolved) → who holds it in this process. */
const held = new Map<string, string>();

export interface JournalLock {
  readonly dir: string;
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, owned by someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The holder still runs: its pid is alive and, where the lock says, in the same boot and started at the same tick. */
function holderRuns(lock: LockContent): boolean {
  if (!alive(lock.pid)) return false;
  const boot = bootId();
  if (lock.boot !== undefined && boot !== undefined && lock.boot !== boot) return false;
  if (lock.start === undefined) return true;
  const start = processStart(lock.pid);
  return start === undefined || start === lock.start;
}

/** What this process writes into a lock file. */
function ownContent(owner: string): string {
  const lock: LockContent = { pid: process.pid, owner, boot: bootId(), start: processStart(process.pid) };
  return JSON.stringify(lock);
}

/** The file's holder; null when it is there but unreadable or half-written (stale); 'gone' when it is not there. */
function readLock(file: string): LockContent | null | 'gone' {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    return null;
  }
  try {
    const v = JSON.parse(text) as Partial<LockContent>;
    if (typeof v.pid === 'number' && Number.isSafeInteger(v.pid) && v.pid > 0) {
      const lock: LockContent = { pid: v.pid, owner: typeof v.owner === 'string' ? v.owner : 'another journal' };
      if (typeof v.boot === 'string') lock.boot = v.boot;
      if (typeof v.start === 'string') lock.start = v.start;
      return lock;
    }
  } catch {
    // empty or torn (a power cut before its bytes reached the disk): stale
  }
  return null;
}

/** The lock file appears whole or not at all: written aside, then linked (link fails when the name exists). */
function createWhole(file: string, content: string): boolean {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, content);
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

function heldByLiveOther(lock: LockContent | null | 'gone'): lock is LockContent {
  return lock !== null && lock !== 'gone' && lock.pid !== process.pid && holderRuns(lock);
}

/** A short wait in a synchronous path (another process is taking over a stale lock: it takes milliseconds). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Takes `dir` (created if missing) for `owner` (a node's name for messages).
 * Throws JournalLockedError when a live owner holds it.
 *
 * A stale lock is removed only by the holder of a second lock file,
 * `journal.lock.takeover`, which checks again that it is still stale: two
 * processes that found the same stale lock at once cannot both delete it by
 * name (the slower would delete the faster one's fresh lock and both would
 * hold the directory).
 */
export function lockJournalDir(dir: string, owner: string): JournalLock {
  fs.mkdirSync(dir, { recursive: true });
  const key = fs.realpathSync(dir);
  const inProcess = held.get(key);
  if (inProcess !== undefined) throw new JournalLockedError(dir, inProcess, process.pid);
  const file = path.join(key, LOCK_FILE);
  const takeover = `${file}.takeover`;
  const content = ownContent(owner);
  for (let attempt = 0; ; attempt++) {
    if (createWhole(file, content)) break;
    const other = readLock(file);
    if (heldByLiveOther(other)) throw new JournalLockedError(dir, other.owner, other.pid);
    if (attempt > 200) throw new Error(`the lock file ${file} could not be taken`);
    // Removed since our create failed (a takeover between the two): create again.
    if (other === 'gone') continue;
    // Stale (a dead pid, ours with no registry entry, or unreadable): taken over under the takeover lock.
    if (!createWhole(takeover, content)) {
      const taker = readLock(takeover);
      if (heldByLiveOther(taker)) pause(5);
      else if (taker === 'gone') continue;
      // One killed in the middle of a takeover left it: removed (only a second crash makes this race).
      else fs.rmSync(takeover, { force: true });
      continue;
    }
    try {
      // Only a file that is there and stale is removed: while it exists no one can
      // create another by that name, and only the takeover holder removes one, so
      // what is removed is what was read. A file gone by now may be re-created
      // this instant by a process that won: removing by name would delete its lock.
      const again = readLock(file);
      if (heldByLiveOther(again)) throw new JournalLockedError(dir, again.owner, again.pid);
      if (again !== 'gone') fs.rmSync(file, { force: true });
    } finally {
      fs.rmSync(takeover, { force: true });
    }
  }
  held.set(key, owner);
  let released = false;
  return {
    dir: key,
    release() {
      if (released) return;
      released = true;
      held.delete(key);
      const now = readLock(file);
      // Only our own file: a stale-lock takeover by another process must not be undone.
      if (now && now !== 'gone' && now.pid === process.pid && now.owner === owner) fs.rmSync(file, { force: true });
    },
  };
}

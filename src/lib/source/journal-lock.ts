/**
 * One owner per journal directory. Two journals appending to the same segment
 * files would interleave their entries and acknowledge each other's sequence
 * numbers: each would replay or drop the other's records. So a journal takes
 * the directory before it reads a byte: within this process through a registry
 * (a redeploy's new node finds the old one's entry gone once it closed), and
 * across processes through a lock file holding the owner's pid and node id.
 * A lock file whose pid is dead (a SIGKILL, a power cut) is taken over; so is
 * one left by this very process with no live entry in the registry.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

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

function readLock(file: string): LockContent | null {
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockContent>;
    if (typeof v.pid === 'number' && Number.isSafeInteger(v.pid) && v.pid > 0) return { pid: v.pid, owner: typeof v.owner === 'string' ? v.owner : 'another journal' };
  } catch {
    // unreadable or half-written (a crash while taking it): treated as stale
  }
  return null;
}

/**
 * Takes `dir` (created if missing) for `owner` (a node's name for messages).
 * Throws JournalLockedError when a live owner holds it.
 */
export function lockJournalDir(dir: string, owner: string): JournalLock {
  fs.mkdirSync(dir, { recursive: true });
  const key = fs.realpathSync(dir);
  const inProcess = held.get(key);
  if (inProcess !== undefined) throw new JournalLockedError(dir, inProcess, process.pid);
  const file = path.join(key, LOCK_FILE);
  const content = JSON.stringify({ pid: process.pid, owner } satisfies LockContent);
  for (let attempt = 0; ; attempt++) {
    try {
      // 'wx': created only if absent, so two processes cannot both win.
      fs.writeFileSync(file, content, { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 2) throw err;
    }
    const other = readLock(file);
    // Ours with no registry entry: a journal of this process that never closed (its node is gone).
    if (other && other.pid !== process.pid && alive(other.pid)) throw new JournalLockedError(dir, other.owner, other.pid);
    fs.rmSync(file, { force: true });
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
      if (now && now.pid === process.pid && now.owner === owner) fs.rmSync(file, { force: true });
    },
  };
}

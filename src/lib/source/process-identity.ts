/**
 * Who a pid is, beyond the number. A pid alone names a process only while it
 * runs: after a crash the number is given to the next process that starts
 * (within minutes on a busy host, pids wrap at 32768 by default), and after a
 * reboot the numbers start again, so a lock file naming pid 1234 can name a
 * system daemon that has nothing to do with the lock. Linux gives two facts
 * that tell them apart: the boot id (new at each boot) and a process's start
 * time in clock ticks since boot. Elsewhere both are unknown, and a lock falls
 * back to the pid alone.
 */
import * as fs from 'node:fs';

let boot: string | undefined | null = null;

/** This boot's id (Linux), or undefined. */
export function bootId(): string | undefined {
  if (boot === null) {
    try {
      boot = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
    } catch {
      boot = undefined;
    }
  }
  return boot;
}

/** When process `pid` started, in clock ticks since boot (Linux), or undefined when it cannot be read. */
export function processStart(pid: number): string | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The name (field 2) is in parentheses and may hold spaces or ')': the fields after it follow the last ')'.
  const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 3… from here: the start time is field 22.
  const start = after[22 - 3];
  return start !== undefined && /^\d+$/.test(start) ? start : undefined;
}

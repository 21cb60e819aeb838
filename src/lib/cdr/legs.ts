import type { Cdr } from './schema';
import { buildCall } from './call';

/**
 * Groups legs that arrive one by one into calls, by `callId`. A call is
 * complete when no leg of it has arrived for `waitMs`; legs may arrive in any
 * order (the call is built from them sorted by time). Memory is bounded: at
 * most `maxCalls` open calls (the one idle longest is closed early when a new
 * call would exceed it) and `maxLegsPerCall` legs per call (a call that reaches
 * it is closed at once; later legs start a new record for the same callId).
 *
 * Pure and clock-free: the caller passes `now` and runs a timer for
 * `nextDueAt()`; `cdr-normalize` does that.
 */

export interface LegGrouperOptions {
  waitMs: number;
  maxCalls: number;
  maxLegsPerCall: number;
}

interface OpenCall {
  legs: Cdr[];
  ids: Set<string>;
  lastAt: number;
}

export class LegGrouper {
  // Insertion order = order of last activity (a call is moved to the end on each leg).
  private readonly open = new Map<string, OpenCall>();

  constructor(private readonly options: LegGrouperOptions) {
    if (!(options.waitMs >= 0)) throw new RangeError('waitMs must be ≥ 0');
    if (!(options.maxCalls >= 1)) throw new RangeError('maxCalls must be ≥ 1');
    if (!(options.maxLegsPerCall >= 1)) throw new RangeError('maxLegsPerCall must be ≥ 1');
  }

  /** Calls waiting for more legs. */
  get size(): number {
    return this.open.size;
  }

  /** Legs held in open calls. */
  get legCount(): number {
    let n = 0;
    for (const c of this.open.values()) n += c.legs.length;
    return n;
  }

  /**
   * Adds a leg; gives the calls closed early because of the bounds (usually
   * none). The same leg (same id) added twice to an open call is kept once.
   */
  add(leg: Cdr, now: number): Cdr[] {
    const closed: Cdr[] = [];
    let call = this.open.get(leg.callId);
    if (call) {
      this.open.delete(leg.callId);
    } else {
      call = { legs: [], ids: new Set(), lastAt: now };
      if (this.open.size >= this.options.maxCalls) {
        const [oldestId, oldest] = this.open.entries().next().value as [string, OpenCall];
        this.open.delete(oldestId);
        closed.push(buildCall(oldest.legs, oldestId));
      }
    }
    if (!call.ids.has(leg.id)) {
      call.ids.add(leg.id);
      call.legs.push(leg);
    }
    call.lastAt = now;
    if (call.legs.length >= this.options.maxLegsPerCall) closed.push(buildCall(call.legs, leg.callId));
    else this.open.set(leg.callId, call);
    return closed;
  }

  /** When the next open call becomes complete, or null when none is open. */
  nextDueAt(): number | null {
    const first = this.open.values().next();
    return first.done ? null : first.value.lastAt + this.options.waitMs;
  }

  /** The calls complete at `now` (no leg for waitMs), removed from the grouper. */
  due(now: number): Cdr[] {
    const out: Cdr[] = [];
    for (const [callId, call] of this.open) {
      if (call.lastAt + this.options.waitMs > now) break;
      this.open.delete(callId);
      out.push(buildCall(call.legs, callId));
    }
    return out;
  }

  /** Every open call, now (on close / redeploy, so no leg is lost). */
  flush(): Cdr[] {
    const out = [...this.open].map(([callId, call]) => buildCall(call.legs, callId));
    this.open.clear();
    return out;
  }
}

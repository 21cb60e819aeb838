import { Concurrency, type ConcurrencyData } from './concurrency';
import { figuresOf, type Figures } from './figures';
import type { StatsRecord } from './record';
import { lastIds, orderedIds } from './id-sample';
import { addRecord, blankCounted, DEFAULT_SAMPLE_IDS, dropOlderIds, emptyTally, fillCounted, mergeTally, restoredTally, type Counted, type Money, type TallyData, type TallyOptions } from './tally';
import { bucketEnd, bucketStart, MINUTE_MS, windowName, type WindowSpec } from './windows';

/**
 * KPIs per key over sliding and tumbling windows, by the call's event time
 * (its start or end), not its arrival. Pure: the clock is passed in.
 *
 * - A record is counted in the bucket of its event time. One that arrives after
 *   its bucket closed is *late* and still counted there: in a sliding window
 *   while its minute is inside the window, in a tumbling period until
 *   `latenessMs` after the period's end (its final report waits as long).
 *   Older ones are dropped and counted in `tooLate`. A time ahead of the clock (a PBX
 *   clock running fast) counts in the current bucket.
 * - At most `maxKeys` keys (each key name and value); the least recently seen
 *   is evicted (counted in `evicted`).
 * - Buckets are kept only as long as a window needs them; a key with nothing
 *   left in any window is not reported and is forgotten.
 */
export interface EngineOptions extends TallyOptions {
  windows: WindowSpec[];
  timeBy: 'start' | 'end';
  latenessMs: number;
  maxKeys: number;
  topCauses: number;
}

export interface KeyValue {
  name: string;
  value: string;
}

export interface Report extends Figures {
  key: string;
  value: string;
  window: { name: string; type: 'sliding' | 'tumbling'; start: string; end: string; final: boolean };
  /** Ids of the last Cdrs counted in this window (at most `sampleIds`), oldest first. */
  recentIds: string[];
  /** Ids of the last attempts in this window that were not answered, oldest first. */
  failedIds: string[];
}

interface WindowState {
  buckets: Map<number, TallyData>;
  /** Tumbling: peak concurrency seen so far per period (reports see 15 min of seconds at a time). */
  peaks: Map<number, number>;
}

interface KeyState {
  /** The engine's touch count when this key was last moved to the recent end. */
  seen: number;
  name: string;
  value: string;
  windows: WindowState[];
  conc: Concurrency;
}

export interface EngineCounts {
  records: number;
  tooLate: number;
  evicted: number;
}

export interface EngineSnapshot {
  version: 1;
  counts: EngineCounts;
  keys: Array<{ name: string; value: string; windows: Array<{ buckets: Array<[number, TallyData]>; peaks: Array<[number, number]> }>; conc: ConcurrencyData }>;
}

/** How far back concurrency is kept: the longest sliding window, at least 15 minutes. */
function concurrencyHorizonMs(windows: WindowSpec[]): number {
  let m = 15;
  for (const w of windows) if (w.type === 'sliding') m = Math.max(m, w.minutes);
  return m * MINUTE_MS;
}

/** The first minute of a sliding window of `minutes` at clock `now`. */
function slidingStart(minutes: number, now: number): number {
  return Math.floor(now / MINUTE_MS) * MINUTE_MS - (minutes - 1) * MINUTE_MS;
}

export class StatsEngine {
  /** Every key, least recently seen first. */
  private readonly keys = new Set<KeyState>();
  /** Key name → value → state: no string is built to find a key. */
  private readonly index = new Map<string, Map<string, KeyState>>();
  readonly counts: EngineCounts = { records: 0, tooLate: 0, evicted: 0 };
  private readonly horizonMs: number;
  private touches = 0;
  private readonly slotCache: Array<[number, number]>;
  private readonly slotStarts: number[];
  private readonly slotLate: boolean[];
  /** One record's precomputed counts, refilled for each record (nothing allocated per record). */
  private counted: Counted | null = null;
  private readonly idCap: number;

  constructor(private readonly opts: EngineOptions) {
    this.idCap = opts.sampleIds ?? DEFAULT_SAMPLE_IDS;
    this.horizonMs = concurrencyHorizonMs(opts.windows);
    this.slotCache = opts.windows.map((): [number, number] => [0, 0]);
    this.slotStarts = opts.windows.map(() => -1);
    this.slotLate = opts.windows.map(() => false);
  }

  get keyCount(): number {
    return this.keys.size;
  }

  /** Counts `r` under each of `keys` (already read from the record) at clock `now`. */
  add(r: StatsRecord, keys: readonly KeyValue[], now: number, revenue?: Money): void {
    const eventMs = Math.min(this.opts.timeBy === 'start' ? r.startMs : r.endMs, now);
    const { windows } = this.opts;
    // The bucket of each window, worked out once for all keys (-1: the window no longer takes it).
    const starts = this.slotStarts;
    const late = this.slotLate;
    let taken = false;
    for (let i = 0; i < windows.length; i++) {
      const w = windows[i]!;
      const slot = this.slot(i, eventMs);
      const open = w.type === 'sliding' ? slot[0] >= slidingStart(w.minutes, now) : slot[1] + this.opts.latenessMs > now;
      starts[i] = open ? slot[0] : -1;
      late[i] = slot[1] <= now;
      taken ||= open;
    }
    if (!taken) {
      this.counts.tooLate++;
      return;
    }
    this.counts.records++;
    const counted = fillCounted((this.counted ??= blankCounted(r)), r, this.opts, revenue);
    const withConcurrency = r.endMs > now - this.horizonMs;
    for (const kv of keys) {
      const state = this.touch(kv);
      for (let i = 0; i < windows.length; i++) {
        const start = starts[i]!;
        if (start < 0) continue;
        const ws = state.windows[i]!;
        let t = ws.buckets.get(start);
        if (t === undefined) ws.buckets.set(start, (t = emptyTally()));
        addRecord(t, counted, late[i]!);
      }
      if (withConcurrency) state.conc.add(r.startMs, r.endMs);
    }
  }

  /**
   * The figures of every key and window at `now`: each sliding window over its
   * last N minutes; for a tumbling window, every period that still takes late
   * records (the current one, and closed ones within the lateness), and each
   * period whose lateness is over once more, with `final: true`. Old buckets go.
   */
  report(now: number): Report[] {
    const out: Report[] = [];
    const { windows } = this.opts;
    for (const state of this.keys.values()) {
      state.conc.prune(now - this.horizonMs);
      windows.forEach((w, i) => {
        const ws = state.windows[i]!;
        if (w.type === 'sliding') {
          const start = slidingStart(w.minutes, now);
          const end = start + w.minutes * MINUTE_MS;
          const sum = emptyTally();
          const kept: Array<[number, TallyData]> = [];
          for (const [b, t] of ws.buckets) {
            if (b < start) {
              ws.buckets.delete(b);
              continue;
            }
            mergeTally(sum, t);
            kept.push([b, t]);
          }
          // A key with nothing left in the window says nothing (it has not been seen for a while).
          if (sum.attempts === 0) return;
          kept.sort((x, y) => x[0] - y[0]);
          const ids = lastIds(kept.map(([, t]) => ({ ring: t.ids, n: t.idsN })), this.idCap);
          const failed = lastIds(kept.map(([, t]) => ({ ring: t.failedIds, n: t.failedIdsN })), this.idCap);
          dropOlderIds(kept.map(([, t]) => t), this.idCap);
          out.push(this.row(state, w, sum, state.conc.peak(start, Math.min(end, now)), start, end, false, ids, failed));
          return;
        }
        const current = bucketStart(w, now);
        for (const [b, t] of [...ws.buckets].sort((x, y) => x[0] - y[0])) {
          const end = bucketEnd(w, b);
          const peak = Math.max(ws.peaks.get(b) ?? 0, state.conc.peak(Math.max(b, now - this.horizonMs), Math.min(end, now)));
          ws.peaks.set(b, peak);
          // A period still open to late records is reported as it stands; once its lateness is over, once more as final.
          const ids = orderedIds(t.ids, t.idsN);
          const failed = orderedIds(t.failedIds, t.failedIdsN);
          if (b === current || end + this.opts.latenessMs > now) out.push(this.row(state, w, t, peak, b, end, false, ids, failed));
          else {
            out.push(this.row(state, w, t, peak, b, end, true, ids, failed));
            ws.buckets.delete(b);
            ws.peaks.delete(b);
          }
        }
      });
      // Nothing left in any window: the key goes (memory stays with the keys in use).
      if (state.windows.every((ws) => ws.buckets.size === 0) && state.conc.size === 0) {
        this.keys.delete(state);
        this.index.get(state.name)?.delete(state.value);
      }
    }
    return out;
  }

  reset(): void {
    this.keys.clear();
    this.index.clear();
    this.counts.records = 0;
    this.counts.tooLate = 0;
    this.counts.evicted = 0;
  }

  snapshot(): EngineSnapshot {
    return {
      version: 1,
      counts: { ...this.counts },
      keys: [...this.keys.values()].map((k) => ({
        name: k.name,
        value: k.value,
        windows: k.windows.map((w) => ({ buckets: [...w.buckets], peaks: [...w.peaks] })),
        conc: k.conc.toJSON(),
      })),
    };
  }

  /** Takes back a snapshot (a redeploy); ignores one of another shape or other windows. */
  restore(s: unknown): boolean {
    const snap = s as EngineSnapshot | null;
    if (!snap || snap.version !== 1 || !Array.isArray(snap.keys)) return false;
    if (snap.keys.some((k) => !Array.isArray(k.windows) || k.windows.length !== this.opts.windows.length)) return false;
    this.reset();
    Object.assign(this.counts, snap.counts);
    for (const k of snap.keys.slice(-this.opts.maxKeys)) {
      const state: KeyState = {
        seen: 0,
        name: k.name,
        value: k.value,
        windows: k.windows.map((w) => ({ buckets: new Map(w.buckets.map(([b, t]) => [b, restoredTally(t, this.idCap)])), peaks: new Map(w.peaks) })),
        conc: Concurrency.from(k.conc),
      };
      this.keys.add(state);
      let byValue = this.index.get(k.name);
      if (byValue === undefined) this.index.set(k.name, (byValue = new Map()));
      byValue.set(k.value, state);
    }
    return true;
  }

  /** [start, end) of window i's bucket that holds `t`; the last one is remembered (a time zone lookup is slow). */
  private slot(i: number, t: number): [number, number] {
    const c = this.slotCache[i]!;
    if (t >= c[0] && t < c[1]) return c;
    const w = this.opts.windows[i]!;
    const start = bucketStart(w, t);
    const fresh: [number, number] = [start, bucketEnd(w, start)];
    this.slotCache[i] = fresh;
    return fresh;
  }

  private touch(kv: KeyValue): KeyState {
    const tick = ++this.touches;
    let byValue = this.index.get(kv.name);
    if (byValue === undefined) this.index.set(kv.name, (byValue = new Map()));
    let state = byValue.get(kv.value);
    if (state !== undefined) {
      // Least recently seen first: a Map keeps insertion order. A key already in the
      // recent half is not moved (moving costs more than the rest of a record).
      if (state.seen < tick - this.keys.size / 2) {
        this.keys.delete(state);
        this.keys.add(state);
        state.seen = tick;
      }
      return state;
    }
    if (this.keys.size >= this.opts.maxKeys) {
      const oldest = this.keys.values().next().value as KeyState;
      this.keys.delete(oldest);
      this.index.get(oldest.name)?.delete(oldest.value);
      this.counts.evicted++;
    }
    state = { seen: tick, name: kv.name, value: kv.value, windows: this.opts.windows.map(() => ({ buckets: new Map(), peaks: new Map() })), conc: new Concurrency() };
    this.keys.add(state);
    byValue.set(kv.value, state);
    return state;
  }

  private row(k: KeyState, w: WindowSpec, t: TallyData, peak: number, start: number, end: number, final: boolean, recentIds: string[], failedIds: string[]): Report {
    return {
      key: k.name,
      value: k.value,
      window: { name: windowName(w), type: w.type, start: new Date(start).toISOString(), end: new Date(end).toISOString(), final },
      ...figuresOf(t, peak, this.opts.topCauses),
      recentIds,
      failedIds,
    };
  }
}

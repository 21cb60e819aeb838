import type { Cdr, Vendor } from './schema';
import { normalize, type MapOptions } from './normalize';
import type { CompiledDirectionRule } from './normalize/direction-rules';
import { Deduper } from './dedupe';
import { LegGrouper } from './legs';
import { toFlatRow, type FlatRow } from './rows';
import { callViolation, CdrInvalidError } from './gate';

/**
 * What cdr-normalize does with each vendor record, without Node-RED: map it,
 * drop or mark repeats, group legs into calls when asked, and shape the output
 * (a Cdr or a flat row). `M` is whatever the caller wants back with each output
 * (the node passes the input message's topic and source).
 */

export interface PipelineSettings {
  timeZone: string;
  output: 'leg' | 'call';
  format: 'cdr' | 'row';
  waitMs: number;
  maxOpenCalls: number;
  /** Legs per call before a call is closed early (memory bound). */
  maxLegsPerCall?: number;
  dedupe: 'off' | 'drop' | 'mark';
  vendorSettings?: Partial<Record<Vendor, Record<string, unknown>>>;
  /** Direction rules for every vendor, before the built-in ones (normalize/direction-rules.ts). */
  directionRules?: readonly CompiledDirectionRule[];
}

export interface Output<M> {
  payload: Cdr | FlatRow;
  /** The Cdr behind the payload (the same object when format is cdr). */
  cdr: Cdr;
  duplicate: boolean;
  meta: M;
  /** The vendor record(s) the output came from. */
  vendorRecords: unknown[];
  /** True for a call assembled here from legs that came one by one. */
  grouped: boolean;
  /** The metas of every record behind the output (all the legs of a call built here): their acknowledgements travel with it. */
  metas: M[];
  /**
   * In leg mode, one of several legs mapped from one record: which one. Each leg
   * then carries a share of the record's acknowledgement, so the record is let go
   * only once every leg was acknowledged.
   */
  part?: LegPart;
}

/** Leg `index` (0-based) of the `count` legs one record was mapped to. */
export interface LegPart {
  index: number;
  count: number;
}

/** A call built here that failed the schema gate: it goes to the error path, with the vendor records it came from. */
export interface Rejected<M> {
  error: CdrInvalidError;
  meta: M;
  /** Every record behind the call: their acknowledgements, so a refused call is not re-sent for ever. */
  metas: M[];
  vendorRecords: unknown[];
}

interface OpenCallInfo<M> {
  meta: M;
  records: unknown[];
  metas: M[];
  /** Ids of the legs held for this call. */
  legIds: Set<string>;
  /** Those of them that were repeats when they first came. */
  repeats: Set<string>;
}

export class NormalizePipeline<M> {
  private readonly grouper: LegGrouper | null;
  private readonly open = new Map<string, OpenCallInfo<M>>();
  readonly counts = { in: 0, out: 0, duplicates: 0 };
  private rejected: Array<Rejected<M>> = [];
  /** Legs held for a call that passed the gate in normalize() (nothing changes them here): a call of them checks only its own fields. */
  private readonly passed = new WeakSet<Cdr>();
  /** The options normalize() gets for each vendor's usual record (one object, not one per record). */
  private readonly sharedOptions = new Map<Vendor, MapOptions>();

  constructor(
    private readonly settings: PipelineSettings,
    readonly deduper: Deduper | null,
    /** A record (or, with `part`, one of its legs) dropped as a repeat: the earlier copy carries the delivery, so the caller may acknowledge this one. */
    private readonly onDrop: (meta: M, part?: LegPart) => void = () => undefined,
  ) {
    this.grouper =
      settings.output === 'call'
        ? new LegGrouper({ waitMs: settings.waitMs, maxCalls: settings.maxOpenCalls, maxLegsPerCall: settings.maxLegsPerCall ?? 500 })
        : null;
  }

  /** Calls waiting for more legs. */
  get openCalls(): number {
    return this.grouper ? this.grouper.size : 0;
  }

  /**
   * Maps one record and gives what goes out now. Throws MapError for a record
   * that cannot be mapped. `origin` names the PBX the record came from
   * (`msg.source.pbx`): records of two PBXs with cloned settings then keep apart ids;
   * its `timeZone`, when given, is the zone of that PBX's wall-clock times.
   */
  push(vendor: Vendor, record: unknown, meta: M, now: number, origin?: { pbx?: string; timeZone?: string; redelivered?: boolean }): Array<Output<M>> {
    // A record its source sends again (replay, no acknowledgement in time) is never dropped as a repeat:
    // the first copy may not have reached the sink.
    const again = origin?.redelivered === true;
    const configured = this.settings.vendorSettings?.[vendor];
    const vendorOptions = origin?.pbx && !configured?.['pbx'] ? { ...configured, pbx: origin.pbx } : configured;
    const timeZone = origin?.timeZone ?? this.settings.timeZone;
    // The usual record (no PBX name or zone of its own) shares its vendor's options; mappers only read them.
    const options = vendorOptions === configured && timeZone === this.settings.timeZone
      ? this.optionsFor(vendor, configured)
      : { timeZone, vendor: vendorOptions, directionRules: this.settings.directionRules };
    const mapped = normalize(vendor, record, options);
    this.counts.in++;
    const out: Array<Output<M>> = [];
    if (this.grouper === null) {
      const count = mapped.legs.length;
      // One list of metas and of records for every leg of this record (the outputs only read them).
      const metas = [meta];
      const records = [record];
      for (let index = 0; index < count; index++) {
        const leg = mapped.legs[index]!;
        this.emit(out, leg, this.isRepeat(leg.id, now, again), metas, records, false, count > 1 ? { index, count } : undefined);
      }
      return out;
    }
    if (mapped.call) {
      // The vendor sent the whole call (a UCM group): no waiting.
      this.emit(out, mapped.call, this.isRepeat(mapped.call.id, now, again), [meta], [record], false);
      return out;
    }
    for (const leg of mapped.legs) {
      this.passed.add(leg);
      const repeat = this.isRepeat(leg.id, now, again);
      if (repeat && this.settings.dedupe === 'drop') {
        this.counts.duplicates++;
        this.onDrop(meta);
        continue;
      }
      let info = this.open.get(leg.callId);
      if (!info) {
        info = { meta, records: [], metas: [], legIds: new Set(), repeats: new Set() };
        this.open.set(leg.callId, info);
      }
      if (!info.metas.includes(meta)) info.metas.push(meta);
      if (!info.legIds.has(leg.id)) {
        info.legIds.add(leg.id);
        info.records.push(record);
        if (repeat) info.repeats.add(leg.id);
      }
      for (const call of this.grouper.add(leg, now)) this.emitCall(out, call);
    }
    return out;
  }

  /** Calls complete at `now`. */
  due(now: number): Array<Output<M>> {
    const out: Array<Output<M>> = [];
    if (this.grouper) for (const call of this.grouper.due(now)) this.emitCall(out, call);
    return out;
  }

  /** When the next open call completes (for the caller's timer), or null. */
  nextDueAt(): number | null {
    return this.grouper ? this.grouper.nextDueAt() : null;
  }

  /** Every open call, now (close / redeploy). */
  flush(): Array<Output<M>> {
    const out: Array<Output<M>> = [];
    if (this.grouper) for (const call of this.grouper.flush()) this.emitCall(out, call);
    return out;
  }

  /** Calls refused by the schema gate since the last call (legs that fail it are thrown by push as MapError). */
  takeRejected(): Array<Rejected<M>> {
    if (this.rejected.length === 0) return this.rejected;
    const out = this.rejected;
    this.rejected = [];
    return out;
  }

  private optionsFor(vendor: Vendor, configured: Record<string, unknown> | undefined): MapOptions {
    let options = this.sharedOptions.get(vendor);
    if (options === undefined || options.vendor !== configured) {
      options = { timeZone: this.settings.timeZone, vendor: configured, directionRules: this.settings.directionRules };
      this.sharedOptions.set(vendor, options);
    }
    return options;
  }

  private isRepeat(id: string, now: number, redelivered = false): boolean {
    if (this.settings.dedupe === 'off' || this.deduper === null) return false;
    return this.deduper.check(id, now) && !redelivered;
  }

  private emitCall(out: Array<Output<M>>, call: Cdr): void {
    const info = this.open.get(call.callId);
    // A call closed early (maxLegsPerCall) leaves its info for the legs still to come.
    const legIds = (call.legs ?? []).map((l) => l.id);
    const repeat = info !== undefined && legIds.length > 0 && legIds.every((id) => info.repeats.has(id));
    const records = info ? info.records : [];
    const metas = info ? info.metas : [];
    if (info) {
      for (const id of legIds) {
        info.legIds.delete(id);
        info.repeats.delete(id);
      }
      if (info.legIds.size === 0) this.open.delete(call.callId);
      else {
        info.records = [];
        info.metas = [];
      }
    }
    const callMetas = metas.length > 0 ? metas : [info ? info.meta : (undefined as unknown as M)];
    // Legs were checked by normalize(); the call built from them is checked here, whatever the builder did.
    const problem = callViolation(call, (leg) => this.passed.has(leg));
    if (problem !== null) {
      this.rejected.push({ error: new CdrInvalidError(problem, 'building the call'), meta: callMetas[0]!, metas: callMetas, vendorRecords: records });
    } else this.emit(out, call, repeat, callMetas, records, true);
  }

  private emit(out: Array<Output<M>>, cdr: Cdr, repeat: boolean, metas: M[], vendorRecords: unknown[], grouped: boolean, part?: LegPart): void {
    if (repeat) {
      this.counts.duplicates++;
      if (this.settings.dedupe === 'drop') {
        for (const m of metas) if (m !== undefined) this.onDrop(m, part);
        return;
      }
    }
    this.counts.out++;
    const meta = metas[0]!;
    const o: Output<M> = { payload: this.settings.format === 'row' ? toFlatRow(cdr) : cdr, cdr, duplicate: repeat, meta, vendorRecords, grouped, metas };
    if (part) o.part = part;
    out.push(o);
  }
}

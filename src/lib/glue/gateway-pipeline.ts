/**
 * What `gw-cdr-in` does with each line, without Node-RED: parse it, find its
 * gateway, feed the assembler, apply the report filter, and hand call records,
 * gateway-status records, bad lines and late events to the node's sinks. The
 * node owns sockets and timers; this owns the logic worth testing.
 */

import { CallAssembler, keyOf, type GatewayCallRecord, type LateEvent } from '../formats/gateway/assembler';
import { GatewayLineError } from '../formats/gateway/errors';
import type { Separator } from '../formats/gateway/event-line';
import { matchesFilter, type ReportFilter } from '../formats/gateway/filters';
import { parseGatewayLine } from '../formats/gateway/line';
import type { GatewayStatus } from '../formats/gateway/log-line';

/** Where a line came from. */
export interface LineOrigin {
  address?: string;
  port?: number;
  /** A followed file: its path and the byte position where the line starts. */
  file?: string;
  offset?: number;
  /**
   * The line was handled before a restart and is read again only because a call
   * was open then: it is fed to the assembler only when it belongs to one of
   * the calls given to {@link GatewayPipeline.replayOnly}.
   */
  replay?: boolean;
  /** The line comes back from the journal after a restart, where it is kept under this number. */
  held?: number;
}

/** Where the first line of an open call is in a followed file. */
export interface CallStart {
  file: string;
  offset: number;
}

export interface GatewayPipelineSettings {
  separator: Separator;
  /** Gateway id for lines without one; empty: the sender's address. */
  defaultGateway: string;
  filter: ReportFilter;
  openTimeoutMs: number;
  maxOpenCalls: number;
  maxEventsPerCall?: number;
  now?: () => number;
}

export interface GatewayPipelineSinks {
  /** `consumes`: the journal numbers of the lines held for this call (see `hold`), to let go with it. */
  record(record: GatewayCallRecord, origin: LineOrigin, consumes: number[]): void;
  status(status: GatewayStatus, origin: LineOrigin): void;
  badLine(error: GatewayLineError, origin: LineOrigin): void;
  late(late: LateEvent, origin: LineOrigin): void;
  /**
   * A line that left its call open: journal it (a crash must not lose the events
   * of calls in progress), giving its number, or null when it is not journaled.
   */
  hold?(line: string, origin: LineOrigin): number | null;
  /** Held lines no record will carry (the call was filtered out): let them go. */
  settle?(held: number[]): void;
}

export interface PipelineCounts {
  lines: number;
  events: number;
  records: number;
  filtered: number;
  statuses: number;
  errors: number;
  late: number;
  /** Lines read again after a restart and fed to the calls that were open. */
  replayed: number;
}

/** Most gateways whose last sender is remembered (for records closed by the timer). */
const MAX_ORIGINS = 10_000;

export class GatewayPipeline {
  readonly counts: PipelineCounts = { lines: 0, events: 0, records: 0, filtered: 0, statuses: 0, errors: 0, late: 0, replayed: 0 };
  private readonly assembler: CallAssembler;
  private readonly origins = new Map<string, LineOrigin>();
  /** First line of each open call that came from a file (for the checkpoint). */
  private readonly starts = new Map<string, CallStart>();
  private replayKeys: ReadonlySet<string> = new Set();
  /** Journal numbers of the held lines of each open call. */
  private readonly held = new Map<string, number[]>();

  constructor(
    private readonly settings: GatewayPipelineSettings,
    private readonly sinks: GatewayPipelineSinks,
  ) {
    this.assembler = new CallAssembler({
      openTimeoutMs: settings.openTimeoutMs,
      maxOpenCalls: settings.maxOpenCalls,
      ...(settings.maxEventsPerCall !== undefined ? { maxEventsPerCall: settings.maxEventsPerCall } : {}),
      ...(settings.now ? { now: settings.now } : {}),
    });
  }

  get openCalls(): number {
    return this.assembler.openCalls;
  }

  /** One line (no line ending needed). Never throws for bad input: bad lines go to `badLine`. */
  line(text: string, origin: LineOrigin): void {
    if (!origin.replay) this.counts.lines++;
    let parsed;
    try {
      parsed = parseGatewayLine(text, { separator: this.settings.separator });
    } catch (err) {
      if (origin.replay) return;
      this.counts.errors++;
      const e = err instanceof GatewayLineError ? err : new GatewayLineError('garbage', String(err), text);
      this.sinks.badLine(e, origin);
      return;
    }
    if (parsed === null) return;
    if (parsed.type === 'status') {
      if (origin.replay) return;
      this.counts.statuses++;
      this.sinks.status(parsed.status, origin);
      return;
    }
    const gateway = parsed.event.Gateway ?? (this.settings.defaultGateway || origin.address || 'unknown');
    const key = keyOf(gateway, parsed.event['Call-Ref']);
    if (origin.replay) {
      if (!this.replayKeys.has(key)) return;
      this.counts.replayed++;
    } else if (origin.held !== undefined) {
      this.counts.replayed++;
    } else {
      this.counts.events++;
    }
    this.remember(gateway, origin);
    const out = this.assembler.push(gateway, parsed.event);
    for (const l of out.late) {
      this.counts.late++;
      this.sinks.late(l, origin);
    }
    this.emit(out.records);
    if (this.sinks.hold) this.keep(text, origin, key, this.assembler.isOpen(gateway, parsed.event['Call-Ref']));
    // This line opened the call (new, or a reused Call-Ref): a restart must read again from here.
    if (origin.file !== undefined && origin.offset !== undefined && !this.starts.has(key) && this.assembler.isOpen(gateway, parsed.event['Call-Ref'])) {
      this.starts.set(key, { file: origin.file, offset: origin.offset });
    }
  }

  /** Several lines in one text (a message payload, a datagram). */
  text(text: string, origin: LineOrigin): void {
    for (const l of text.split('\n')) if (l.trim() !== '') this.line(l, origin);
  }

  /** After a restart: lines marked `replay` are fed only when they belong to one of these call keys. */
  replayOnly(keys: Iterable<string>): void {
    this.replayKeys = new Set(keys);
  }

  /** Where each open call read from a file began (key → file and offset). */
  openCallStarts(): ReadonlyMap<string, CallStart> {
    return this.starts;
  }

  /** Close calls silent for longer than the timeout (call from a timer). */
  sweep(): void {
    this.emit(this.assembler.sweep());
  }

  /** Close every open call now, as incomplete. */
  flush(): void {
    this.emit(this.assembler.flush());
  }

  /** A line of an open call is journaled and listed with its call; one given back from the journal is listed again, or let go. */
  private keep(text: string, origin: LineOrigin, key: string, open: boolean): void {
    if (!open) {
      if (origin.held !== undefined) this.sinks.settle?.([origin.held]);
      return;
    }
    const n = origin.held ?? (origin.file === undefined ? this.sinks.hold!(text, origin) : null);
    if (n === null) return;
    const list = this.held.get(key);
    if (list) list.push(n);
    else this.held.set(key, [n]);
  }

  private remember(gateway: string, origin: LineOrigin): void {
    const known = this.origins.get(gateway);
    if (known === origin) return;
    if (known) this.origins.delete(gateway);
    else if (this.origins.size >= MAX_ORIGINS) this.origins.delete(this.origins.keys().next().value as string);
    this.origins.set(gateway, origin);
  }

  private emit(records: GatewayCallRecord[]): void {
    for (const r of records) {
      const key = keyOf(r.Gateway, r['Call-Ref']);
      if (this.starts.size > 0) this.starts.delete(key);
      let consumes: number[] = [];
      if (this.held.size > 0) {
        consumes = this.held.get(key) ?? [];
        this.held.delete(key);
      }
      if (!matchesFilter(r, this.settings.filter)) {
        this.counts.filtered++;
        if (consumes.length > 0) this.sinks.settle?.(consumes);
        continue;
      }
      this.counts.records++;
      this.sinks.record(r, this.origins.get(r.Gateway) ?? {}, consumes);
    }
  }
}

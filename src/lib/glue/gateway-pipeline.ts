/**
 * What `gw-cdr-in` does with each line, without Node-RED: parse it, find its
 * gateway, feed the assembler, apply the report filter, and hand call records,
 * gateway-status records, bad lines and late events to the node's sinks. The
 * node owns sockets and timers; this owns the logic worth testing.
 */

import { CallAssembler, type GatewayCallRecord, type LateEvent } from '../formats/gateway/assembler';
import { GatewayLineError } from '../formats/gateway/errors';
import type { Separator } from '../formats/gateway/event-line';
import { matchesFilter, type ReportFilter } from '../formats/gateway/filters';
import { parseGatewayLine } from '../formats/gateway/line';
import type { GatewayStatus } from '../formats/gateway/log-line';

/** Where a line came from. */
export interface LineOrigin {
  address?: string;
  port?: number;
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
  record(record: GatewayCallRecord, origin: LineOrigin): void;
  status(status: GatewayStatus, origin: LineOrigin): void;
  badLine(error: GatewayLineError, origin: LineOrigin): void;
  late(late: LateEvent, origin: LineOrigin): void;
}

export interface PipelineCounts {
  lines: number;
  events: number;
  records: number;
  filtered: number;
  statuses: number;
  errors: number;
  late: number;
}

/** Most gateways whose last sender is remembered (for records closed by the timer). */
const MAX_ORIGINS = 10_000;

export class GatewayPipeline {
  readonly counts: PipelineCounts = { lines: 0, events: 0, records: 0, filtered: 0, statuses: 0, errors: 0, late: 0 };
  private readonly assembler: CallAssembler;
  private readonly origins = new Map<string, LineOrigin>();

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
    this.counts.lines++;
    let parsed;
    try {
      parsed = parseGatewayLine(text, { separator: this.settings.separator });
    } catch (err) {
      this.counts.errors++;
      const e = err instanceof GatewayLineError ? err : new GatewayLineError('garbage', String(err), text);
      this.sinks.badLine(e, origin);
      return;
    }
    if (parsed === null) return;
    if (parsed.type === 'status') {
      this.counts.statuses++;
      this.sinks.status(parsed.status, origin);
      return;
    }
    this.counts.events++;
    const gateway = parsed.event.Gateway ?? (this.settings.defaultGateway || origin.address || 'unknown');
    this.remember(gateway, origin);
    const out = this.assembler.push(gateway, parsed.event);
    for (const l of out.late) {
      this.counts.late++;
      this.sinks.late(l, origin);
    }
    this.emit(out.records);
  }

  /** Several lines in one text (a message payload, a datagram). */
  text(text: string, origin: LineOrigin): void {
    for (const l of text.split('\n')) if (l.trim() !== '') this.line(l, origin);
  }

  /** Close calls silent for longer than the timeout (call from a timer). */
  sweep(): void {
    this.emit(this.assembler.sweep());
  }

  /** Close every open call now, as incomplete. */
  flush(): void {
    this.emit(this.assembler.flush());
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
      if (!matchesFilter(r, this.settings.filter)) {
        this.counts.filtered++;
        continue;
      }
      this.counts.records++;
      this.sinks.record(r, this.origins.get(r.Gateway) ?? {});
    }
  }
}

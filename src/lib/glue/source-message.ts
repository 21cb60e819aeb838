import type { Vendor } from '../cdr/schema';

/** `msg.source` of the message contract. */
export interface SourceInfo {
  vendor: Vendor;
  format: string;
  transport: string;
  address?: string;
  port?: number;
  file?: string;
  receivedAt: string;
}

let lastMs = 0;
let lastIso = new Date(0).toISOString();

/** `receivedAt` for now: the ISO text is built once per millisecond, not once per record of a burst. */
export function receivedAtNow(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

export interface SourceMessage {
  payload: unknown;
  topic: string;
  source: SourceInfo;
  _msgid?: string;
}

/** The message a source node sends for one record (or, on error, for the raw text). */
export function sourceMessage(payload: unknown, topic: string, source: SourceInfo): SourceMessage {
  return { payload, topic, source };
}

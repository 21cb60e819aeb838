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

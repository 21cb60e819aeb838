/**
 * The common `Cdr` record (schema version 1). See DESIGN.md and the README's
 * schema section. Times are ISO 8601 UTC strings.
 */

export type Vendor = 'ucm' | 'asterisk' | 'freeswitch' | 'vos3000' | 'gateway';
export type Disposition = 'answered' | 'no_answer' | 'busy' | 'failed' | 'congestion';
export type Direction = 'inbound' | 'outbound' | 'internal' | 'unknown';
export type HangupBy = 'caller' | 'callee' | 'system';

export interface Party {
  number: string;
  name?: string;
}

export interface Hangup {
  cause?: string;
  q850?: number;
  by?: HangupBy;
}

export interface Trunks {
  in?: string;
  out?: string;
}

export interface HoldPeriod {
  start: string;
  end: string;
}

export interface Timing {
  progressTime?: string;
  earlyMediaTime?: string;
  bridgeTime?: string;
  holds?: HoldPeriod[];
  /** Post-dial delay reported by the vendor itself, in seconds (VOS3000). */
  pddSec?: number;
}

export interface Metrics {
  ringSec: number;
  pddSec?: number;
  talkSec: number;
  holdSec?: number;
  totalSec: number;
}

export interface Cost {
  amount: number;
  currency: string;
  prefix: string;
  ratePerMinute: number;
  billedSec: number;
}

export interface Cdr {
  schema: 1;
  kind: 'leg' | 'call';
  id: string;
  callId: string;
  vendor: Vendor;
  startTime: string;
  answerTime: string | null;
  endTime: string;
  durationSec: number;
  billSec: number;
  caller: Party;
  callee: { number: string };
  dialed?: string;
  disposition: Disposition;
  direction: Direction;
  hangup?: Hangup;
  trunk?: Trunks;
  accountCode?: string;
  userField?: string;
  recordings?: string[];
  timing?: Timing;
  legs?: Cdr[];
  extra: Record<string, unknown>;
  metrics?: Metrics;
  /** null when the record could not be rated; `costReason` says why. */
  cost?: Cost | null;
  costReason?: string;
}

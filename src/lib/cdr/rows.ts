import type { Cdr, Direction } from './schema';
import { computeMetrics, formatDuration } from './metrics';

/**
 * A `Cdr` as one flat row: snake_case columns with SQL-friendly values
 * (string, number or null), ready for an INSERT. Includes the column set PBX
 * data loggers write (account code, dialed, caller, caller name, call type,
 * call time, talk / total / ring seconds, talk and ring time as H:MM:SS, call
 * id). Metrics are computed when the record has none yet.
 */

export type SqlType = 'TEXT' | 'INTEGER' | 'REAL';
export type RowValue = string | number | null;

export interface FlatColumn {
  name: string;
  type: SqlType;
  description: string;
}

export const FLAT_COLUMNS: readonly FlatColumn[] = [
  { name: 'id', type: 'TEXT', description: 'Cdr id (stable; primary key)' },
  { name: 'kind', type: 'TEXT', description: '"leg" or "call"' },
  { name: 'call_id', type: 'TEXT', description: 'callId: groups the legs of one call' },
  { name: 'vendor', type: 'TEXT', description: 'ucm, asterisk, freeswitch, vos3000 or gateway' },
  { name: 'start_time', type: 'TEXT', description: 'ISO 8601 UTC' },
  { name: 'answer_time', type: 'TEXT', description: 'ISO 8601 UTC; null when not answered' },
  { name: 'end_time', type: 'TEXT', description: 'ISO 8601 UTC' },
  { name: 'call_time', type: 'TEXT', description: 'logger column: when the call started (= start_time)' },
  { name: 'duration_sec', type: 'REAL', description: 'durationSec' },
  { name: 'bill_sec', type: 'REAL', description: 'billSec' },
  { name: 'caller_number', type: 'TEXT', description: 'caller.number' },
  { name: 'caller_name', type: 'TEXT', description: 'caller.name' },
  { name: 'callee_number', type: 'TEXT', description: 'callee.number' },
  { name: 'dialed', type: 'TEXT', description: 'digits as dialed (dialed, else callee number)' },
  { name: 'disposition', type: 'TEXT', description: 'answered, no_answer, busy, failed, congestion' },
  { name: 'direction', type: 'TEXT', description: 'inbound, outbound, internal, unknown' },
  { name: 'call_type', type: 'TEXT', description: 'logger column: incoming, outgoing, internal or unknown (from direction)' },
  { name: 'hangup_cause', type: 'TEXT', description: 'hangup.cause' },
  { name: 'hangup_q850', type: 'INTEGER', description: 'hangup.q850' },
  { name: 'hangup_by', type: 'TEXT', description: 'hangup.by' },
  { name: 'trunk_in', type: 'TEXT', description: 'trunk.in' },
  { name: 'trunk_out', type: 'TEXT', description: 'trunk.out' },
  { name: 'account_code', type: 'TEXT', description: 'accountCode' },
  { name: 'user_field', type: 'TEXT', description: 'userField' },
  { name: 'recordings', type: 'TEXT', description: 'recordings joined with "|"' },
  { name: 'ring_sec', type: 'REAL', description: 'metrics.ringSec' },
  { name: 'ring_time', type: 'TEXT', description: 'ring_sec as H:MM:SS' },
  { name: 'pdd_sec', type: 'REAL', description: 'metrics.pddSec' },
  { name: 'talk_sec', type: 'REAL', description: 'metrics.talkSec' },
  { name: 'talk_time', type: 'TEXT', description: 'talk_sec as H:MM:SS' },
  { name: 'hold_sec', type: 'REAL', description: 'metrics.holdSec' },
  { name: 'total_sec', type: 'REAL', description: 'metrics.totalSec' },
  { name: 'cost_amount', type: 'REAL', description: 'cost.amount; null when not rated' },
  { name: 'cost_currency', type: 'TEXT', description: 'cost.currency' },
  { name: 'cost_prefix', type: 'TEXT', description: 'cost.prefix' },
  { name: 'cost_rate_per_minute', type: 'REAL', description: 'cost.ratePerMinute' },
  { name: 'cost_billed_sec', type: 'REAL', description: 'cost.billedSec' },
  { name: 'cost_reason', type: 'TEXT', description: 'costReason' },
  { name: 'leg_count', type: 'INTEGER', description: 'number of legs of a call; 1 for a leg' },
  { name: 'extra', type: 'TEXT', description: 'extra as JSON text' },
];

const CALL_TYPES: Record<Direction, string> = {
  inbound: 'incoming',
  outbound: 'outgoing',
  internal: 'internal',
  unknown: 'unknown',
};

export type FlatRow = Record<string, RowValue>;

const orNull = <T>(v: T | undefined): T | null => (v === undefined ? null : v);

export function toFlatRow(cdr: Cdr): FlatRow {
  const m = cdr.metrics ?? computeMetrics(cdr);
  const cost = cdr.cost ?? null;
  return {
    id: cdr.id,
    kind: cdr.kind,
    call_id: cdr.callId,
    vendor: cdr.vendor,
    start_time: cdr.startTime,
    answer_time: cdr.answerTime,
    end_time: cdr.endTime,
    call_time: cdr.startTime,
    duration_sec: cdr.durationSec,
    bill_sec: cdr.billSec,
    caller_number: cdr.caller.number,
    caller_name: orNull(cdr.caller.name),
    callee_number: cdr.callee.number,
    dialed: cdr.dialed ?? cdr.callee.number,
    disposition: cdr.disposition,
    direction: cdr.direction,
    call_type: CALL_TYPES[cdr.direction],
    hangup_cause: orNull(cdr.hangup?.cause),
    hangup_q850: orNull(cdr.hangup?.q850),
    hangup_by: orNull(cdr.hangup?.by),
    trunk_in: orNull(cdr.trunk?.in),
    trunk_out: orNull(cdr.trunk?.out),
    account_code: orNull(cdr.accountCode),
    user_field: orNull(cdr.userField),
    recordings: cdr.recordings && cdr.recordings.length > 0 ? cdr.recordings.join('|') : null,
    ring_sec: m.ringSec,
    ring_time: formatDuration(m.ringSec),
    pdd_sec: orNull(m.pddSec),
    talk_sec: m.talkSec,
    talk_time: formatDuration(m.talkSec),
    hold_sec: orNull(m.holdSec),
    total_sec: m.totalSec,
    cost_amount: cost ? cost.amount : null,
    cost_currency: cost ? cost.currency : null,
    cost_prefix: cost ? cost.prefix : null,
    cost_rate_per_minute: cost ? cost.ratePerMinute : null,
    cost_billed_sec: cost ? cost.billedSec : null,
    cost_reason: orNull(cdr.costReason),
    leg_count: cdr.legs ? cdr.legs.length : 1,
    extra: JSON.stringify(cdr.extra),
  };
}

/** `CREATE TABLE` for flat rows (SQLite and PostgreSQL both accept it). */
export function createTableSql(table = 'cdr'): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(table)) throw new Error(`not a plain SQL table name: ${table}`);
  const cols = FLAT_COLUMNS.map((c) => `  ${c.name} ${c.type === 'REAL' ? 'DOUBLE PRECISION' : c.type}${c.name === 'id' ? ' PRIMARY KEY' : ''}`);
  return `CREATE TABLE IF NOT EXISTS ${table} (\n${cols.join(',\n')}\n);`;
}

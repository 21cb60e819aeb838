import { hostTimeZone, isValidTimeZone } from '../cdr/time';
import type { EngineOptions } from '../stats/engine';
import { isBuiltInKey, type BuiltInKey } from '../stats/keys';
import { parsePrefixList, type PrefixList } from '../stats/prefix-list';
import { parseWindow } from '../stats/windows';
import type { Checked, SettingProblem } from './listener-config';

/** cdr-stats settings as the editor stores them, checked again at runtime. */
export interface StatsConfigInput {
  keys?: unknown;
  windows?: unknown;
  timeBy?: unknown;
  latenessMin?: unknown;
  timeZone?: unknown;
  intervalSec?: unknown;
  shortCallSec?: unknown;
  topCauses?: unknown;
  maxKeys?: unknown;
  sampleIds?: unknown;
  prefixes?: unknown;
  revenue?: unknown;
  contextStore?: unknown;
}

/** One key as the dialog's typed input gives it: a built-in field, a msg property or a JSONata expression. */
export type KeySpec = { type: 'field'; field: BuiltInKey; name: string } | { type: 'msg' | 'jsonata'; expr: string; name: string };

export interface StatsSettings {
  engine: EngineOptions;
  keys: KeySpec[];
  intervalMs: number;
  prefixes: PrefixList | null;
  /** msg property holding `{ amount, currency }` of the revenue, or '' for none. */
  revenue: string;
  contextStore: string;
}

const blank = (v: unknown): boolean => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

/** A whole number from the config, `fallback` when blank; a problem when out of range. */
export function intSetting(problems: SettingProblem[], input: Record<string, unknown>, key: string, fallback: number, min: number, max: number): number {
  const v = input[key];
  if (blank(v)) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) problems.push({ key, detail: `${key} must be a whole number from ${min} to ${max}` });
  return n;
}

/** A number from the config, `fallback` when blank. */
export function numSetting(problems: SettingProblem[], input: Record<string, unknown>, key: string, fallback: number, min: number, max = Infinity): number {
  const v = input[key];
  if (blank(v)) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) problems.push({ key, detail: `${key} must be a number from ${min}${Number.isFinite(max) ? ` to ${max}` : ''}` });
  return n;
}

/** The zone setting: blank is the host's zone. */
export function zoneSetting(problems: SettingProblem[], v: unknown): string {
  const zone = blank(v) ? hostTimeZone() : String(v).trim();
  if (!isValidTimeZone(zone)) problems.push({ key: 'timeZone', detail: `time zone "${zone}" is not an IANA name such as Europe/Berlin` });
  return zone;
}

function readKeys(problems: SettingProblem[], v: unknown): KeySpec[] {
  let list: unknown = v;
  if (typeof v === 'string') {
    try {
      list = blank(v) ? [{ t: 'field', v: 'all' }] : JSON.parse(v);
    } catch {
      list = v.split(/[\s,]+/).filter(Boolean).map((f) => ({ t: 'field', v: f }));
    }
  }
  if (list === undefined || list === null) list = [{ t: 'field', v: 'all' }];
  if (!Array.isArray(list) || list.length === 0) {
    problems.push({ key: 'keys', detail: 'keys must name at least one key' });
    return [];
  }
  const keys: KeySpec[] = [];
  for (const k of list as Array<{ t?: unknown; v?: unknown }>) {
    const type = String(k?.t ?? 'field');
    const expr = String(k?.v ?? '').trim();
    if (type === 'field') {
      if (isBuiltInKey(expr)) keys.push({ type: 'field', field: expr, name: expr });
      else problems.push({ key: 'keys', detail: `key "${expr}" is not a known field` });
    } else if ((type === 'msg' || type === 'jsonata') && expr !== '') keys.push({ type, expr, name: expr });
    else problems.push({ key: 'keys', detail: `key type "${type}" with "${expr}" is not a field, msg property or JSONata expression` });
  }
  return keys;
}

export function checkStatsSettings(input: StatsConfigInput): Checked<StatsSettings> {
  const problems: SettingProblem[] = [];
  const raw = input as Record<string, unknown>;
  const timeZone = zoneSetting(problems, input.timeZone);
  const windowsText = blank(input.windows) ? 'sliding 15m' : String(input.windows);
  const windows = [];
  for (const w of windowsText.split(/[,;\n]+/).map((s) => s.trim()).filter(Boolean)) {
    try {
      windows.push(parseWindow(w, timeZone));
    } catch (err) {
      problems.push({ key: 'windows', detail: (err as Error).message });
    }
  }
  if (windows.length === 0 && !problems.some((p) => p.key === 'windows')) problems.push({ key: 'windows', detail: 'name at least one window' });
  const timeBy = blank(input.timeBy) ? 'end' : String(input.timeBy);
  if (timeBy !== 'start' && timeBy !== 'end') problems.push({ key: 'timeBy', detail: `time "${timeBy}" must be start or end` });
  const keys = readKeys(problems, input.keys);
  let prefixes: PrefixList | null = null;
  if (!blank(input.prefixes)) {
    try {
      prefixes = parsePrefixList(String(input.prefixes));
    } catch (err) {
      problems.push({ key: 'prefixes', detail: (err as Error).message });
    }
  }
  if (keys.some((k) => k.type === 'field' && k.field === 'prefix') && prefixes === null && !problems.some((p) => p.key === 'prefixes')) {
    problems.push({ key: 'prefixes', detail: 'the prefix key needs a prefix list' });
  }
  const engine: EngineOptions = {
    windows,
    timeBy: timeBy as 'start' | 'end',
    latenessMs: intSetting(problems, raw, 'latenessMin', 5, 0, 1440) * 60_000,
    maxKeys: intSetting(problems, raw, 'maxKeys', 1000, 1, 1_000_000),
    topCauses: intSetting(problems, raw, 'topCauses', 5, 0, 64),
    shortCallSec: numSetting(problems, raw, 'shortCallSec', 10, 0),
    sampleIds: intSetting(problems, raw, 'sampleIds', 10, 0, 100),
  };
  const intervalMs = intSetting(problems, raw, 'intervalSec', 60, 0, 86400) * 1000;
  const revenue = blank(input.revenue) ? '' : String(input.revenue).trim();
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: { engine, keys, intervalMs, prefixes, revenue, contextStore: blank(input.contextStore) ? '' : String(input.contextStore) } };
}

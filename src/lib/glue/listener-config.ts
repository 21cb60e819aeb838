import { parseAllowList, AllowListError, type AllowList } from '../transport/allow-list';

/**
 * The settings every listening source shares (bind address, port, limits,
 * allow-list), read from a node's config and checked again at runtime: the
 * editor's validation can be bypassed by a hand-edited flow file.
 */
export interface ListenerSettingsInput {
  host?: unknown;
  port?: unknown;
  maxFrameKb?: unknown;
  maxConnections?: unknown;
  idleTimeoutSec?: unknown;
  allow?: unknown;
}

export interface ListenerSettings {
  host: string;
  port: number;
  maxFrameBytes: number;
  maxConnections: number;
  idleTimeoutMs: number;
  allow: AllowList | null;
}

export interface ListenerDefaults {
  maxFrameKb: number;
  maxConnections: number;
  idleTimeoutSec: number;
}

/** A setting that is wrong: `key` names it for the locale file, `detail` says how. */
export interface SettingProblem {
  key: 'port' | 'host' | 'maxFrameKb' | 'maxConnections' | 'idleTimeoutSec' | 'allow' | string;
  detail: string;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; problems: SettingProblem[] };

function blank(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

/** An integer within [min, max]; blank gives `fallback`. */
export function intSetting(v: unknown, min: number, max: number, fallback?: number): number | null {
  if (blank(v)) return fallback ?? null;
  const n = typeof v === 'number' ? v : Number(String(v).trim());
  if (!Number.isInteger(n) || n < min || n > max) return null;
  return n;
}

export function checkListenerSettings(input: ListenerSettingsInput, defaults: ListenerDefaults): Checked<ListenerSettings> {
  const problems: SettingProblem[] = [];
  const port = intSetting(input.port, 0, 65535);
  if (port === null) problems.push({ key: 'port', detail: `port must be a whole number from 0 (any free port) to 65535 (got "${String(input.port ?? '')}")` });
  const host = blank(input.host) ? '0.0.0.0' : String(input.host).trim();
  if (/\s/.test(host)) problems.push({ key: 'host', detail: `bind address "${host}" is not an address` });
  const maxFrameKb = intSetting(input.maxFrameKb, 1, 1024 * 1024, defaults.maxFrameKb);
  if (maxFrameKb === null) problems.push({ key: 'maxFrameKb', detail: 'largest record must be 1 to 1048576 KB' });
  const maxConnections = intSetting(input.maxConnections, 1, 100_000, defaults.maxConnections);
  if (maxConnections === null) problems.push({ key: 'maxConnections', detail: 'connection limit must be 1 to 100000' });
  const idle = intSetting(input.idleTimeoutSec, 0, 30 * 86_400, defaults.idleTimeoutSec);
  if (idle === null) problems.push({ key: 'idleTimeoutSec', detail: 'idle timeout must be 0 (never) to 2592000 seconds' });
  let allow: AllowList | null = null;
  try {
    allow = parseAllowList(typeof input.allow === 'string' ? input.allow : '');
  } catch (err) {
    problems.push({ key: 'allow', detail: err instanceof AllowListError ? `allow-list: ${err.message}` : String(err) });
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    value: {
      host,
      port: port!,
      maxFrameBytes: maxFrameKb! * 1024,
      maxConnections: maxConnections!,
      idleTimeoutMs: idle! * 1000,
      allow,
    },
  };
}

/**
 * The settings of a `vos-cdr-in` node, read from its config and checked again
 * at runtime (a hand-edited flow bypasses the editor). Pure: Node-RED reads
 * the result.
 */
import * as path from 'node:path';
import { compileVosFormat, VosConfigError, type VosFormat } from '../formats/vos';
import { backfillKey, vosFileKey, vosFilePattern, VosFilesConfigError } from '../formats/vos-files';
import { checkListenerSettings, intSetting, type Checked, type ListenerSettings, type SettingProblem } from './listener-config';

export interface VosNodeConfig {
  tcp?: unknown;
  udp?: unknown;
  files?: unknown;
  host?: unknown;
  tcpPort?: unknown;
  udpPort?: unknown;
  useTls?: unknown;
  maxFrameKb?: unknown;
  maxConnections?: unknown;
  idleTimeoutSec?: unknown;
  allow?: unknown;
  fields?: unknown;
  separator?: unknown;
  pddUnit?: unknown;
  maxExtraFields?: unknown;
  reorder?: unknown;
  reorderWindowSec?: unknown;
  reorderMaxHeld?: unknown;
  silenceAlertMin?: unknown;
  dir?: unknown;
  pattern?: unknown;
  backfill?: unknown;
  backfillFrom?: unknown;
  encoding?: unknown;
  checkpoint?: unknown;
  topic?: unknown;
}

export interface VosFileSettings {
  dir: string;
  pattern: string | RegExp;
  sortKey: (name: string) => string | null;
  /** Sort key the first file must reach when there is no checkpoint; absent = start at the end of the current file. */
  backfillFrom?: string;
  encoding: string;
  /** Folder of the checkpoint file; null = the default under the user directory. */
  checkpointDir: string | null;
  maxLineBytes: number;
}

export interface VosNodeSettings {
  tcp: ListenerSettings | null;
  udp: ListenerSettings | null;
  /** TLS wanted on the TCP listener (the tls-config node is the glue's business). */
  useTls: boolean;
  files: VosFileSettings | null;
  format: VosFormat;
  reorder: { windowMs: number; maxHeld: number } | null;
  silenceMs: number;
  topic: string;
}

export const VOS_LISTENER_DEFAULTS = { maxFrameKb: 64, maxConnections: 16, idleTimeoutSec: 0 } as const;

const text = (v: unknown): string => (v === undefined || v === null ? '' : String(v).trim());

/** "a, b c|d" → names; blank → null (the default order). */
export function fieldList(value: unknown): string[] | null {
  const names = text(value)
    .split(/[\s,;|]+/)
    .filter(Boolean);
  return names.length > 0 ? names : null;
}

export function checkVosSettings(config: VosNodeConfig): Checked<VosNodeSettings> {
  const problems: SettingProblem[] = [];
  const add = (key: string, detail: string): void => {
    if (!problems.some((p) => p.detail === detail)) problems.push({ key, detail });
  };
  const useTcp = config.tcp !== false;
  const useUdp = config.udp === true;
  const useFiles = config.files === true;
  if (!useTcp && !useUdp && !useFiles) add('tcp', 'enable TCP, UDP, hourly files, or several');

  const listener = (port: unknown): ListenerSettings | null => {
    const c = checkListenerSettings({ ...config, port }, VOS_LISTENER_DEFAULTS);
    if (c.ok) return c.value;
    for (const p of c.problems) add(p.key, p.detail);
    return null;
  };
  const tcp = useTcp ? listener(config.tcpPort) : null;
  const udp = useUdp ? listener(config.udpPort) : null;
  const maxFrameKb = intSetting(config.maxFrameKb, 1, 1024 * 1024, VOS_LISTENER_DEFAULTS.maxFrameKb);
  if (maxFrameKb === null) add('maxFrameKb', 'largest line must be 1 to 1048576 KB');

  let format: VosFormat | null = null;
  const maxExtraFields = intSetting(config.maxExtraFields, 0, 1000, 16);
  if (maxExtraFields === null) add('maxExtraFields', 'extra fields must be a whole number from 0 to 1000');
  try {
    const fields = fieldList(config.fields);
    const separator = config.separator === undefined || config.separator === null || config.separator === '' ? '|' : String(config.separator);
    format = compileVosFormat({
      ...(fields ? { fields } : {}),
      separator,
      pddUnit: config.pddUnit === 's' ? 's' : 'ms',
      maxExtraFields: maxExtraFields ?? 16,
    });
  } catch (err) {
    add('fields', err instanceof VosConfigError ? err.message : String(err));
  }

  let reorder: VosNodeSettings['reorder'] = null;
  if (config.reorder === true) {
    const windowSec = intSetting(config.reorderWindowSec, 1, 3600, 2);
    const maxHeld = intSetting(config.reorderMaxHeld, 1, 1_000_000, 100_000);
    if (windowSec === null) add('reorderWindowSec', 'the reorder window must be 1 to 3600 seconds');
    if (maxHeld === null) add('reorderMaxHeld', 'hold at most must be 1 to 1000000 records');
    if (windowSec !== null && maxHeld !== null) reorder = { windowMs: windowSec * 1000, maxHeld };
  }

  // Minutes, fractions allowed (0.5 = 30 s).
  const silenceText = text(config.silenceAlertMin);
  const silenceMin = silenceText === '' ? 0 : Number(silenceText);
  if (!Number.isFinite(silenceMin) || silenceMin < 0 || silenceMin > 10_080) {
    add('silenceAlertMin', 'the silence alert must be 0 (off) to 10080 minutes (fractions allowed)');
  }

  let files: VosFileSettings | null = null;
  if (useFiles) {
    const dir = text(config.dir);
    if (dir === '' || !path.isAbsolute(dir)) add('dir', 'the directory of hourly files must be an absolute path');
    let pattern: string | RegExp = '';
    let backfillFrom: string | undefined;
    try {
      pattern = vosFilePattern(text(config.pattern));
      // dir-follow reads an empty key as "no backfill": the smallest non-empty key admits every name.
      if (config.backfill === 'all') backfillFrom = '\u0001';
      else if (config.backfill === 'from') backfillFrom = backfillKey(text(config.backfillFrom));
    } catch (err) {
      add(err instanceof VosFilesConfigError && /backfill/.test(err.message) ? 'backfillFrom' : 'pattern', err instanceof Error ? err.message : String(err));
    }
    const encoding = text(config.encoding) || 'utf8';
    try {
      new TextDecoder(encoding === 'utf8' ? 'utf-8' : encoding);
    } catch {
      add('encoding', `unknown text encoding "${encoding}"`);
    }
    const p = pattern;
    files = {
      dir,
      pattern: p,
      sortKey: (name) => vosFileKey(p, name),
      ...(backfillFrom !== undefined ? { backfillFrom } : {}),
      encoding,
      checkpointDir: text(config.checkpoint) || null,
      maxLineBytes: (maxFrameKb ?? VOS_LISTENER_DEFAULTS.maxFrameKb) * 1024,
    };
  }

  if (problems.length > 0 || !format) return { ok: false, problems };
  return {
    ok: true,
    value: {
      tcp,
      udp,
      useTls: useTcp && config.useTls === true,
      files,
      format,
      reorder,
      silenceMs: Math.round(silenceMin * 60_000),
      topic: text(config.topic) || 'vos3000',
    },
  };
}

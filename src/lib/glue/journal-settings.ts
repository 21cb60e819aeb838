import * as os from 'node:os';
import * as path from 'node:path';
import type { FsyncPolicy, JournalOptions } from '../source/journal';
import type { AckMode } from '../source/delivery';
import { ackReach, anyCdrAck, type FlowNodeConfig } from '../source/ack-reach';
import { intSetting, type Checked, type SettingProblem } from './listener-config';

/**
 * The journal settings every source dialog has, read from a node's config and
 * checked again at runtime. The journal is on unless the flow turns it off.
 */
export interface JournalSettingsInput {
  journal?: unknown;
  journalDir?: unknown;
  journalMaxMb?: unknown;
  journalFsync?: unknown;
  ackTimeoutSec?: unknown;
}

export interface JournalSettings {
  /** null: journal off. */
  journal: JournalOptions | null;
  ackTimeoutMs: number;
}

export const JOURNAL_DEFAULTS = { maxMb: 256, ackTimeoutSec: 60, fsync: 'always' as FsyncPolicy };

/** Where a node's journal lives unless set: `<userDir>/cdrflow-journal/<type>-<id>`. */
export function defaultJournalDir(userDir: string | undefined, type: string, id: string): string {
  return path.join(userDir ?? os.tmpdir(), 'cdrflow-journal', `${type}-${id.replace(/[^A-Za-z0-9._-]/g, '_')}`);
}

export function checkJournalSettings(input: JournalSettingsInput, where: { userDir: string | undefined; type: string; id: string }): Checked<JournalSettings> {
  const problems: SettingProblem[] = [];
  const off = input.journal === false || input.journal === 'false';
  const maxMb = intSetting(input.journalMaxMb, 1, 1024 * 1024, JOURNAL_DEFAULTS.maxMb);
  if (maxMb === null) problems.push({ key: 'journalMaxMb', detail: 'journal disk cap must be 1 to 1048576 MB' });
  const fsync = input.journalFsync === undefined || input.journalFsync === '' ? JOURNAL_DEFAULTS.fsync : input.journalFsync;
  if (fsync !== 'always' && fsync !== 'never') problems.push({ key: 'journalFsync', detail: `journal fsync must be "always" or "never" (got "${String(fsync)}")` });
  const ackTimeoutSec = intSetting(input.ackTimeoutSec, 1, 86_400, JOURNAL_DEFAULTS.ackTimeoutSec);
  if (ackTimeoutSec === null) problems.push({ key: 'ackTimeoutSec', detail: 'acknowledgement timeout must be 1 to 86400 seconds' });
  if (problems.length > 0) return { ok: false, problems };
  const dir = typeof input.journalDir === 'string' && input.journalDir.trim() !== '' ? input.journalDir.trim() : defaultJournalDir(where.userDir, where.type, where.id);
  return {
    ok: true,
    value: {
      journal: off ? null : { dir, maxBytes: maxMb! * 1024 * 1024, fsync: fsync as FsyncPolicy },
      ackTimeoutMs: ackTimeoutSec! * 1000,
    },
  };
}

/**
 * 'downstream' when a cdr-ack that runs is reachable from the source in the
 * deployed flows (see ack-reach.ts), else 'sent'. `ids`: the node's id, and for
 * a node in a subflow its id in the definition. When the source is not in the
 * flows at all (a library user's own list), any cdr-ack that runs counts.
 */
export function ackModeOf(eachNode: (cb: (n: FlowNodeConfig) => void) => void, ids: readonly string[]): AckMode {
  const nodes: FlowNodeConfig[] = [];
  eachNode((n) => nodes.push(n));
  const reach = ackReach(nodes, ids);
  if (reach === 'unknown') return anyCdrAck(nodes) ? 'downstream' : 'sent';
  return reach === 'reachable' ? 'downstream' : 'sent';
}

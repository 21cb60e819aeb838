/**
 * At-least-once for call records assembled from a followed file.
 *
 * A file tail checkpoints the position after each handled line, but a call
 * record is only sent when its call ends, many lines later. If Node-RED stops
 * mid-call, a plain checkpoint would resume after the call's first events and
 * the record would come out wrong. So the position stored is held back to the
 * first line of the oldest call still open (in the file being read), together
 * with the keys of the open calls and the real position. After a restart the
 * lines up to the real position are read again as "replay": only the events of
 * the calls that were open are fed to the assembler; calls already sent, log
 * lines and bad lines already reported are not repeated.
 */

import type { CheckpointLoadResult, CheckpointStore } from '../transport/checkpoint';
import type { FileTailCheckpoint } from '../transport/file-tail';
import type { CallStart } from './gateway-pipeline';

/** The file tail's checkpoint plus what the gateway node needs to replay. */
export interface GatewayTailCheckpoint extends FileTailCheckpoint {
  gateway?: {
    /** The position the tail had really reached. */
    committed: number;
    /** Keys of the calls open at that moment. */
    open: string[];
  };
}

/** What to replay after a restart: lines ending at or before `until` are replay lines. */
export interface ReplayPlan {
  until: number;
  keys: string[];
}

export interface HeldBackStoreOptions {
  /** The open calls read from a file and where each began. */
  openCallStarts(): ReadonlyMap<string, CallStart>;
  /** The file the tail is reading now (the path of the last line handed over). */
  currentFile(): string | null;
  /** Called by load() with the replay plan found in the checkpoint (or null). */
  onReplayPlan(plan: ReplayPlan | null): void;
}

function isReplayInfo(v: unknown): v is { committed: number; open: string[] } {
  if (v === null || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  return Number.isSafeInteger(o.committed) && (o.committed as number) >= 0 && Array.isArray(o.open) && o.open.every((k) => typeof k === 'string');
}

/**
 * The position to store: the committed one, held back to the first line of the
 * oldest open call in the current file; to 0 when an open call began in an
 * earlier (rotated) file, whose lines cannot be read again.
 */
export function heldBackOffset(committed: number, starts: ReadonlyMap<string, CallStart>, currentFile: string | null): number {
  let offset = committed;
  for (const s of starts.values()) {
    if (currentFile !== null && s.file !== currentFile) return 0;
    if (s.offset < offset) offset = s.offset;
  }
  return offset;
}

/** Wraps the tail's checkpoint store so what it saves is held back, and what it loads carries the replay plan. */
export function heldBackStore(inner: CheckpointStore<GatewayTailCheckpoint>, options: HeldBackStoreOptions): CheckpointStore<FileTailCheckpoint> {
  return {
    file: inner.file,
    async load(): Promise<CheckpointLoadResult<FileTailCheckpoint>> {
      const result = await inner.load();
      const info = result.status === 'ok' ? result.state?.gateway : undefined;
      options.onReplayPlan(isReplayInfo(info) && info.open.length > 0 ? { until: info.committed, keys: info.open } : null);
      return result;
    },
    save(state: FileTailCheckpoint): Promise<void> {
      const starts = options.openCallStarts();
      if (starts.size === 0 || state.file === null) return inner.save({ ...state });
      const offset = heldBackOffset(state.offset, starts, options.currentFile());
      return inner.save({ ...state, offset, gateway: { committed: state.offset, open: [...starts.keys()] } });
    },
    remove: () => inner.remove(),
  };
}

/**
 * On-disk position store for file sources: one small JSON file per source,
 * replaced atomically (temp file + fsync + rename + directory fsync) so a crash
 * at any moment leaves either the old or the new position, never a torn file.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';

/** How a {@link CheckpointStore.load} went. */
export type CheckpointLoadStatus = 'ok' | 'missing' | 'corrupt';

/** The result of loading a checkpoint. `state` is set only when `status` is 'ok'. */
export interface CheckpointLoadResult<T> {
  status: CheckpointLoadStatus;
  state?: T;
  /** Human-readable reason when the status is 'corrupt' (where the bad file was moved). */
  warning?: string;
}

/** A durable store for one source's read position. */
export interface CheckpointStore<T> {
  /** Absolute path of the JSON file. */
  readonly file: string;
  /**
   * Reads the last saved state. A missing file gives 'missing'; an unreadable,
   * unparseable or invalid file gives 'corrupt' (it is renamed aside as
   * `<file>.corrupt-<time>` so it is kept for inspection and not read again).
   * Never rejects for a bad file; rejects only for I/O errors other than ENOENT.
   */
  load(): Promise<CheckpointLoadResult<T>>;
  /**
   * Durably replaces the stored state. Concurrent calls are coalesced: the
   * promise resolves once this state, or a newer one, is on disk.
   */
  save(state: T): Promise<void>;
  /** Deletes the stored state (no error if there is none). */
  remove(): Promise<void>;
}

/** Options of {@link createCheckpointStore}. */
export interface CheckpointStoreOptions<T> {
  /** Directory holding the checkpoint files (created on first save). */
  dir: string;
  /** Source name, e.g. a node id; mapped to a safe file name. */
  name: string;
  /** Shape check of a loaded state; a state failing it is treated as corrupt. */
  validate?: (value: unknown) => value is T;
  /** fsync the file and its directory (default true; false only for tests/benchmarks). */
  fsync?: boolean;
}

const FORMAT = 'cdrflow-checkpoint';
const VERSION = 1;

interface Envelope {
  format: string;
  version: number;
  name: string;
  savedAt: string;
  state: unknown;
}

/**
 * The file name used for a source name: readable characters kept, the rest
 * replaced, plus a short hash so distinct names never collide.
 */
export function checkpointFileName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80);
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${safe}-${hash}.checkpoint.json`;
}

/** Creates the JSON-file checkpoint store of one source. */
export function createCheckpointStore<T>(opts: CheckpointStoreOptions<T>): CheckpointStore<T> {
  return new FileCheckpointStore<T>(opts);
}

class FileCheckpointStore<T> implements CheckpointStore<T> {
  readonly file: string;
  private readonly dir: string;
  private readonly name: string;
  private readonly validate: ((value: unknown) => value is T) | undefined;
  private readonly fsync: boolean;
  private pending: { state: T } | null = null;
  private running: Promise<void> | null = null;
  private dirReady = false;

  constructor(opts: CheckpointStoreOptions<T>) {
    this.dir = path.resolve(opts.dir);
    this.name = opts.name;
    this.file = path.join(this.dir, checkpointFileName(opts.name));
    this.validate = opts.validate;
    this.fsync = opts.fsync !== false;
  }

  async load(): Promise<CheckpointLoadResult<T>> {
    await this.removeStaleTemps();
    let text: string;
    try {
      text = await fsp.readFile(this.file, 'utf8');
    } catch (err) {
      if (errCode(err) === 'ENOENT') return { status: 'missing' };
      if (errCode(err) === 'EISDIR') return this.corrupt('it is a directory');
      throw err;
    }
    let env: Envelope;
    try {
      env = JSON.parse(text) as Envelope;
    } catch (err) {
      return this.corrupt(`not JSON (${(err as Error).message})`);
    }
    if (env === null || typeof env !== 'object' || env.format !== FORMAT || env.version !== VERSION || !('state' in env)) {
      return this.corrupt('not a cdrflow checkpoint of a known version');
    }
    if (this.validate && !this.validate(env.state)) return this.corrupt('the stored position has an unexpected shape');
    return { status: 'ok', state: env.state as T };
  }

  save(state: T): Promise<void> {
    this.pending = { state };
    if (!this.running) {
      this.running = this.drain().finally(() => {
        this.running = null;
      });
    }
    return this.running;
  }

  async remove(): Promise<void> {
    if (this.running) await this.running.catch(() => undefined);
    await fsp.rm(this.file, { force: true });
  }

  private async drain(): Promise<void> {
    while (this.pending) {
      const { state } = this.pending;
      this.pending = null;
      await this.write(state);
    }
  }

  private async write(state: T): Promise<void> {
    if (!this.dirReady) {
      await fsp.mkdir(this.dir, { recursive: true });
      this.dirReady = true;
    }
    const env: Envelope = { format: FORMAT, version: VERSION, name: this.name, savedAt: new Date().toISOString(), state };
    const tmp = `${this.file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    const fh = await fsp.open(tmp, 'w', 0o644);
    try {
      await fh.writeFile(JSON.stringify(env) + '\n', 'utf8');
      if (this.fsync) await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await fsp.rename(tmp, this.file);
    } catch (err) {
      await fsp.rm(tmp, { force: true }).catch(() => undefined);
      throw err;
    }
    // The rename is durable only once the directory entry is on disk.
    if (this.fsync) await fsyncDir(this.dir);
  }

  private async corrupt(reason: string): Promise<CheckpointLoadResult<T>> {
    const aside = `${this.file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    let where: string;
    try {
      await fsp.rename(this.file, aside);
      where = `moved to ${aside}`;
    } catch (err) {
      where = `could not be moved aside: ${(err as Error).message}`;
    }
    return { status: 'corrupt', warning: `checkpoint ${this.file} is unusable (${reason}); ${where}` };
  }

  /** Temp files left by a crash between write and rename are garbage. */
  private async removeStaleTemps(): Promise<void> {
    const prefix = `${path.basename(this.file)}.tmp-`;
    let names: string[];
    try {
      names = await fsp.readdir(this.dir);
    } catch {
      return;
    }
    for (const n of names) {
      if (n.startsWith(prefix)) await fsp.rm(path.join(this.dir, n), { force: true }).catch(() => undefined);
    }
  }
}

/** fsync a directory; some platforms (Windows) do not allow it, which is harmless there. */
export async function fsyncDir(dir: string): Promise<void> {
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(dir, 'r');
    await fh.sync();
  } catch (err) {
    const code = errCode(err);
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF' && code !== 'EACCES') throw err;
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

/** The `code` of a Node.js system error, or undefined. */
export function errCode(err: unknown): string | undefined {
  return err !== null && typeof err === 'object' && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

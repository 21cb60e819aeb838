/**
 * Which file is this? dev+inode say where it lives; a hash of its first bytes
 * tells a file apart from a later one that got the same inode (inode numbers
 * are reused right after a delete) or that was truncated and rewritten.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';

/** Identity of a file as stored in checkpoints (numbers as strings: inodes can exceed 2^53). */
export interface FileIdentity {
  dev: string;
  ino: string;
  /** How many leading bytes `headHash` covers (at most {@link HEAD_BYTES}). */
  headLength: number;
  /** sha256 (hex) of the first `headLength` bytes. */
  headHash: string;
}

/** Leading bytes hashed into an identity. */
export const HEAD_BYTES = 1024;

/** dev, inode and size of an open file. */
export async function statHandle(fh: fsp.FileHandle): Promise<{ dev: string; ino: string; size: number }> {
  const st = await fh.stat({ bigint: true });
  return { dev: String(st.dev), ino: String(st.ino), size: Number(st.size) };
}

/** dev and inode of a path, or null if it does not exist. */
export async function statPath(p: string): Promise<{ dev: string; ino: string; size: number; isFile: boolean } | null> {
  try {
    const st = await fsp.stat(p, { bigint: true });
    return { dev: String(st.dev), ino: String(st.ino), size: Number(st.size), isFile: st.isFile() };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw err;
  }
}

/** sha256 of the first `length` bytes (fewer if the file is shorter). */
export async function hashHead(fh: fsp.FileHandle, length: number): Promise<{ hash: string; length: number }> {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return { hash: createHash('sha256').update(buf.subarray(0, got)).digest('hex'), length: got };
}

/** The identity of an open file, hashing at most `upTo` leading bytes. */
export async function identify(fh: fsp.FileHandle, upTo: number = HEAD_BYTES): Promise<FileIdentity> {
  const st = await statHandle(fh);
  const head = await hashHead(fh, Math.max(0, Math.min(upTo, HEAD_BYTES, st.size)));
  return { dev: st.dev, ino: st.ino, headLength: head.length, headHash: head.hash };
}

/** True if the open file is the one `id` describes (same inode and same leading bytes). */
export async function isSameFile(fh: fsp.FileHandle, id: FileIdentity): Promise<boolean> {
  const st = await statHandle(fh);
  if (st.dev !== id.dev || st.ino !== id.ino || st.size < id.headLength) return false;
  const head = await hashHead(fh, id.headLength);
  return head.length === id.headLength && head.hash === id.headHash;
}

/**
 * Looks in `dir` for the file `id` describes, e.g. a log renamed by rotation
 * while we were stopped. Returns its path, or null.
 */
export async function findByIdentity(dir: string, id: FileIdentity): Promise<string | null> {
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return null;
  }
  for (const name of names) {
    const p = path.join(dir, name);
    let st;
    try {
      st = await statPath(p);
    } catch {
      continue;
    }
    if (!st || !st.isFile || st.dev !== id.dev || st.ino !== id.ino) continue;
    let fh: fsp.FileHandle | undefined;
    try {
      fh = await fsp.open(p, 'r');
      if (await isSameFile(fh, id)) return p;
    } catch {
      // unreadable or vanished meanwhile: not our file
    } finally {
      await fh?.close().catch(() => undefined);
    }
  }
  return null;
}

/** Shape check of a stored identity (checkpoint validation). */
export function isFileIdentity(v: unknown): v is FileIdentity {
  if (v === null || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  return (
    typeof o.dev === 'string' &&
    typeof o.ino === 'string' &&
    typeof o.headHash === 'string' &&
    typeof o.headLength === 'number' &&
    Number.isInteger(o.headLength) &&
    o.headLength >= 0 &&
    o.headLength <= HEAD_BYTES
  );
}

/**
 * VOS3000 hourly CDR file names (`YYYYMMDDHH.txt` by default) as a setting a
 * person can write: date tokens become a regular expression whose `key` group
 * sorts in time order, so "from a date" is a simple key comparison.
 */

export const VOS_FILE_PATTERN = 'YYYYMMDDHH.txt';

export class VosFilesConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VosFilesConfigError';
  }
}

const TOKENS: ReadonlyArray<[string, string]> = [
  ['YYYY', '\\d{4}'],
  ['MM', '\\d{2}'],
  ['DD', '\\d{2}'],
  ['HH', '\\d{2}'],
];

/**
 * A name pattern with the tokens YYYY, MM, DD and HH (in that order, e.g.
 * `YYYYMMDDHH.txt`, `cdr_YYYY-MM-DD_HH.log`) → an anchored RegExp whose `key`
 * groups give the sort key (see {@link vosFileKey}). A pattern without tokens is returned as
 * given (a glob, or a `/regex/`, sorted by name).
 */
export function vosFilePattern(text: string | undefined): string | RegExp {
  const p = (text ?? '').trim() || VOS_FILE_PATTERN;
  if (!p.includes('YYYY')) return p;
  if (/[/\\]/.test(p)) throw new VosFilesConfigError(`file name pattern "${p}" must be a file name, not a path`);
  let re = '';
  let i = 0;
  let next = 0;
  while (i < p.length) {
    const tok = TOKENS.findIndex(([t]) => p.startsWith(t, i));
    if (tok >= 0) {
      if (tok !== next) throw new VosFilesConfigError(`file name pattern "${p}": the tokens must come in the order YYYY, MM, DD, HH`);
      re += `(?<t${tok}>${TOKENS[tok]![1]})`;
      next++;
      i += TOKENS[tok]![0].length;
    } else {
      re += p[i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      i++;
    }
  }
  // The tokens may be apart (`YYYY-MM-DD_HH`): the sort key is built by vosFileKey.
  return new RegExp(`^${re}$`);
}

/** The sort key of a file name under {@link vosFilePattern}'s RegExp: `YYYYMMDDHH` (missing parts 00). */
export function vosFileKey(pattern: string | RegExp, name: string): string | null {
  if (!(pattern instanceof RegExp)) return name;
  const m = pattern.exec(name);
  if (!m) return null;
  const g = m.groups ?? {};
  if (g['t0'] === undefined) return name;
  return `${g['t0']}${g['t1'] ?? '01'}${g['t2'] ?? '01'}${g['t3'] ?? '00'}`;
}

/**
 * "Backfill from" (`YYYY-MM-DD`, `YYYY-MM-DD HH`, or `YYYYMMDDHH`) → the sort
 * key the first file to read must reach. Throws for anything else.
 */
export function backfillKey(text: string): string {
  const t = text.trim();
  const m = /^(\d{4})-?(\d{2})-?(\d{2})(?:[ T]?(\d{2})(?::\d{2}(?::\d{2})?)?)?$/.exec(t);
  if (!m) throw new VosFilesConfigError(`backfill date "${t}" is not YYYY-MM-DD or YYYY-MM-DD HH`);
  const [y, mo, d, h] = [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 0 : Number(m[4])];
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (mo < 1 || mo > 12 || check.getUTCDate() !== d || h > 23) throw new VosFilesConfigError(`backfill date "${t}" is not a date`);
  return `${m[1]}${m[2]}${m[3]}${String(h).padStart(2, '0')}`;
}

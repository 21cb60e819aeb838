import { CSV_TEMPLATES } from './csv-templates';
import { FsFormatError, type FsCsvRecord } from './types';

/** A template split into its literal text and its `${…}` fields, in order. */
export interface CompiledTemplate {
  /** The template text it came from. */
  source: string;
  /** Field names: the text inside `${…}`, as written (e.g. `caller_id_name`). */
  fields: string[];
  /** literals[i] precedes fields[i]; literals[fields.length] ends the line. */
  literals: string[];
}

/**
 * A template by shipped name (example, sql, snom, linksys, asterisk,
 * opencdrrate, default, fallback) or a custom template string with `${var}`
 * fields. Throws FsFormatError for an unknown name or a template that cannot
 * be read back (no fields, or two fields with nothing between them).
 */
export function compileTemplate(nameOrTemplate: string): CompiledTemplate {
  const source = CSV_TEMPLATES[nameOrTemplate] ?? nameOrTemplate;
  if (!source.includes('${')) throw new FsFormatError(`unknown CSV template "${nameOrTemplate}"`);
  const body = source.replace(/\r?\n$/, '');
  const fields: string[] = [];
  const literals: string[] = [];
  let lit = '';
  let i = 0;
  while (i < body.length) {
    if (body.startsWith('${', i)) {
      const end = closingBrace(body, i + 2);
      if (end < 0) throw new FsFormatError(`CSV template: "\${" at ${i} is never closed`);
      if (fields.length > 0 && lit === '') {
        throw new FsFormatError(`CSV template: fields ${fields[fields.length - 1]} and ${body.slice(i + 2, end)} have no separator between them`);
      }
      literals.push(lit);
      fields.push(body.slice(i + 2, end));
      lit = '';
      i = end + 1;
    } else {
      lit += body[i];
      i++;
    }
  }
  literals.push(lit);
  return { source, fields, literals };
}

/** Index of the `}` closing a `${`, allowing nested `${…}` (e.g. opencdrrate's regex field). */
function closingBrace(s: string, from: number): number {
  let depth = 1;
  for (let i = from; i < s.length; i++) {
    if (s[i] === '{') depth++;
    else if (s[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

/**
 * One Master.csv line → record, by the template that wrote it. mod_cdr_csv
 * does not escape quotes inside values, so fields are found by the template's
 * own separators (`","`), not by CSV quoting: `"Bob "the boss"","1001"` reads
 * as `Bob "the boss"` and `1001`. Throws FsFormatError when the line does not
 * fit the template (wrong start or end, missing or extra fields).
 */
export function parseCsvLine(line: string, template: CompiledTemplate): FsCsvRecord {
  const text = line.replace(/\r?\n$/, '').replace(/\r$/, '');
  const { fields, literals } = template;
  const head = literals[0]!;
  const tail = literals[fields.length]!;
  if (!text.startsWith(head)) throw new FsFormatError(`CSV line does not start like the template (expected ${JSON.stringify(head)})`);
  const tailAt = text.length - tail.length;
  if (tailAt < head.length || !text.endsWith(tail)) {
    throw new FsFormatError(`CSV line does not end like the template (expected ${JSON.stringify(tail)})`);
  }
  const record: FsCsvRecord = {};
  let at = head.length;
  for (let f = 0; f < fields.length - 1; f++) {
    const sep = literals[f + 1]!;
    const next = text.indexOf(sep, at);
    if (next < 0 || next > tailAt) {
      throw new FsFormatError(`CSV line has ${f + 1} of the template's ${fields.length} fields`);
    }
    record[fields[f]!] = text.slice(at, next);
    at = next + sep.length;
  }
  const last = text.slice(at, tailAt);
  const lastSep = literals[fields.length - 1]!;
  if (fields.length > 1 && lastSep.length > 1 && last.includes(lastSep)) {
    throw new FsFormatError(`CSV line has more fields than the template's ${fields.length}`);
  }
  record[fields[fields.length - 1]!] = last;
  return record;
}

/** Convenience: a whole file's text → records and per-line errors (blank lines skipped). */
export function parseCsvText(text: string, template: CompiledTemplate): { records: FsCsvRecord[]; errors: { line: number; text: string; error: FsFormatError }[] } {
  const records: FsCsvRecord[] = [];
  const errors: { line: number; text: string; error: FsFormatError }[] = [];
  text.split('\n').forEach((l, i) => {
    if (l.trim() === '') return;
    try {
      records.push(parseCsvLine(l, template));
    } catch (err) {
      errors.push({ line: i + 1, text: l, error: err as FsFormatError });
    }
  });
  return { records, errors };
}

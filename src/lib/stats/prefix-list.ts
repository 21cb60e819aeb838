import { normalizeNumber } from '../cdr/rating';

/**
 * A list of number prefixes with longest-prefix match: the destination key of
 * cdr-stats and the watch list of cdr-alert. One prefix per line, optionally
 * followed by `,` / `;` / tab and a description, so a rate table pasted as it is
 * works too; a header line, blank lines and `#` comments are skipped.
 */
export class PrefixList {
  private readonly names = new Map<string, string>();
  private longest = 0;

  constructor(entries: Iterable<[string, string]>) {
    for (const [p, d] of entries) {
      this.names.set(p, d);
      if (p.length > this.longest) this.longest = p.length;
    }
  }

  get size(): number {
    return this.names.size;
  }

  /** The longest listed prefix of `number`, or undefined. */
  match(number: string, internationalPrefix = '00'): { prefix: string; description: string } | undefined {
    const digits = normalizeNumber(number, internationalPrefix);
    if (digits === null) return undefined;
    for (let len = Math.min(this.longest, digits.length); len > 0; len--) {
      const p = digits.slice(0, len);
      const d = this.names.get(p);
      if (d !== undefined) return { prefix: p, description: d };
    }
    return undefined;
  }
}

/** Parses the list; throws naming the line for a cell that is not a number prefix. */
export function parsePrefixList(text: string, internationalPrefix = '00'): PrefixList {
  const entries: Array<[string, string]> = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const cells = line.split(/[,;\t]/).map((c) => c.trim().replace(/^"|"$/g, ''));
    const first = cells[0] ?? '';
    if (entries.length === 0 && /^[A-Za-z]/.test(first)) return; // a header line
    const p = normalizeNumber(first, internationalPrefix);
    if (p === null) throw new Error(`prefix list line ${i + 1}: "${first}" is not a number prefix`);
    entries.push([p, cells[1] ?? '']);
  });
  return new PrefixList(entries);
}

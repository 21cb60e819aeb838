/**
 * File-name patterns for directory sources: a glob (`*.cdr.xml`, `??????????.txt`,
 * `{a_,}*.cdr.{xml,json}`) or a regular expression, plus the sort key of a name.
 */

/** A compiled pattern: which names match, and how they sort. */
export interface NamePattern {
  /** True if the file name (no directory part) matches. */
  matches(name: string): boolean;
  /**
   * Sort key of a matching name, compared as a string: the regex group named
   * `key`, else its first group, else the whole name. Null if the name does not match.
   */
  key(name: string): string | null;
  /** The pattern as given, for messages. */
  readonly source: string;
}

/**
 * Compiles a pattern. A RegExp is used as is; a string of the form `/…/flags`
 * is a regular expression; any other string is a glob where `*` matches any
 * characters, `?` one character, `[…]` a class and `{a,b}` alternatives (none
 * of them match `/`).
 */
export function compileNamePattern(pattern: string | RegExp, sortKey?: (name: string) => string | null): NamePattern {
  const re = toRegExp(pattern);
  const source = typeof pattern === 'string' ? pattern : String(pattern);
  const matches = (name: string): boolean => {
    re.lastIndex = 0;
    return re.test(name);
  };
  const key = (name: string): string | null => {
    re.lastIndex = 0;
    const m = re.exec(name);
    if (!m) return null;
    if (sortKey) return sortKey(name);
    if (m.groups && typeof m.groups.key === 'string') return m.groups.key;
    if (m.length > 1 && typeof m[1] === 'string') return m[1];
    return name;
  };
  return { matches, key, source };
}

function toRegExp(pattern: string | RegExp): RegExp {
  if (pattern instanceof RegExp) return pattern;
  if (typeof pattern !== 'string' || pattern === '') throw new TypeError('file name pattern must be a non-empty string or a RegExp');
  const lit = /^\/(.+)\/([a-z]*)$/.exec(pattern);
  if (lit) {
    try {
      return new RegExp(lit[1]!, lit[2]!.replace(/[gy]/g, ''));
    } catch (err) {
      throw new TypeError(`invalid regular expression ${pattern}: ${(err as Error).message}`);
    }
  }
  return globToRegExp(pattern);
}

/** Translates a glob on file names to an anchored regular expression. */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  let inBraces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close === -1) {
        out += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, close);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      out += `[${negate ? '^/' : ''}${body.replace(/[\\\]]/g, '\\$&')}]`;
      i = close;
    } else if (c === '{') {
      inBraces++;
      out += '(?:';
    } else if (c === '}' && inBraces > 0) {
      inBraces--;
      out += ')';
    } else if (c === ',' && inBraces > 0) out += '|';
    else if (c === '\\' && i + 1 < glob.length) {
      out += escapeRe(glob[++i]!);
    } else out += escapeRe(c);
  }
  if (inBraces > 0) throw new TypeError(`unbalanced { in file name pattern ${glob}`);
  return new RegExp(`^${out}$`);
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Orders two names by key, then by name. */
export function compareKeyed(a: { key: string; name: string }, b: { key: string; name: string }): number {
  if (a.key !== b.key) return a.key < b.key ? -1 : 1;
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return 0;
}

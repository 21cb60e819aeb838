/**
 * Raise once, clear once. A rule says, for one key at one moment, whether the
 * condition is *bad* (past the raise level) or *good* (back past the clear
 * level); in between nothing changes (hysteresis). An alert raised stays up at
 * least `minHoldMs`, so a flapping figure gives one alert, not one per record.
 */
export interface Observation {
  rule: string;
  key: string;
  bad: boolean;
  good: boolean;
  figures: Record<string, unknown>;
  window?: Record<string, unknown> | undefined;
  /** Ids of the Cdrs behind the figures, newest last. */
  causes?: readonly string[];
}

export interface AlertMessage {
  state: 'raised' | 'cleared';
  rule: string;
  key: string;
  figures: Record<string, unknown>;
  window: Record<string, unknown> | null;
  causes: string[];
  raisedAt: string;
  clearedAt?: string;
}

interface Active {
  rule: string;
  key: string;
  raisedAt: number;
  figures: Record<string, unknown>;
  window: Record<string, unknown> | null;
  causes: string[];
}

export interface AlertBookOptions {
  minHoldMs: number;
  maxCauses: number;
}

export class AlertBook {
  private readonly active = new Map<string, Active>();

  constructor(private readonly opts: AlertBookOptions) {}

  /** The alert or clear this observation makes, or null when nothing changes. */
  observe(o: Observation, now: number): AlertMessage | null {
    const id = `${o.rule}\u0000${o.key}`;
    const a = this.active.get(id);
    if (a === undefined) {
      if (!o.bad) return null;
      const raised: Active = { rule: o.rule, key: o.key, raisedAt: now, figures: o.figures, window: o.window ?? null, causes: this.keep([], o.causes) };
      this.active.set(id, raised);
      return this.message(raised, 'raised');
    }
    if (o.bad) {
      // Still bad: the alert stays, and later causes are kept (up to the cap) for the clear.
      a.causes = this.keep(a.causes, o.causes);
      return null;
    }
    if (!o.good || now - a.raisedAt < this.opts.minHoldMs) return null;
    this.active.delete(id);
    const cleared = this.message({ ...a, figures: o.figures, window: o.window ?? a.window }, 'cleared');
    cleared.clearedAt = new Date(now).toISOString();
    return cleared;
  }

  /** The alerts up now, oldest first. */
  list(): AlertMessage[] {
    return [...this.active.values()].map((a) => this.message(a, 'raised'));
  }

  isActive(rule: string, key: string): boolean {
    return this.active.has(`${rule}\u0000${key}`);
  }

  get size(): number {
    return this.active.size;
  }

  clearAll(): void {
    this.active.clear();
  }

  snapshot(): Active[] {
    return [...this.active.values()];
  }

  restore(s: unknown): void {
    if (!Array.isArray(s)) return;
    for (const a of s as Active[]) if (a && typeof a.rule === 'string' && typeof a.key === 'string') this.active.set(`${a.rule}\u0000${a.key}`, a);
  }

  private keep(into: string[], more: readonly string[] | undefined): string[] {
    if (!more) return into;
    const set = new Set(into);
    for (const id of more) if (!set.has(id)) into.push(id), set.add(id);
    return into.length > this.opts.maxCauses ? into.slice(0, this.opts.maxCauses) : into;
  }

  private message(a: Active, state: 'raised' | 'cleared'): AlertMessage {
    return { state, rule: a.rule, key: a.key, figures: a.figures, window: a.window, causes: [...a.causes], raisedAt: new Date(a.raisedAt).toISOString() };
  }
}

/**
 * Who holds a listener's connection slots, and who yields when they are full.
 * A listener never turns a new sender away for lack of room: the connection
 * that has been useless longest makes room — first one that never delivered a
 * record (oldest first), else the one whose last record is oldest. A sender at
 * its per-address share makes room among its own connections, so one address
 * cannot push the others out.
 */

export interface PooledConnection {
  readonly address: string;
  readonly acceptedAt: number;
  /** When the last complete record arrived; null = none yet. */
  lastFrameAt: number | null;
}

export interface PoolLimits {
  maxConnections: number;
  /** Connections one address may hold; 0 = half the limit (at least 1). */
  maxPerAddress: number;
}

export function perAddressLimit(limits: PoolLimits): number {
  return limits.maxPerAddress > 0 ? Math.min(limits.maxPerAddress, limits.maxConnections) : Math.max(1, Math.ceil(limits.maxConnections / 2));
}

/** True when `a` should yield before `b`. */
function yieldsBefore(a: PooledConnection, b: PooledConnection): boolean {
  if ((a.lastFrameAt === null) !== (b.lastFrameAt === null)) return a.lastFrameAt === null;
  if (a.lastFrameAt === null || b.lastFrameAt === null) return a.acceptedAt < b.acceptedAt;
  return a.lastFrameAt < b.lastFrameAt;
}

export class ConnectionPool<C extends PooledConnection> {
  private readonly all = new Set<C>();
  private readonly perAddress = new Map<string, Set<C>>();

  constructor(private readonly limits: PoolLimits) {}

  get size(): number {
    return this.all.size;
  }

  values(): IterableIterator<C> {
    return this.all.values();
  }

  countOf(address: string): number {
    return this.perAddress.get(address)?.size ?? 0;
  }

  /** The connection that must yield before one more from `address` may enter; null when there is room. */
  victimFor(address: string): C | null {
    const own = this.perAddress.get(address);
    if (own && own.size >= perAddressLimit(this.limits)) return this.pick(own);
    if (this.all.size >= this.limits.maxConnections) return this.pick(this.all);
    return null;
  }

  add(c: C): void {
    this.all.add(c);
    let set = this.perAddress.get(c.address);
    if (!set) this.perAddress.set(c.address, (set = new Set()));
    set.add(c);
  }

  delete(c: C): void {
    if (!this.all.delete(c)) return;
    const set = this.perAddress.get(c.address);
    set?.delete(c);
    if (set && set.size === 0) this.perAddress.delete(c.address);
  }

  private pick(from: Iterable<C>): C | null {
    let victim: C | null = null;
    for (const c of from) if (!victim || yieldsBefore(c, victim)) victim = c;
    return victim;
  }
}

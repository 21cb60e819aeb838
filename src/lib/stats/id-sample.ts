/**
 * The ids of the last few Cdrs of a bucket, so an alert on a report can name
 * the calls behind it. A ring: the n-th id pushed goes to slot n % cap, so a
 * record costs one array write and nothing is shifted. `n` (ids pushed so far)
 * is kept beside the ring and tells where the oldest one is.
 */
export function pushId(ring: string[], n: number, cap: number, id: string): void {
  ring[n % cap] = id;
}

/** The ids of a ring oldest first. */
export function orderedIds(ring: readonly string[], n: number): string[] {
  if (n <= ring.length) return ring.slice(0, n);
  const at = n % ring.length;
  return ring.slice(at).concat(ring.slice(0, at));
}

/** The last `cap` ids of several rings taken one after the other (buckets oldest first), oldest first. */
export function lastIds(rings: ReadonlyArray<{ ring: readonly string[]; n: number }>, cap: number): string[] {
  const out: string[] = [];
  for (let i = rings.length - 1; i >= 0 && out.length < cap; i--) {
    const ids = orderedIds(rings[i]!.ring, rings[i]!.n);
    for (let j = ids.length - 1; j >= 0 && out.length < cap; j--) out.push(ids[j]!);
  }
  return out.reverse();
}

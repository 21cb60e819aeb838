/**
 * A Map with a cap: setting a new key beyond it forgets the least recently
 * used one (get and set both count as use). Keeps rule state bounded however
 * many callers or accounts a flood brings.
 */
export class LruMap<V> {
  private readonly map = new Map<string, V>();
  evicted = 0;

  constructor(private readonly cap: number) {}

  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: string, value: V): void {
    this.map.delete(key);
    if (this.map.size >= this.cap) {
      this.map.delete(this.map.keys().next().value as string);
      this.evicted++;
    }
    this.map.set(key, value);
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  entries(): IterableIterator<[string, V]> {
    return this.map.entries();
  }

  get size(): number {
    return this.map.size;
  }
}

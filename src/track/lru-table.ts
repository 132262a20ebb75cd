/**
 * A bounded table of per-key state, least recently used first out, with idle
 * expiry in packet time. Built on Map's insertion order: touching an entry is
 * delete + set, so the oldest entry is always the first one.
 *
 * Values are caller-owned objects carrying their own `key` and `lastSeen`
 * (packet time, seconds); removed values are handed to `onRemove`, so the
 * caller can end what depends on them and recycle the object (no allocation
 * per new key once the table is full).
 *
 * Expiry walks from the oldest end and stops at the first entry that is still
 * fresh: each entry is looked at once when it expires, so the cost is
 * amortised. `expire()` is meant to be called about once per second of packet
 * time, not per packet.
 */
export interface LruEntry {
  key: number;
  lastSeen: number;
}

export type RemoveReason = 'evicted' | 'expired';

export interface LruOptions<V extends LruEntry> {
  maxEntries: number;
  /** Seconds of packet time without a touch after which an entry expires; 0 = never. */
  idleTimeout: number;
  /** Called after the entry left the table. */
  onRemove?: (value: V, reason: RemoveReason) => void;
  /**
   * Entries for which this returns true are skipped (moved to the newest end)
   * when room is needed, at most `maxProtectedSkips` per insertion, as snort
   * keeps trackers still inside their window. Expiry ignores it.
   */
  protect?: (value: V) => boolean;
  maxProtectedSkips?: number;
}

export class LruTable<V extends LruEntry> {
  private readonly map = new Map<number, V>();
  /** Entries removed to make room (sum). */
  evictions = 0;
  /** Entries removed after idling past the timeout (sum). */
  expired = 0;
  /** Largest size reached (max). */
  highWater = 0;

  constructor(private readonly o: LruOptions<V>) {
    if (!(o.maxEntries >= 1)) throw new RangeError('LruTable: maxEntries must be at least 1');
  }

  /** Entries now (gauge). */
  get size(): number {
    return this.map.size;
  }

  get maxEntries(): number {
    return this.o.maxEntries;
  }

  /** Look up without touching. */
  peek(key: number): V | undefined {
    return this.map.get(key);
  }

  /** Look up and mark as used at `now`. */
  get(key: number, now: number): V | undefined {
    const m = this.map;
    const v = m.get(key);
    if (v === undefined) return undefined;
    m.delete(key);
    m.set(key, v);
    if (now > v.lastSeen) v.lastSeen = now;
    return v;
  }

  /**
   * Add a value under `value.key` (which must not be present), evicting the
   * least recently used entry first when the table is full.
   */
  insert(value: V, now: number): V {
    const m = this.map;
    if (m.size >= this.o.maxEntries) this.evictOne();
    value.lastSeen = now;
    m.set(value.key, value);
    if (m.size > this.highWater) this.highWater = m.size;
    return value;
  }

  /** Remove one key; not counted as eviction or expiry, onRemove not called. */
  delete(key: number): boolean {
    return this.map.delete(key);
  }

  /** Expire entries idle for longer than the timeout at `now`; returns how many. */
  expire(now: number): number {
    const idle = this.o.idleTimeout;
    if (idle <= 0 || this.map.size === 0) return 0;
    const limit = now - idle;
    let n = 0;
    for (const v of this.map.values()) {
      if (v.lastSeen > limit) break;
      this.map.delete(v.key);
      this.expired++;
      n++;
      this.o.onRemove?.(v, 'expired');
    }
    return n;
  }

  /** Every value, oldest first. Do not insert or delete while iterating. */
  values(): IterableIterator<V> {
    return this.map.values();
  }

  /** Remove everything, calling onRemove for each value (end of input). */
  drain(reason: RemoveReason): void {
    const all = [...this.map.values()];
    this.map.clear();
    for (const v of all) this.o.onRemove?.(v, reason);
  }

  private evictOne(): void {
    const m = this.map;
    const protect = this.o.protect;
    let skips = protect ? (this.o.maxProtectedSkips ?? 8) : 0;
    for (;;) {
      const it = m.values().next();
      if (it.done) return;
      const v = it.value;
      m.delete(v.key);
      if (skips > 0 && protect!(v)) {
        skips--;
        m.set(v.key, v); // to the newest end, lastSeen unchanged
        continue;
      }
      this.evictions++;
      this.o.onRemove?.(v, 'evicted');
      return;
    }
  }
}

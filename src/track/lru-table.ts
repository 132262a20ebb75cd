import { NumberMap } from './number-map.js';

/**
 * A bounded table of per-key state, least recently used first out, with idle
 * expiry in packet time: a typed-array hash index (track/number-map.ts) for
 * lookup plus an intrusive doubly linked list in use order (the entries carry
 * their own links). Touching an entry relinks it at the newest end: O(1).
 * Measured on a spoofed-source flood, the first version (Map insertion order,
 * touch = delete + set) spent 35% of its time skipping the holes V8 leaves in
 * a churning Map to find the oldest entry.
 *
 * Values are caller-owned objects carrying `key`, `lastSeen` (packet time,
 * seconds) and the two links; removed values are handed to `onRemove`, so the
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
  lruPrev: LruEntry | null;
  lruNext: LruEntry | null;
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
  /** key -> slot in `slots`. */
  private readonly index: NumberMap;
  private readonly slots: (V | null)[] = [];
  private readonly free: number[] = [];
  /** Oldest and newest entries. */
  private head: V | null = null;
  private tail: V | null = null;
  /** Entries removed to make room (sum). */
  evictions = 0;
  /** Entries removed after idling past the timeout (sum). */
  expired = 0;
  /** Largest size reached (max). */
  highWater = 0;

  constructor(private readonly o: LruOptions<V>) {
    if (!(o.maxEntries >= 1)) throw new RangeError('LruTable: maxEntries must be at least 1');
    this.index = new NumberMap(o.maxEntries);
  }

  /** Entries now (gauge). */
  get size(): number {
    return this.index.size;
  }

  get maxEntries(): number {
    return this.o.maxEntries;
  }

  /** Look up without touching. */
  peek(key: number): V | undefined {
    const slot = this.index.get(key);
    return slot < 0 ? undefined : (this.slots[slot] as V);
  }

  /** Look up and mark as used at `now`. */
  get(key: number, now: number): V | undefined {
    const slot = this.index.get(key);
    if (slot < 0) return undefined;
    const v = this.slots[slot] as V;
    if (v !== this.tail) {
      this.unlink(v);
      this.link(v);
    }
    if (now > v.lastSeen) v.lastSeen = now;
    return v;
  }

  /**
   * Add a value under `value.key` (which must not be present), evicting the
   * least recently used entry first when the table is full.
   */
  insert(value: V, now: number): V {
    if (this.index.size >= this.o.maxEntries) this.evictOne();
    value.lastSeen = now;
    const slot = this.free.length > 0 ? this.free.pop()! : this.slots.length;
    if (slot === this.slots.length) this.slots.push(value);
    else this.slots[slot] = value;
    this.index.set(value.key, slot);
    this.link(value);
    if (this.index.size > this.highWater) this.highWater = this.index.size;
    return value;
  }

  /** Remove one key; not counted as eviction or expiry, onRemove not called. */
  delete(key: number): boolean {
    const v = this.peek(key);
    if (v === undefined) return false;
    this.remove(v);
    return true;
  }

  private remove(v: V): void {
    const slot = this.index.get(v.key);
    this.index.delete(v.key);
    this.slots[slot] = null;
    this.free.push(slot);
    this.unlink(v);
  }

  /** Expire entries idle for longer than the timeout at `now`; returns how many. */
  expire(now: number): number {
    const idle = this.o.idleTimeout;
    if (idle <= 0) return 0;
    const limit = now - idle;
    let n = 0;
    let v = this.head;
    while (v !== null && v.lastSeen <= limit) {
      this.remove(v);
      this.expired++;
      n++;
      this.o.onRemove?.(v, 'expired');
      v = this.head;
    }
    return n;
  }

  /** Every value, oldest first. Do not insert or delete while iterating. */
  *values(): IterableIterator<V> {
    for (let v = this.head; v !== null; v = v.lruNext as V | null) yield v;
  }

  /** Remove everything, calling onRemove for each value (end of input). */
  drain(reason: RemoveReason): void {
    const all = [...this.values()];
    for (const v of all) {
      this.remove(v);
      this.o.onRemove?.(v, reason);
    }
  }

  private evictOne(): void {
    const protect = this.o.protect;
    let skips = protect ? (this.o.maxProtectedSkips ?? 8) : 0;
    for (;;) {
      const v = this.head;
      if (v === null) return;
      if (skips > 0 && v !== this.tail && protect!(v)) {
        skips--;
        this.unlink(v);
        this.link(v); // to the newest end, lastSeen unchanged
        continue;
      }
      this.remove(v);
      this.evictions++;
      this.o.onRemove?.(v, 'evicted');
      return;
    }
  }

  private link(v: V): void {
    v.lruPrev = this.tail;
    v.lruNext = null;
    if (this.tail !== null) this.tail.lruNext = v;
    else this.head = v;
    this.tail = v;
  }

  private unlink(v: V): void {
    const p = v.lruPrev as V | null;
    const n = v.lruNext as V | null;
    if (p !== null) p.lruNext = n;
    else this.head = n;
    if (n !== null) n.lruPrev = p;
    else this.tail = p;
    v.lruPrev = v.lruNext = null;
  }
}

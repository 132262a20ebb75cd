import { hash32 } from './hash.js';

/**
 * Integer key (0 <= key < 2^53) -> count, open addressing with linear probing
 * in two typed arrays that double when half full; the owner bounds the keys
 * (a cap it checks against `size`). It replaces the Map and Set a source's
 * concentration maps and distinct counters spilled into (issue 9): on the
 * realistic mix, 2,000 clients each holding a few hundred host keys, their
 * growing hash tables were what the garbage collector copied and marked, and
 * `Map.get`/`set` per probe was the concentration's cost. Typed-array
 * contents are never scanned by the collector, a key above 2^31 is never
 * boxed, and `clear` keeps the arrays for the pooled owner.
 *
 * Slots are seeded hashes (track/hash.ts hash32): no one can aim keys at one
 * probe run. No deletion (owners only add, then clear everything).
 */
export class CountTable {
  /** key + 1 per slot; 0 = empty. */
  private keys: Float64Array;
  private counts: Int32Array;
  private mask: number;
  size = 0;

  constructor(initialSlots = 32) {
    let n = 16;
    while (n < initialSlots) n *= 2;
    this.keys = new Float64Array(n);
    this.counts = new Int32Array(n);
    this.mask = n - 1;
  }

  /** Slot holding `key`, or -1 - (the empty slot where it would go). */
  private find(key: number): number {
    const k = key + 1;
    const keys = this.keys;
    const mask = this.mask;
    let i = hash32(key) & mask;
    for (;;) {
      const s = keys[i];
      if (s === k) return i;
      if (s === 0) return -1 - i;
      i = (i + 1) & mask;
    }
  }

  has(key: number): boolean {
    return this.find(key) >= 0;
  }

  /** The count of `key`, 0 when absent. */
  get(key: number): number {
    const i = this.find(key);
    return i >= 0 ? this.counts[i] : 0;
  }

  /** Add `n` to `key`'s count if present: the new count; else 0 (nothing added). */
  bumpExisting(key: number, n: number): number {
    const i = this.find(key);
    return i >= 0 ? (this.counts[i] += n) : 0;
  }

  /** Insert `key` (the caller checked it is absent) with count `n`. */
  insert(key: number, n: number): void {
    if (2 * (this.size + 1) > this.keys.length) this.grow();
    const i = -1 - this.find(key);
    this.keys[i] = key + 1;
    this.counts[i] = n;
    this.size++;
  }

  /** Call `f` with every key (any order). */
  forEachKey(f: (key: number) => void): void {
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== 0) f(keys[i] - 1);
  }

  clear(): void {
    if (this.size === 0) return;
    this.keys.fill(0);
    this.size = 0;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldCounts = this.counts;
    const n = oldKeys.length * 2;
    this.keys = new Float64Array(n);
    this.counts = new Int32Array(n);
    this.mask = n - 1;
    for (let j = 0; j < oldKeys.length; j++) {
      const k = oldKeys[j];
      if (k === 0) continue;
      const i = -1 - this.find(k - 1);
      this.keys[i] = k;
      this.counts[i] = oldCounts[j];
    }
  }
}

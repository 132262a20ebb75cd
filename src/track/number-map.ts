/**
 * A fixed-capacity hash map from integer keys (0 <= key < 2^53) to doubles,
 * open addressing with linear probing on typed arrays, deletion by backward
 * shift (no tombstones). No allocation after construction: unlike a Map, a
 * key above 2^31 is never boxed, and churn (delete the oldest, insert a new
 * one, as bounded tables do all day) leaves no holes to skip.
 *
 * Capacity is fixed: the table has at least twice as many slots as
 * `capacity`, and `set` beyond `capacity` keys is the caller's bug (checked).
 */
const TWO32 = 0x100000000;

export class NumberMap {
  /** key + 1 per slot; 0 = empty. */
  private readonly keys: Float64Array;
  private readonly vals: Float64Array;
  private readonly shift: number;
  private readonly mask: number;
  size = 0;
  /** Value of the key removed by the latest successful `delete`. */
  deletedValue = 0;

  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new RangeError('NumberMap: capacity must be at least 1');
    let bits = 3;
    while (1 << bits < 2 * capacity) bits++;
    if (bits > 30) throw new RangeError('NumberMap: capacity too large');
    this.keys = new Float64Array(1 << bits);
    this.vals = new Float64Array(1 << bits);
    this.shift = 32 - bits;
    this.mask = (1 << bits) - 1;
  }

  /** Home slot: Fibonacci hashing of both words, so sequential addresses spread. */
  private home(key: number): number {
    const lo = key >>> 0;
    const hi = Math.floor(key / TWO32) >>> 0;
    return Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> this.shift;
  }

  private find(key: number): number {
    const k = key + 1;
    const keys = this.keys;
    let i = this.home(key);
    for (;;) {
      const s = keys[i];
      if (s === k) return i;
      if (s === 0) return -1 - i; // not found: -1 - first empty slot
      i = (i + 1) & this.mask;
    }
  }

  has(key: number): boolean {
    return this.find(key) >= 0;
  }

  /** The value, or `missing` when absent. */
  get(key: number, missing = -1): number {
    const i = this.find(key);
    return i >= 0 ? this.vals[i] : missing;
  }

  set(key: number, value: number): void {
    const i = this.find(key);
    if (i >= 0) {
      this.vals[i] = value;
      return;
    }
    if (this.size >= this.capacity) throw new RangeError('NumberMap: full');
    const e = -1 - i;
    this.keys[e] = key + 1;
    this.vals[e] = value;
    this.size++;
  }

  delete(key: number): boolean {
    let i = this.find(key);
    if (i < 0) return false;
    const keys = this.keys;
    const vals = this.vals;
    this.deletedValue = vals[i];
    const mask = this.mask;
    // Backward shift: pull later entries of the probe run into the hole when
    // their home slot is not between the hole and them.
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const s = keys[j];
      if (s === 0) break;
      const h = this.home(s - 1);
      const between = i <= j ? h > i && h <= j : h > i || h <= j;
      if (!between) {
        keys[i] = s;
        vals[i] = vals[j];
        i = j;
      }
    }
    keys[i] = 0;
    this.size--;
    return true;
  }

  clear(): void {
    if (this.size === 0) return;
    this.keys.fill(0);
    this.size = 0;
  }
}

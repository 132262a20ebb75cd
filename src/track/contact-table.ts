/**
 * Bounded map of first contacts: 52-bit key -> 24 bits of state flags, plus
 * the packet second the contact was created. First in, first out: a ring of
 * keys in insertion order lets the oldest be evicted (table full) or expired
 * (older than `ttl`) without allocating. Updating an entry keeps its place.
 *
 * The value is stored as `created * 2^24 + flags` in one double (created is
 * whole seconds, so it stays below 2^53 for any real timestamp).
 */
const FLAG_SPACE = 0x1000000;

export class ContactTable {
  private readonly map = new Map<number, number>();
  private readonly ring: Float64Array;
  private head = 0;
  /** Contacts removed to make room (sum). */
  evictions = 0;
  /** Contacts removed when older than the ttl (sum). */
  expired = 0;

  constructor(
    readonly maxEntries: number,
    /** Seconds after creation a contact is forgotten; 0 = never. */
    readonly ttl: number,
  ) {
    if (!(maxEntries >= 1)) throw new RangeError('ContactTable: maxEntries must be at least 1');
    this.ring = new Float64Array(maxEntries);
  }

  get size(): number {
    return this.map.size;
  }

  /** Flags of a contact, or -1 when absent. */
  get(key: number): number {
    const v = this.map.get(key);
    return v === undefined ? -1 : v % FLAG_SPACE;
  }

  /** Set the flags of a contact, creating it at `now` when absent. */
  set(key: number, flags: number, now: number): void {
    const m = this.map;
    const v = m.get(key);
    if (v !== undefined) {
      m.set(key, v - (v % FLAG_SPACE) + flags);
      return;
    }
    if (m.size >= this.maxEntries) {
      this.removeOldest();
      this.evictions++;
    }
    let tail = this.head + m.size;
    if (tail >= this.maxEntries) tail -= this.maxEntries;
    this.ring[tail] = key;
    m.set(key, Math.floor(now) * FLAG_SPACE + flags);
  }

  /** Forget contacts created more than `ttl` seconds before `now`. */
  expire(now: number): number {
    if (this.ttl <= 0) return 0;
    const limit = Math.floor(now - this.ttl);
    let n = 0;
    while (this.map.size > 0) {
      const v = this.map.get(this.ring[this.head])!;
      if (Math.floor(v / FLAG_SPACE) > limit) break;
      this.removeOldest();
      this.expired++;
      n++;
    }
    return n;
  }

  private removeOldest(): void {
    this.map.delete(this.ring[this.head]);
    this.head = this.head + 1 === this.maxEntries ? 0 : this.head + 1;
  }
}

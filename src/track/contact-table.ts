import { NumberMap } from './number-map.js';

/**
 * Bounded map of first contacts: 52-bit key -> 24 bits of state flags, plus
 * the packet second the contact was created. First in, first out: a ring of
 * keys in insertion order lets the oldest be evicted (table full) or expired
 * (older than `ttl`) without allocating. Updating an entry keeps its place.
 *
 * The value is stored as `(created - base) * 2^24 + flags` in one double:
 * seconds since a base set one year before the first contact, clamped to 29
 * bits (17 years), so the value stays below 2^53.
 */
const FLAG_SPACE = 0x1000000;
const MAX_OFFSET = 0x1fffffff;
const BASE_SLACK = 365 * 86400;

export class ContactTable {
  private readonly map: NumberMap;
  private readonly ring: Float64Array;
  private head = 0;
  /** Packet second that offset 0 stands for; set by the first contact. */
  private base = NaN;
  /** Contacts removed to make room (sum). */
  evictions = 0;
  /** Contacts removed when older than the ttl (sum). */
  expired = 0;

  constructor(
    readonly maxEntries: number,
    /** Seconds after creation a contact is forgotten; 0 = never. */
    readonly ttl: number,
    /** Called with the flags of each contact evicted or expired (the owner keeps gauges right). */
    private readonly onDrop?: (flags: number) => void,
  ) {
    if (!(maxEntries >= 1)) throw new RangeError('ContactTable: maxEntries must be at least 1');
    this.ring = new Float64Array(maxEntries);
    this.map = new NumberMap(maxEntries);
  }

  get size(): number {
    return this.map.size;
  }

  /** Creation second of the contact found by the latest successful `get`. */
  lastCreated = 0;

  /** Flags of a contact, or -1 when absent (sets `lastCreated`). */
  get(key: number): number {
    const v = this.map.get(key);
    if (v < 0) return -1;
    const flags = v % FLAG_SPACE;
    this.lastCreated = this.base + (v - flags) / FLAG_SPACE;
    return flags;
  }

  /**
   * Set the flags of a contact, creating it at `now` when absent. `renew`
   * restamps an existing contact as created now (its place in the eviction
   * order stays: it may then outlive the ttl by up to one ttl).
   */
  set(key: number, flags: number, now: number, renew = false): void {
    const m = this.map;
    const v = m.get(key);
    if (v >= 0) {
      m.set(key, (renew ? this.offset(now) * FLAG_SPACE : v - (v % FLAG_SPACE)) + flags);
      return;
    }
    if (m.size >= this.maxEntries) {
      this.removeOldest();
      this.evictions++;
    }
    let tail = this.head + m.size;
    if (tail >= this.maxEntries) tail -= this.maxEntries;
    this.ring[tail] = key;
    m.set(key, this.offset(now) * FLAG_SPACE + flags);
  }

  private offset(now: number): number {
    if (Number.isNaN(this.base)) this.base = Math.floor(now) - BASE_SLACK;
    const o = Math.floor(now) - this.base;
    return o < 0 ? 0 : o > MAX_OFFSET ? MAX_OFFSET : o;
  }

  /** Forget contacts created more than `ttl` seconds before `now`. */
  expire(now: number): number {
    if (this.ttl <= 0) return 0;
    const limit = Math.floor(now - this.ttl) - this.base;
    let n = 0;
    while (this.map.size > 0) {
      const v = this.map.get(this.ring[this.head]);
      if (Math.floor(v / FLAG_SPACE) > limit) break;
      this.removeOldest();
      this.expired++;
      n++;
    }
    return n;
  }

  private removeOldest(): void {
    if (this.map.delete(this.ring[this.head]) && this.onDrop !== undefined) this.onDrop(this.map.deletedValue % FLAG_SPACE);
    this.head = this.head + 1 === this.maxEntries ? 0 : this.head + 1;
  }
}

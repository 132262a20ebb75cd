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
  /** Owner slot of each ring entry (with `owners`): who created the contact. */
  private readonly ringOwner: Int32Array;
  /**
   * Contacts held per owner slot (the tracker's: the prober's admission slot),
   * or an empty array when the table has no owners. A slot at 0 means no
   * contact of any prober hashing there is in the table: the tracker skips
   * the 52-bit hash and the probe into this table (issue 9: most packets of
   * a spoofed flood or of backscatter come from sources with no contact).
   */
  readonly held: Int32Array;
  private readonly ownerMask: number;
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
    /** Owner slots (a power of two, 0 = none): `set` takes the creator's slot, `held` counts per slot. */
    owners = 0,
  ) {
    if (!(maxEntries >= 1)) throw new RangeError('ContactTable: maxEntries must be at least 1');
    if (owners !== 0 && (owners & (owners - 1)) !== 0) throw new RangeError('ContactTable: owners must be a power of two');
    this.ring = new Float64Array(maxEntries);
    this.map = new NumberMap(maxEntries);
    this.ringOwner = new Int32Array(owners === 0 ? 0 : maxEntries);
    this.held = new Int32Array(owners);
    this.ownerMask = owners - 1;
  }

  /** Whether any contact created with owner slot `slot` is in the table (always true without owners). */
  owns(slot: number): boolean {
    return this.ownerMask < 0 || this.held[slot] !== 0;
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
   * order stays: it may then outlive the ttl by up to one ttl). `owner`: the
   * creator's slot, kept with a new contact (tables with owners only).
   */
  set(key: number, flags: number, now: number, renew = false, owner = 0): void {
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
    if (this.ownerMask >= 0) {
      const o = owner & this.ownerMask;
      this.ringOwner[tail] = o;
      this.held[o]++;
    }
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
    if (this.ownerMask >= 0) this.held[this.ringOwner[this.head]]--;
    if (this.map.delete(this.ring[this.head]) && this.onDrop !== undefined) this.onDrop(this.map.deletedValue % FLAG_SPACE);
    this.head = this.head + 1 === this.maxEntries ? 0 : this.head + 1;
  }
}

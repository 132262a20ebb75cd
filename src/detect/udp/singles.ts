import { hash32 } from '../../track/hash.js';
import { pow2AtLeast } from '../../lib/pow2.js';

/** Slots per bucket: a key lives in one of the 4 slots of its bucket. */
const WAYS = 4;
/** Doubles per slot: key, target, last touch, epoch. */
const STRIDE = 4;
/** Upper bound on slots (4M x 32 bytes = 128 MiB, only for --udp-max-sources past 2M). */
const MAX_SLOTS = 1 << 22;

/**
 * The UDP sources that sent to exactly one host:port since the last erase:
 * most of them on a spoofed or backscatter mix, where a full per-source entry
 * (an LRU node and a DistinctCounter) was created, cleared and evicted per
 * datagram (15% of an adversarial replay, issue 9). Here a single costs a hash
 * and four typed-array writes: key, its one target, last touch, erase epoch.
 * A 4-way set-associative table of preallocated slots; a full bucket pushes
 * out its least recently touched single (counted), as the LRU did. An erase
 * is one epoch increment: slots of older epochs are free.
 */
export class UdpSingles {
  readonly slots: number;
  /**
   * Per slot, 4 doubles side by side: key, its one target, last touch, erase
   * epoch (0 = never used). One array, so a bucket is 128 contiguous bytes:
   * on a flood every lookup is a cache miss, and four parallel arrays cost
   * four of them.
   */
  private readonly data: Float64Array;
  private readonly bucketMask: number;
  private epoch = 1;
  /** Singles held now (gauge). */
  size = 0;
  /** Singles pushed out of a full bucket (sum). */
  evictions = 0;

  constructor(maxSources: number) {
    const n = Math.min(pow2AtLeast(maxSources, WAYS), MAX_SLOTS);
    this.slots = n;
    this.data = new Float64Array(n * STRIDE);
    this.bucketMask = (n - 1) & ~(WAYS - 1);
  }

  /** The slot holding `key` (its index into the data), or -1. */
  find(key: number): number {
    const d = this.data;
    const b = (hash32(key) & this.bucketMask) * STRIDE;
    const ep = this.epoch;
    for (let i = b; i < b + WAYS * STRIDE; i += STRIDE) if (d[i] === key && d[i + 3] === ep) return i;
    return -1;
  }

  target(slot: number): number {
    return this.data[slot + 1];
  }

  touch(slot: number, now: number): void {
    if (now > this.data[slot + 2]) this.data[slot + 2] = now;
  }

  /** Add `key` (absent) with its one target; a full bucket loses its least recently touched single. */
  add(key: number, target: number, now: number): void {
    const d = this.data;
    const b = (hash32(key) & this.bucketMask) * STRIDE;
    const ep = this.epoch;
    let slot = -1;
    let oldest = b;
    for (let i = b; i < b + WAYS * STRIDE; i += STRIDE) {
      if (d[i + 3] !== ep) {
        slot = i;
        break;
      }
      if (d[i + 2] < d[oldest + 2]) oldest = i;
    }
    if (slot < 0) {
      slot = oldest;
      this.evictions++;
      this.size--;
    }
    d[slot] = key;
    d[slot + 1] = target;
    d[slot + 2] = now;
    d[slot + 3] = ep;
    this.size++;
  }

  remove(slot: number): void {
    this.data[slot + 3] = 0;
    this.size--;
  }

  /** Forget every single: O(1), the epoch moves on (epochs are doubles: 2^53 erases). */
  clear(): void {
    this.size = 0;
    this.epoch++;
  }
}

import { hash32 } from '../../track/hash.js';

/** Slots per bucket: a key lives in one of the 4 slots of its bucket. */
const WAYS = 4;
/** Upper bound on slots (4M x 28 bytes = 112 MiB, only for --udp-max-sources past 2M). */
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
  private readonly keys: Float64Array;
  private readonly targets: Float64Array;
  private readonly touched: Float64Array;
  /** Erase epoch the slot was written in; 0 = never used. */
  private readonly epochs: Uint32Array;
  private readonly bucketMask: number;
  private epoch = 1;
  /** Singles held now (gauge). */
  size = 0;
  /** Singles pushed out of a full bucket (sum). */
  evictions = 0;

  constructor(maxSources: number) {
    let n = WAYS;
    while (n < maxSources && n < MAX_SLOTS) n *= 2;
    this.slots = n;
    this.keys = new Float64Array(n);
    this.targets = new Float64Array(n);
    this.touched = new Float64Array(n);
    this.epochs = new Uint32Array(n);
    this.bucketMask = (n - 1) & ~(WAYS - 1);
  }

  /** The slot holding `key`, or -1. */
  find(key: number): number {
    const b = hash32(key) & this.bucketMask;
    const ep = this.epoch;
    for (let i = b; i < b + WAYS; i++) if (this.epochs[i] === ep && this.keys[i] === key) return i;
    return -1;
  }

  target(slot: number): number {
    return this.targets[slot];
  }

  touch(slot: number, now: number): void {
    if (now > this.touched[slot]) this.touched[slot] = now;
  }

  /** Add `key` (absent) with its one target; a full bucket loses its least recently touched single. */
  add(key: number, target: number, now: number): void {
    const b = hash32(key) & this.bucketMask;
    const ep = this.epoch;
    let slot = -1;
    let oldest = b;
    for (let i = b; i < b + WAYS; i++) {
      if (this.epochs[i] !== ep) {
        slot = i;
        break;
      }
      if (this.touched[i] < this.touched[oldest]) oldest = i;
    }
    if (slot < 0) {
      slot = oldest;
      this.evictions++;
      this.size--;
    }
    this.keys[slot] = key;
    this.targets[slot] = target;
    this.touched[slot] = now;
    this.epochs[slot] = ep;
    this.size++;
  }

  remove(slot: number): void {
    this.epochs[slot] = 0;
    this.size--;
  }

  /** Forget every single: O(1), the epoch moves on (a full wrap of 2^32 erases clears the array once). */
  clear(): void {
    this.size = 0;
    if (this.epoch === 0xffffffff) {
      this.epochs.fill(0);
      this.epoch = 0;
    }
    this.epoch++;
  }
}

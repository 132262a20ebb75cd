/**
 * First contacts waiting for an answer, oldest first, in a fixed ring of typed
 * arrays (no allocation per probe). Packet time only moves forward (nearly),
 * so the head is always the next to time out. When the ring is full the oldest
 * entry is dropped unresolved and counted: under a flood we would rather lose
 * a timeout than invent a failure.
 */
export class PendingRing {
  readonly capacity: number;
  /** Per slot: source epoch, source key, destination key, port key, probe kind, packet time. */
  readonly epoch: Float64Array;
  readonly src: Float64Array;
  readonly dst: Float64Array;
  readonly port: Int32Array;
  readonly kind: Uint8Array;
  readonly ts: Float64Array;
  private head = 0;
  private count = 0;
  /** Entries dropped because the ring was full (sum). */
  dropped = 0;

  constructor(capacity: number) {
    if (!(capacity >= 1)) throw new RangeError('PendingRing: capacity must be at least 1');
    this.capacity = capacity;
    this.epoch = new Float64Array(capacity);
    this.src = new Float64Array(capacity);
    this.dst = new Float64Array(capacity);
    this.port = new Int32Array(capacity);
    this.kind = new Uint8Array(capacity);
    this.ts = new Float64Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  push(epoch: number, src: number, dst: number, port: number, kind: number, ts: number): void {
    if (this.count === this.capacity) {
      this.shift();
      this.dropped++;
    }
    let i = this.head + this.count;
    if (i >= this.capacity) i -= this.capacity;
    this.epoch[i] = epoch;
    this.src[i] = src;
    this.dst[i] = dst;
    this.port[i] = port;
    this.kind[i] = kind;
    this.ts[i] = ts;
    this.count++;
  }

  /** Slot index of the oldest entry, or -1 when empty. */
  headIndex(): number {
    return this.count === 0 ? -1 : this.head;
  }

  /** Drop the oldest entry (after reading it through headIndex()). */
  shift(): void {
    if (this.count === 0) return;
    this.head = this.head + 1 === this.capacity ? 0 : this.head + 1;
    this.count--;
  }
}

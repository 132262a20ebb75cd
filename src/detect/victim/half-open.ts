import { NumberMap } from '../../track/number-map.js';

/**
 * Handshakes begun and not yet completed, keyed by the connection (a 52-bit
 * hash of source, destination and both ports), in a fixed ring of typed arrays
 * in SYN order with a NumberMap index: no allocation per SYN.
 *
 * An entry leaves in one of three ways:
 * - `complete`: the client sent its ACK (of the SYN-ACK): a real handshake;
 * - `giveUp` now: a RST from either side (closed port, or a SYN scanner
 *   tearing down a half-open connection);
 * - on its own, unanswered: idle past the timeout (packet time), or pushed out
 *   of a full ring (a flood: the oldest SYN is the one least likely to be
 *   answered still). Both are counted through `onUnanswered`.
 */
export class HalfOpenTable {
  private readonly index: NumberMap;
  readonly capacity: number;
  private readonly keys: Float64Array;
  private readonly slot: Int32Array;
  private readonly gen: Float64Array;
  private readonly ts: Float64Array;
  private readonly live: Uint8Array;
  private head = 0;
  private count = 0;
  /** Entries pushed out of a full ring before their timeout (sum). */
  evictions = 0;
  /** Entries that timed out (sum). */
  expired = 0;
  /** Handshakes completed (sum). */
  completed = 0;

  constructor(
    capacity: number,
    /** Called once per SYN that was never completed, with the victim slot and its generation. */
    private readonly onUnanswered: (slot: number, gen: number) => void,
  ) {
    this.capacity = capacity;
    this.index = new NumberMap(capacity);
    this.keys = new Float64Array(capacity);
    this.slot = new Int32Array(capacity);
    this.gen = new Float64Array(capacity);
    this.ts = new Float64Array(capacity);
    this.live = new Uint8Array(capacity);
  }

  /** Open entries now (gauge). */
  get size(): number {
    return this.index.size;
  }

  has(key: number): boolean {
    return this.index.has(key);
  }

  /** A new SYN (the caller checked `has` first: a retransmission is not a new attempt). */
  open(key: number, slot: number, gen: number, now: number): void {
    if (this.count === this.capacity) {
      if (this.live[this.head] === 1) this.evictions++;
      this.drop(true);
    }
    let i = this.head + this.count;
    if (i >= this.capacity) i -= this.capacity;
    this.keys[i] = key;
    this.slot[i] = slot;
    this.gen[i] = gen;
    this.ts[i] = now;
    this.live[i] = 1;
    this.index.set(key, i);
    this.count++;
  }

  /** Victim slot and generation of the latest `complete` that found its entry. */
  lastSlot = -1;
  lastGen = 0;

  /** The client's ACK: true when it completed an open handshake (then see lastSlot/lastGen). */
  complete(key: number): boolean {
    const i = this.index.get(key);
    if (i < 0) return false;
    this.close(i, key);
    this.completed++;
    this.lastSlot = this.slot[i];
    this.lastGen = this.gen[i];
    return true;
  }

  /** A RST on the connection: unanswered now. */
  giveUp(key: number): void {
    const i = this.index.get(key);
    if (i < 0) return;
    this.close(i, key);
    this.onUnanswered(this.slot[i], this.gen[i]);
  }

  /** Time out every entry opened at or before `now - timeout`. */
  expire(now: number, timeout: number): void {
    const limit = now - timeout;
    while (this.count > 0 && (this.live[this.head] === 0 || this.ts[this.head] <= limit)) {
      if (this.live[this.head] === 1) this.expired++;
      this.drop(true);
    }
  }

  /** End of input: every open entry is unanswered (no answer can come any more). */
  drainAll(): void {
    while (this.count > 0) this.drop(true);
  }

  /** Forget everything without reporting (tests, reuse). */
  clear(): void {
    while (this.count > 0) this.drop(false);
  }

  private close(i: number, key: number): void {
    this.live[i] = 0;
    this.index.delete(key);
  }

  /** Remove the oldest ring entry; a live one is reported unanswered. */
  private drop(report: boolean): void {
    const i = this.head;
    if (this.live[i] === 1) {
      this.live[i] = 0;
      this.index.delete(this.keys[i]);
      if (report) this.onUnanswered(this.slot[i], this.gen[i]);
    }
    this.head = i + 1 === this.capacity ? 0 : i + 1;
    this.count--;
  }
}

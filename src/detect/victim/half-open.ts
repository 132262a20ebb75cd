/**
 * Handshakes begun and not yet completed, in a direct-mapped table of typed
 * arrays: slot = hash of the connection (52-bit key of source, destination and
 * both ports) modulo a power of two. No index, no list, no allocation per SYN:
 * under a spoofed flood this is one array probe per packet (a NumberMap index
 * plus a FIFO ring cost 12% of a 2M-SYN flood replay, measured).
 *
 * An entry leaves in one of these ways:
 * - `complete`: the client sent its ACK (of the SYN-ACK): a real handshake;
 * - `giveUp`: a RST from either side (closed port, or a SYN scanner tearing
 *   down a half-open connection): unanswered;
 * - a newer SYN hashing to its slot (`evictions`; a flood fills every slot):
 *   unanswered;
 * - `expire`, once per second of packet time, a sweep of the table: entries
 *   older than the timeout are unanswered.
 * Unanswered entries are reported through `onUnanswered` with the victim slot,
 * its generation and the source's address key. 36 bytes per slot.
 */
export class HalfOpenTable {
  readonly capacity: number;
  private readonly mask: number;
  /** key + 1 per slot; 0 = empty. */
  private readonly keys: Float64Array;
  private readonly slot: Int32Array;
  private readonly gen: Float64Array;
  private readonly ts: Float64Array;
  /** The client's address key, so an unanswered SYN can be charged to its source. */
  private readonly src: Float64Array;
  /** Entries now (gauge). */
  size = 0;
  /** Entries pushed out by a newer SYN in their slot before their timeout (sum). */
  evictions = 0;
  /** Entries that timed out (sum). */
  expired = 0;
  /** Handshakes completed (sum). */
  completed = 0;
  /** Victim slot and generation of the latest `complete` that found its entry. */
  lastSlot = -1;
  lastGen = 0;

  constructor(
    capacity: number,
    private readonly onUnanswered: (slot: number, gen: number, src: number) => void,
  ) {
    let n = 16;
    while (n < capacity) n *= 2;
    this.capacity = n;
    this.mask = n - 1;
    this.keys = new Float64Array(n);
    this.slot = new Int32Array(n);
    this.gen = new Float64Array(n);
    this.ts = new Float64Array(n);
    this.src = new Float64Array(n);
  }

  private home(key: number): number {
    // The key is already a hash (hash52): its low bits are uniform.
    return key & this.mask;
  }

  has(key: number): boolean {
    return this.keys[this.home(key)] === key + 1;
  }

  /** A new SYN (the caller checked `has` first: a retransmission is not a new attempt). */
  open(key: number, slot: number, gen: number, now: number, src = 0): void {
    const i = this.home(key);
    if (this.keys[i] !== 0) {
      this.evictions++;
      this.size--;
      this.onUnanswered(this.slot[i], this.gen[i], this.src[i]);
    }
    this.keys[i] = key + 1;
    this.slot[i] = slot;
    this.gen[i] = gen;
    this.ts[i] = now;
    this.src[i] = src;
    this.size++;
  }

  /** The client's ACK: true when it completed an open handshake (then see lastSlot/lastGen). */
  complete(key: number): boolean {
    const i = this.home(key);
    if (this.keys[i] !== key + 1) return false;
    this.keys[i] = 0;
    this.size--;
    this.completed++;
    this.lastSlot = this.slot[i];
    this.lastGen = this.gen[i];
    return true;
  }

  /** A RST on the connection: unanswered now. */
  giveUp(key: number): void {
    const i = this.home(key);
    if (this.keys[i] !== key + 1) return;
    this.keys[i] = 0;
    this.size--;
    this.onUnanswered(this.slot[i], this.gen[i], this.src[i]);
  }

  /** Time out every entry opened at or before `now - timeout` (a sweep: call about once a second). */
  expire(now: number, timeout: number): void {
    if (this.size === 0) return;
    const limit = now - timeout;
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] !== 0 && this.ts[i] <= limit) {
        keys[i] = 0;
        this.size--;
        this.expired++;
        this.onUnanswered(this.slot[i], this.gen[i], this.src[i]);
      }
    }
  }

  /** End of input: every open entry is unanswered (no answer can come any more). */
  drainAll(): void {
    this.expire(Infinity, 0);
  }
}

import { pow2AtLeast } from '../../lib/pow2.js';

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
 * its generation and the source's address key. 40 bytes per slot: the five
 * fields side by side in one array (five parallel arrays cost a SYN of a
 * spoofed flood up to five cache misses; issue 9).
 */
/** Doubles per entry. */
const W = 5;

export class HalfOpenTable {
  readonly capacity: number;
  private readonly mask: number;
  /**
   * Per entry, at e = i * W: [e] key + 1 (0 = empty), [e+1] victim slot,
   * [e+2] its generation, [e+3] time of the SYN, [e+4] the client's address
   * key (an unanswered SYN is charged to its source).
   */
  private readonly e: Float64Array;
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
    const n = pow2AtLeast(capacity);
    this.capacity = n;
    this.mask = n - 1;
    this.e = new Float64Array(n * W);
  }

  private home(key: number): number {
    // The key is already a hash (hash52): its low bits are uniform.
    return (key & this.mask) * W;
  }

  has(key: number): boolean {
    return this.e[this.home(key)] === key + 1;
  }

  /** A new SYN (the caller checked `has` first: a retransmission is not a new attempt). */
  open(key: number, slot: number, gen: number, now: number, src = 0): void {
    const i = this.home(key);
    const e = this.e;
    if (e[i] !== 0) {
      this.evictions++;
      this.size--;
      this.onUnanswered(e[i + 1], e[i + 2], e[i + 4]);
    }
    e[i] = key + 1;
    e[i + 1] = slot;
    e[i + 2] = gen;
    e[i + 3] = now;
    e[i + 4] = src;
    this.size++;
  }

  /** The client's ACK: true when it completed an open handshake (then see lastSlot/lastGen). */
  complete(key: number): boolean {
    const i = this.home(key);
    const e = this.e;
    if (e[i] !== key + 1) return false;
    e[i] = 0;
    this.size--;
    this.completed++;
    this.lastSlot = e[i + 1];
    this.lastGen = e[i + 2];
    return true;
  }

  /** The entry of `key`, if it still belongs to (fromSlot, fromGen), now belongs to (toSlot, toGen): a record admitted. */
  repoint(key: number, fromSlot: number, fromGen: number, toSlot: number, toGen: number): void {
    const i = this.home(key);
    const e = this.e;
    if (e[i] !== key + 1 || e[i + 1] !== fromSlot || e[i + 2] !== fromGen) return;
    e[i + 1] = toSlot;
    e[i + 2] = toGen;
  }

  /** A RST on the connection: unanswered now. */
  giveUp(key: number): void {
    const i = this.home(key);
    const e = this.e;
    if (e[i] !== key + 1) return;
    e[i] = 0;
    this.size--;
    this.onUnanswered(e[i + 1], e[i + 2], e[i + 4]);
  }

  /** Time out every entry opened at or before `now - timeout` (a sweep: call about once a second). */
  expire(now: number, timeout: number): void {
    if (this.size === 0) return;
    const limit = now - timeout;
    const e = this.e;
    for (let i = 0; i < e.length; i += W) {
      if (e[i] !== 0 && e[i + 3] <= limit) {
        e[i] = 0;
        this.size--;
        this.expired++;
        this.onUnanswered(e[i + 1], e[i + 2], e[i + 4]);
      }
    }
  }

  /** End of input: every open entry is unanswered (no answer can come any more). */
  drainAll(): void {
    this.expire(Infinity, 0);
  }
}

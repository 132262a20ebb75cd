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
 * its generation and the source's address key. 48 bytes per slot: the six
 * fields side by side in one array (five parallel arrays cost a SYN of a
 * spoofed flood up to five cache misses; issue 9).
 *
 * Most TCP packets are not a handshake's last step, yet each would probe the
 * table (2.6 MiB at 65,536 slots, out of cache) for one: on ordinary traffic
 * the victim view was about a sixth of a replay's instructions (cachegrind,
 * scan NOTES). A counting filter of open entries by a cheap hash of the
 * connection (`connBucket`, a byte per bucket, four buckets per slot) answers
 * "none open" from L2 without hash52 or the table. It never says "none" for an
 * open entry: a bucket's count only falls when one of its entries leaves, and
 * a count that reached 255 stays there.
 */
/** Doubles per entry. */
const W = 6;
/** Filter buckets per table slot: about a quarter of them busy when every slot is. */
const BUCKETS_PER_SLOT = 4;

/**
 * Filter bucket of a connection (before the mask): a few multiplies of the
 * addresses' low words (IPv4 whole, ipv6Key already mixed) and both ports.
 */
export function connBucket(src: number, dst: number, sport: number, dport: number): number {
  let h = Math.imul((src >>> 0) ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 15) ^ (dst >>> 0), 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 13) ^ ((sport << 16) | dport), 0x27d4eb2f);
  return h ^ (h >>> 16);
}

export class HalfOpenTable {
  readonly capacity: number;
  private readonly mask: number;
  /**
   * Per entry, at e = i * W: [e] key + 1 (0 = empty), [e+1] victim slot,
   * [e+2] its generation, [e+3] time of the SYN, [e+4] the client's address
   * key (an unanswered SYN is charged to its source), [e+5] its filter bucket.
   */
  private readonly e: Float64Array;
  /** Open entries per filter bucket (saturating at 255). */
  private readonly filter: Uint8Array;
  private readonly filterMask: number;
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
    this.filter = new Uint8Array(n * BUCKETS_PER_SLOT);
    this.filterMask = n * BUCKETS_PER_SLOT - 1;
  }

  /** False when no open entry can belong to the connection of `bucket` (connBucket). */
  mayHold(bucket: number): boolean {
    return this.filter[bucket & this.filterMask] !== 0;
  }

  /** Entry `i` leaves: its bucket counts one fewer (unless saturated). */
  private unfilter(i: number): void {
    const b = this.e[i + 5];
    const c = this.filter[b];
    if (c !== 255) this.filter[b] = c - 1;
  }

  private home(key: number): number {
    // The key is already a hash (hash52): its low bits are uniform.
    return (key & this.mask) * W;
  }

  has(key: number): boolean {
    return this.e[this.home(key)] === key + 1;
  }

  /** A new SYN (the caller checked `has` first: a retransmission is not a new attempt). `bucket`: connBucket of it. */
  open(key: number, bucket: number, slot: number, gen: number, now: number, src = 0): void {
    const i = this.home(key);
    const e = this.e;
    if (e[i] !== 0) {
      this.evictions++;
      this.size--;
      this.unfilter(i);
      this.onUnanswered(e[i + 1], e[i + 2], e[i + 4]);
    }
    const b = bucket & this.filterMask;
    e[i] = key + 1;
    e[i + 1] = slot;
    e[i + 2] = gen;
    e[i + 3] = now;
    e[i + 4] = src;
    e[i + 5] = b;
    if (this.filter[b] !== 255) this.filter[b]++;
    this.size++;
  }

  /** The client's ACK: true when it completed an open handshake (then see lastSlot/lastGen). */
  complete(key: number): boolean {
    const i = this.home(key);
    const e = this.e;
    if (e[i] !== key + 1) return false;
    e[i] = 0;
    this.size--;
    this.unfilter(i);
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
    this.unfilter(i);
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
        this.unfilter(i);
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

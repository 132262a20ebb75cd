import { hash52, mix32 } from './hash.js';
import { NumberMap } from './number-map.js';

/**
 * Bounded store of IP datagrams being reassembled, only as far as their first
 * `cap` bytes (enough for a transport header: TCP's is at most 60). Everything
 * is preallocated in typed arrays when the table is built; adding a fragment
 * allocates nothing.
 *
 * - Key: (src, dst, identification, protocol) for IPv4 (RFC 791), (src, dst,
 *   identification) for IPv6 (RFC 8200 section 4.5), hashed to 52 bits and
 *   checked against the stored words, so two datagrams never share a slot.
 * - Slots are handed out in a ring (first in, first out). A slot still in use
 *   when the ring comes round is evicted (`evictions`), or timed out
 *   (`timeouts`) when older than `timeout` seconds of packet time; a lookup
 *   that finds an entry past its timeout starts the datagram afresh.
 * - Per slot: the bytes and a byte coverage map of the first `cap` bytes of
 *   the datagram's payload (IPv4: after the IP header; IPv6: after the
 *   fragment header), the total length once the last fragment is seen, bytes
 *   received, the first fragment's length, state flags and evasion bits.
 * - Overlaps are judged byte by byte inside the cap: a fragment that rewrites
 *   stored bytes with different ones is an overlap (RFC 1858 section 3.2),
 *   one that repeats them is a duplicate. The newest bytes are kept. Bytes
 *   past the cap are not kept, so overlaps there are not seen.
 */
export const enum FragState {
  IN_USE = 1,
  /** The fragment at offset 0 has arrived. */
  FIRST = 2,
  /** The fragment without "more fragments" has arrived: `total` is known. */
  LAST = 4,
  /** The transport header was handed to the detectors. */
  EMITTED = 8,
}

/** What add() saw: bit set. */
export const enum FragAdd {
  /** Some byte inside the cap was rewritten with a different value. */
  CHANGED = 1,
  /** Some byte inside the cap arrived again with the same value. */
  REPEATED = 2,
}

const V6 = 0x100000000; // marks IPv6 keys apart from IPv4 ones in the hash input
const KEY_WORDS = 10; // v, src (4 words), dst (4 words), id

export interface FragmentTableOptions {
  maxEntries: number;
  /** Bytes kept per datagram, from the start of its payload. */
  cap: number;
  /** Seconds of packet time a datagram may take to arrive. */
  timeout: number;
}

export class FragmentTable {
  readonly maxEntries: number;
  readonly cap: number;
  readonly timeout: number;
  /** Kept bytes of every slot: slot s owns [s * cap, (s + 1) * cap). */
  readonly data: Uint8Array;
  private readonly covered: Uint8Array;
  private readonly keyWords: Uint32Array;
  private readonly keyHash: Float64Array;
  private readonly created: Float64Array;
  readonly state: Uint8Array;
  readonly evasion: Uint8Array;
  /** Datagram length (payload bytes) once the last fragment is seen, else -1. */
  readonly total: Int32Array;
  /** Highest end offset seen. */
  readonly maxEnd: Int32Array;
  /** Bytes of the fragment at offset 0, -1 before it arrives. */
  readonly firstLen: Int32Array;
  private readonly received: Int32Array;
  private readonly index: NumberMap;
  private next = 0;
  private tail = 0;

  // ---- counters ----
  /** Datagrams started. */
  datagrams = 0;
  entries = 0;
  /** Live datagrams pushed out by newer ones within their timeout. */
  evictions = 0;
  /** Datagrams dropped after the timeout before their transport header was complete. */
  timeouts = 0;
  overlaps = 0;
  duplicates = 0;

  constructor(o: FragmentTableOptions) {
    this.maxEntries = o.maxEntries;
    this.cap = o.cap;
    this.timeout = o.timeout;
    const n = o.maxEntries;
    this.data = new Uint8Array(n * o.cap);
    this.covered = new Uint8Array(n * o.cap);
    this.keyWords = new Uint32Array(n * KEY_WORDS);
    this.keyHash = new Float64Array(n);
    this.created = new Float64Array(n);
    this.state = new Uint8Array(n);
    this.evasion = new Uint8Array(n);
    this.total = new Int32Array(n);
    this.maxEnd = new Int32Array(n);
    this.firstLen = new Int32Array(n);
    this.received = new Int32Array(n);
    this.index = new NumberMap(n);
  }

  /** Slot of an IPv4 datagram, created if new (or if the old one timed out). */
  slot4(src: number, dst: number, id: number, proto: number, now: number): number {
    const w = this.scratch;
    w[0] = 4;
    w[1] = src;
    w[2] = dst;
    w[3] = 0;
    w[4] = 0;
    w[5] = 0;
    w[6] = 0;
    w[7] = 0;
    w[8] = 0;
    w[9] = id * 256 + proto;
    return this.slotOf(hash52(src, dst, w[9]), now);
  }

  /** Slot of an IPv6 datagram: addresses as four big-endian words each. */
  slot6(src: Uint32Array, dst: Uint32Array, id: number, now: number): number {
    const w = this.scratch;
    w[0] = 6;
    for (let i = 0; i < 4; i++) {
      w[1 + i] = src[i];
      w[5 + i] = dst[i];
    }
    w[9] = id;
    let a = 0x6a09e667;
    let b = 0xbb67ae85;
    for (let i = 0; i < 4; i++) {
      a = mix32(a, src[i]);
      b = mix32(b, dst[i]);
    }
    return this.slotOf(hash52(a, b, V6 + id), now);
  }

  private readonly scratch = new Uint32Array(KEY_WORDS);

  private sameKey(slot: number): boolean {
    const w = this.scratch;
    const k = this.keyWords;
    const base = slot * KEY_WORDS;
    for (let i = 0; i < KEY_WORDS; i++) if (k[base + i] !== w[i]) return false;
    return true;
  }

  private slotOf(hash: number, now: number): number {
    this.sweep(now);
    const found = this.index.get(hash, -1);
    if (found >= 0) {
      if (this.sameKey(found) && now - this.created[found] <= this.timeout) return found;
      // A stale datagram with the same key (ids wrap), or a 2^-52 hash collision: start over.
      if (!this.sameKey(found)) this.evictions++;
      else if ((this.state[found] & FragState.EMITTED) === 0) this.timeouts++;
      this.free(found);
    }
    const s = this.next;
    this.next = s + 1 === this.maxEntries ? 0 : s + 1;
    if (this.state[s] !== 0) {
      if (now - this.created[s] <= this.timeout) this.evictions++;
      else if ((this.state[s] & FragState.EMITTED) === 0) this.timeouts++;
      this.free(s);
    }
    this.state[s] = FragState.IN_USE;
    this.evasion[s] = 0;
    this.created[s] = now;
    this.total[s] = -1;
    this.maxEnd[s] = 0;
    this.firstLen[s] = -1;
    this.received[s] = 0;
    this.keyHash[s] = hash;
    this.keyWords.set(this.scratch, s * KEY_WORDS);
    this.covered.fill(0, s * this.cap, (s + 1) * this.cap);
    this.index.set(hash, s);
    this.entries++;
    this.datagrams++;
    return s;
  }

  /** Time out the oldest slots (a few per call: the cost is spread over packets). */
  private sweep(now: number): void {
    for (let i = 0; i < 4 && this.entries > 0; i++) {
      const t = this.tail;
      if (this.state[t] !== 0) {
        if (now - this.created[t] <= this.timeout) return;
        if ((this.state[t] & FragState.EMITTED) === 0) this.timeouts++;
        this.free(t);
      }
      this.tail = t + 1 === this.maxEntries ? 0 : t + 1;
    }
  }

  /**
   * Add the fragment covering datagram bytes [off, off + len), of which the
   * first `avail` were captured, read from b[at...]. `last` = no more
   * fragments after it. Returns FragAdd bits.
   */
  add(slot: number, b: Uint8Array, at: number, off: number, len: number, avail: number, last: boolean): number {
    const end = off + len;
    if (off === 0) {
      this.state[slot] |= FragState.FIRST;
      this.firstLen[slot] = len;
    }
    if (last) {
      this.state[slot] |= FragState.LAST;
      this.total[slot] = end;
    }
    if (end > this.maxEnd[slot]) this.maxEnd[slot] = end;
    this.received[slot] += len;
    let r = 0;
    const cap = this.cap;
    if (off < cap) {
      const got = off + avail;
      const stop = got < cap ? got : cap;
      const base = slot * cap;
      const data = this.data;
      const cov = this.covered;
      for (let i = off; i < stop; i++) {
        const v = b[at + i - off];
        if (cov[base + i] !== 0) r |= data[base + i] === v ? FragAdd.REPEATED : FragAdd.CHANGED;
        data[base + i] = v;
        cov[base + i] = 1;
      }
    }
    if ((r & FragAdd.CHANGED) !== 0) this.overlaps++;
    else if ((r & FragAdd.REPEATED) !== 0) this.duplicates++;
    return r;
  }

  /** Bytes present without a gap from the start of the datagram (at most `cap`). */
  prefix(slot: number): number {
    const base = slot * this.cap;
    const cov = this.covered;
    let n = 0;
    while (n < this.cap && cov[base + n] !== 0) n++;
    return n;
  }

  /** Every byte of the datagram has arrived (as far as lengths tell). */
  complete(slot: number): boolean {
    return (this.state[slot] & FragState.LAST) !== 0 && this.received[slot] >= this.total[slot];
  }

  free(slot: number): void {
    if (this.state[slot] === 0) return;
    this.index.delete(this.keyHash[slot]);
    this.state[slot] = 0;
    this.entries--;
  }
}

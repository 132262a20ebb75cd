import { pow2AtLeast } from '../../lib/pow2.js';
import { hash32, hi32, mix32 } from '../../track/hash.js';

/**
 * Directed connections (source, destination, both ports) known to hold no
 * half-open entry: a client's packets after its handshake completed, a
 * server's packets, data of a connection that began before we looked. Only a
 * SYN of the same directed connection can open an entry again, and it clears
 * the mark first (`forget`), so a marked connection's ACKs and data skip the
 * 52-bit hash and the probe of the half-open table (issue 9: on the realistic
 * mix 690,000 of 1M packets paid both for nothing; the table is 2.5 MiB, a
 * probe of it a cache miss). As track/flow-skip.ts: a direct-mapped set of
 * 32-bit check values in one typed array; a colliding connection overwrites a
 * mark (that connection then takes the full path again); a false match needs
 * the slot and the 32-bit check value to agree.
 */
export class SettledSet {
  private readonly check: Int32Array;
  private readonly mask: number;
  private slot = 0;
  private tag = 0;
  /** Packets that skipped the half-open lookup (sum; not a published counter). */
  skipped = 0;

  constructor(slots: number) {
    const n = pow2AtLeast(slots);
    this.mask = n - 1;
    this.check = new Int32Array(n);
  }

  /** Hash the directed connection src:sport -> dst:dport; then has(), add() or forget(). */
  key(src: number, dst: number, sport: number, dport: number): this {
    let h = mix32(mix32(hash32(src), dst >>> 0), ((sport << 16) | dport) >>> 0);
    // IPv6 keys (52-bit) also mix their high words, in order (the mark is directed).
    if (src > 0xffffffff || dst > 0xffffffff) h = mix32(mix32(h, hi32(src)), hi32(dst));
    this.slot = h & this.mask;
    this.tag = mix32(h, 0x5bd1e995) | 1;
    return this;
  }

  has(): boolean {
    return this.check[this.slot] === this.tag;
  }

  add(): void {
    this.check[this.slot] = this.tag;
  }

  /** A SYN of this connection: it may open an entry, so the mark goes. */
  forget(): void {
    if (this.check[this.slot] === this.tag) this.check[this.slot] = 0;
  }
}

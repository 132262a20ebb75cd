import { hash32, mix32 } from './hash.js';

/**
 * Connections nothing more can be learnt from (issue 9: "established flows
 * skipped early"): a direct-mapped set of 4-tuples, both directions mapped to
 * one entry, in two typed arrays. Lookup costs three seeded mixing rounds and
 * one array read, against two 52-bit hashes and table probes for a contact
 * lookup. A collision only overwrites an entry (that flow then takes the
 * full path again); a false match needs both a slot and a 32-bit check value
 * to agree, and the seed is random per process.
 */
export class FlowSkip {
  private readonly check: Int32Array;
  private readonly mask: number;
  private slot = 0;
  private tag = 0;
  /** Packets skipped (sum). */
  skipped = 0;

  constructor(slots: number) {
    let n = 16;
    while (n < slots) n *= 2;
    this.mask = n - 1;
    this.check = new Int32Array(n);
  }

  /** Hash the connection of (a:pa <-> b:pb), the same either way; then has() or add(). */
  key(a: number, b: number, pa: number, pb: number): this {
    let h: number;
    if (a < b || (a === b && pa < pb)) h = mix32(mix32(hash32(a), b >>> 0), ((pa << 16) | pb) >>> 0);
    else h = mix32(mix32(hash32(b), a >>> 0), ((pb << 16) | pa) >>> 0);
    // IPv6 keys (52-bit) also mix their high words.
    if (a > 0xffffffff || b > 0xffffffff) h = mix32(h, (Math.floor(a / 0x100000000) ^ Math.floor(b / 0x100000000)) >>> 0);
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

  remove(): void {
    this.check[this.slot] = 0;
  }
}

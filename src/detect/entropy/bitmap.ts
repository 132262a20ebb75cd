import type { PortHash } from './hash.js';

/**
 * Peng's port bitmap: B bins of n bits, a per-bin count of set bits kept as
 * bits are set, so closing a frame costs O(B), not O(S).
 */
export class PortBitmap {
  private readonly words: Uint32Array;
  private readonly setCount: Uint32Array;
  /** Packets hashed outside the bitmap (only possible with a custom hash). */
  dropped = 0;
  /** SYNs added since the last clear. */
  added = 0;

  constructor(
    readonly bins: number,
    readonly bitsPerBin: number,
    private readonly hash: PortHash,
  ) {
    this.words = new Uint32Array(Math.ceil((bins * bitsPerBin) / 32));
    this.setCount = new Uint32Array(bins);
  }

  addPort(port: number): void {
    const i = this.hash(port);
    if (i < 0 || i >= this.bins * this.bitsPerBin) {
      this.dropped++;
      return;
    }
    this.added++;
    const w = i >>> 5;
    const mask = 1 << (i & 31);
    if ((this.words[w] & mask) === 0) {
      this.words[w] |= mask;
      this.setCount[Math.floor(i / this.bitsPerBin)]++;
    }
  }

  bitsSet(bin: number): number {
    return this.setCount[bin];
  }

  clear(): void {
    this.words.fill(0);
    this.setCount.fill(0);
    this.added = 0;
  }

  /** Per-bin entropies in [0, 2] (a fresh array: called once per frame). */
  binEntropies(): number[] {
    const out = new Array<number>(this.bins);
    for (let b = 0; b < this.bins; b++) out[b] = binEntropy(this.setCount[b], this.bitsPerBin);
    return out;
  }

  /** Bits of one bin as a 0/1 string, lowest bit first (verbose 3). */
  binBits(bin: number): string {
    let s = '';
    const base = bin * this.bitsPerBin;
    for (let k = 0; k < this.bitsPerBin; k++) {
      const i = base + k;
      s += (this.words[i >>> 5] >>> (i & 31)) & 1 ? '1' : '0';
    }
    return s;
  }
}

const EPSILON = 2 ** -52;

/**
 * Peng's entropy of a bin with k of n bits set: binary Shannon entropy in
 * bits, flipped to 2 - h when more than half the bits are set, so the value
 * grows monotonically from 0 (empty) through 1 (half) to 2 (full).
 * ln then divide by ln 2 (not log2) to match Peng bit for bit.
 */
export function binEntropy(k: number, n: number): number {
  const p1 = k / n;
  const p0 = (n - k) / n;
  let h = 0;
  if (p1 > EPSILON && p0 > EPSILON) h = -(p1 * Math.log(p1) + p0 * Math.log(p0));
  h = h / Math.LN2;
  return p1 > p0 ? 2 - h : h;
}

/** Peng's total: the plain average of the bin entropies. */
export function totalEntropy(bins: readonly number[]): number {
  let sum = 0;
  for (const e of bins) sum += e;
  return bins.length ? sum / bins.length : 0;
}

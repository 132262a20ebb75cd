/**
 * Port hashes for the entropy bitmap. A hash returns one packed number,
 * `bin * bitsPerBin + bit`, or -1 when the port falls outside the bitmap
 * (Peng drops those with an error), so hashing allocates nothing.
 */
export type PortHash = (port: number) => number;

export interface BitmapGeometry {
  /** B: number of bins. */
  readonly bins: number;
  /** S: bitmap size in bits. */
  readonly size: number;
}

export function bitsPerBin(g: BitmapGeometry): number {
  return Math.floor(g.size / g.bins);
}

/**
 * Peng's hash, bit for bit: m = floor(port / B) mod S, bin = floor(m / n),
 * bit = m mod n. With the defaults 16 consecutive ports share a bit and
 * ports p and p + 16384 collide; kept as the default so numbers compare with Peng.
 */
export function pengHash(g: BitmapGeometry): PortHash {
  const { bins, size } = g;
  const n = bitsPerBin(g);
  return (port: number): number => {
    const m = Math.floor(port / bins) % size;
    const bin = Math.floor(m / n);
    return bin < bins ? bin * n + (m % n) : -1;
  };
}

/**
 * Spreads 0..65535 evenly over all S bits: each bit covers 65536 / S ports,
 * so every bin is reachable whatever B and S are.
 */
export function spreadHash(g: BitmapGeometry): PortHash {
  const n = bitsPerBin(g);
  const used = n * g.bins;
  return (port: number): number => Math.floor((port * used) / 65536);
}

/** Highest bit index Peng's hash can reach, to warn about unreachable bins. */
export function pengReachableBits(g: BitmapGeometry): number {
  return Math.min(g.size, Math.floor(65535 / g.bins) + 1);
}

/**
 * Seeded mixing of numeric keys (IPv4 uint32, ipv6Key values, ports, epochs:
 * all integers below 2^53) into 32-bit hashes and 52-bit table keys. The seed
 * is random per process, so nobody outside can aim traffic at one slot.
 */
const SEED_A = (Math.random() * 0x100000000) >>> 0;
const SEED_B = (Math.random() * 0x100000000) >>> 0;
const TWO32 = 0x100000000;

/** One round of a murmur3-style mix of word `w` into `h` (both uint32). */
export function mix32(h: number, w: number): number {
  h = Math.imul(h ^ w, 0xcc9e2d51);
  h = Math.imul((h << 15) | (h >>> 17), 0x1b873593);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

/** High word of an integer key below 2^53. */
export function hi32(key: number): number {
  return Math.floor(key / TWO32) >>> 0;
}

/** 32-bit hash of one integer key below 2^53. */
export function hash32(key: number): number {
  return mix32(mix32(SEED_A, key >>> 0), hi32(key));
}

/**
 * 52-bit key of three integers below 2^53 (two independent 32-bit lanes, 20 +
 * 32 bits kept). Two different triples share a key with probability 2^-52.
 */
export function hash52(a: number, b: number, c: number): number {
  let x = mix32(SEED_A, a >>> 0);
  x = mix32(x, hi32(a));
  x = mix32(x, b >>> 0);
  x = mix32(x, hi32(b));
  x = mix32(x, c >>> 0);
  x = mix32(x, hi32(c));
  let y = mix32(SEED_B, c >>> 0);
  y = mix32(y, hi32(c));
  y = mix32(y, b >>> 0);
  y = mix32(y, hi32(b));
  y = mix32(y, a >>> 0);
  y = mix32(y, hi32(a));
  return (x & 0xfffff) * TWO32 + y;
}

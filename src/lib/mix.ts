/**
 * Integer hash mixing, written once: the murmur3 (Appleby, public domain)
 * body step, its finaliser, and one full round. decode/ (IPv6 keys), track/
 * (table keys, sketches) and capture/flows/ (pairing) all mix through these;
 * the file imports nothing, so any stage can use it without importing upward.
 * Every value is a uint32 (numbers, Math.imul: no allocation).
 */

export const TWO32 = 0x100000000;

/** High word of an integer key below 2^53. */
export function hi32(key: number): number {
  return Math.floor(key / TWO32) >>> 0;
}

/** murmur3's body step: one multiply and a rotate per word; the avalanche comes once, in fmix32. */
export function mixRound(h: number, w: number): number {
  h = Math.imul(h ^ w, 0xcc9e2d51);
  return (h << 15) | (h >>> 17);
}

/** murmur3's finaliser: every input bit reaches every output bit. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** One round of a murmur3-style mix of word `w` into `h` (both uint32), mixed enough to use alone. */
export function mix32(h: number, w: number): number {
  h = Math.imul(mixRound(h, w), 0x1b873593);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

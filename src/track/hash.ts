/**
 * Seeded mixing of numeric keys (IPv4 uint32, ipv6Key values, ports, epochs:
 * all integers below 2^53) into 32-bit hashes and 52-bit table keys. The seed
 * is random per process until setHashSeed() fixes it: live, nobody outside can
 * aim traffic at one slot; a replay uses a fixed seed (`--hash-seed`), so the
 * sketches (DistinctCounter past its exact range) give the same counts every
 * run (the zmap capture gave 9,793, 10,316 and 9,915 hosts with random seeds).
 */
import { fmix32 as fmix, hi32, mix32, mixRound as round, TWO32 } from '../lib/mix.js';

export { hi32, mix32 };

let SEED_A = (Math.random() * TWO32) >>> 0;
let SEED_B = (Math.random() * TWO32) >>> 0;

/** Fix the seed (a uint32): every key hashed after this call uses it. Set it before any table fills. */
export function setHashSeed(seed: number): void {
  SEED_A = mix32(0x243f6a88, seed >>> 0);
  SEED_B = mix32(0x85a308d3, seed >>> 0);
}

/** A fresh random seed, for live capture when none is given. */
export function randomSeed(): number {
  return (Math.random() * TWO32) >>> 0;
}

/** 32-bit hash of one integer key below 2^53. */
export function hash32(key: number): number {
  return mix32(mix32(SEED_A, key >>> 0), hi32(key));
}

/**
 * 52-bit key of three integers below 2^53 (two independent 32-bit lanes, 20 +
 * 32 bits kept). Two different triples share a key with probability ~2^-52.
 * Body rounds plus one finaliser per lane, as murmur3 does (a full mix per
 * word cost 12 finalisers per key: 12% of a replay's time, measured).
 * IPv4 addresses and ports have no high word, so it is only read when present.
 */
export function hash52(a: number, b: number, c: number): number {
  const ah = a < TWO32 ? 0 : hi32(a);
  const bh = b < TWO32 ? 0 : hi32(b);
  const ch = c < TWO32 ? 0 : hi32(c);
  let x = round(SEED_A, a >>> 0);
  x = round(x, ah);
  x = round(x, b >>> 0);
  x = round(x, bh);
  x = round(x, c >>> 0);
  x = round(x, ch);
  let y = round(SEED_B, c >>> 0);
  y = round(y, ch);
  y = round(y, b >>> 0);
  y = round(y, bh);
  y = round(y, a >>> 0);
  y = round(y, ah);
  return (fmix(x ^ 6) & 0xfffff) * TWO32 + fmix(y ^ 6);
}

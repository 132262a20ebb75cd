import { isIP } from 'node:net';
import { fmix32, mix32, mixRound, TWO32 } from '../lib/mix.js';

/**
 * Addresses as numbers. Per-source tables key on one number: an IPv4 address
 * is its uint32 value; an IPv6 address is a seeded 52-bit hash placed above
 * 2^32, so the two families never share a key. The seed is random per process,
 * so nobody outside can aim spoofed sources at one table slot. A collision is
 * 2^-52 per pair; tables keep the text address of the first owner of a key.
 */
let SEED_A = (Math.random() * TWO32) >>> 0;
let SEED_B = (Math.random() * TWO32) >>> 0;

/** Fix the IPv6 key seed (a uint32), for reproducible replays (see track/hash.ts setHashSeed). */
export function setAddressSeed(seed: number): void {
  SEED_A = mix32(0x13198a2e, seed >>> 0);
  SEED_B = mix32(0x03707344, seed >>> 0);
}

/** Two seeded murmur3 lanes over the four words (lib/mix.ts): 20 + 32 bits kept. */
export function ipv6Key(w: Uint32Array): number {
  let a = SEED_A;
  let b = SEED_B;
  for (let i = 0; i < 4; i++) {
    a = mixRound(a, w[i]);
    b = mixRound(b, w[i] ^ 0x85ebca6b);
  }
  return TWO32 * (1 + (fmix32(a ^ 16) & 0xfffff)) + fmix32(b ^ 16);
}

export function ipv4ToString(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/** RFC 5952 text: lower case, longest run of two or more zero groups as `::`. */
export function ipv6ToString(w: Uint32Array | readonly number[]): string {
  const g: number[] = [];
  for (let i = 0; i < 4; i++) g.push(w[i] >>> 16, w[i] & 0xffff);
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}

/** Parse dotted IPv4 text into a uint32, or -1. */
export function parseIpv4(text: string): number {
  if (isIP(text) !== 4) return -1;
  const p = text.split('.').map(Number);
  return ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
}

/** Parse IPv6 text (including an embedded IPv4 tail) into four words, or null. */
export function parseIpv6(text: string): Uint32Array | null {
  if (isIP(text) !== 6) return null;
  let t = text.toLowerCase();
  const zone = t.indexOf('%');
  if (zone >= 0) t = t.slice(0, zone);
  const lastColon = t.lastIndexOf(':');
  const tail = t.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = parseIpv4(tail);
    t = `${t.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const [head, rest] = t.includes('::') ? t.split('::') : [t, null];
  const h = head ? head.split(':') : [];
  const r = rest ? rest.split(':') : [];
  const groups = rest === null ? h : [...h, ...new Array<string>(8 - h.length - r.length).fill('0'), ...r];
  const w = new Uint32Array(4);
  for (let i = 0; i < 4; i++) w[i] = ((parseInt(groups[2 * i], 16) << 16) | parseInt(groups[2 * i + 1], 16)) >>> 0;
  return w;
}

/** Addresses that are never a scanner or a scan target. */
export function isSpecialIpv4(a: number): boolean {
  return (
    a === 0 || // unspecified
    a === 0xffffffff || // limited broadcast
    a >>> 28 === 0xe // 224.0.0.0/4 multicast
  );
}

export function isSpecialIpv6(w: Uint32Array): boolean {
  if (w[0] >>> 24 === 0xff) return true; // ff00::/8 multicast
  return w[0] === 0 && w[1] === 0 && w[2] === 0 && w[3] === 0; // ::
}

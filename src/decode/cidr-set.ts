import { SensorError } from '../errors.js';
import { parseIpv4, parseIpv6 } from './address.js';

/**
 * A small set of IPv4/IPv6 networks (local nets, ignore lists). Linear scan:
 * these lists hold a handful of entries, and a scan of a few masks beats a trie
 * at that size.
 */
export class CidrSet {
  private readonly v4Net: number[] = [];
  private readonly v4Mask: number[] = [];
  private readonly v6Net: Uint32Array[] = [];
  private readonly v6Mask: Uint32Array[] = [];
  /** Which subnets are directed-broadcast addresses we know of (last address of each IPv4 net). */
  private readonly v4Broadcast: number[] = [];

  constructor(readonly text: readonly string[] = []) {
    for (const entry of text) this.add(entry);
  }

  /** Parse a comma-separated CIDR list; `option` names the flag in errors. */
  static parse(list: string | readonly string[] | undefined, option: string): CidrSet {
    const items = (Array.isArray(list) ? list : list ? [list] : [])
      .flatMap((s: string) => s.split(','))
      .map((s: string) => s.trim())
      .filter((s: string) => s.length > 0);
    try {
      return new CidrSet(items);
    } catch (e) {
      throw new SensorError('CFG_INVALID', `${option}: ${(e as Error).message}`);
    }
  }

  get size(): number {
    return this.v4Net.length + this.v6Net.length;
  }

  add(entry: string): void {
    const slash = entry.indexOf('/');
    const addr = slash < 0 ? entry : entry.slice(0, slash);
    const v4 = parseIpv4(addr);
    if (v4 >= 0) {
      const bits = slash < 0 ? 32 : Number(entry.slice(slash + 1));
      if (!Number.isInteger(bits) || bits < 0 || bits > 32) throw new Error(`bad prefix length in "${entry}" (0-32)`);
      const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
      this.v4Net.push((v4 & mask) >>> 0);
      this.v4Mask.push(mask);
      if (bits <= 30) this.v4Broadcast.push(((v4 & mask) | ~mask) >>> 0);
      return;
    }
    const v6 = parseIpv6(addr);
    if (!v6) throw new Error(`"${entry}" is not an IPv4 or IPv6 address or CIDR`);
    const bits = slash < 0 ? 128 : Number(entry.slice(slash + 1));
    if (!Number.isInteger(bits) || bits < 0 || bits > 128) throw new Error(`bad prefix length in "${entry}" (0-128)`);
    const mask = new Uint32Array(4);
    for (let i = 0; i < 4; i++) {
      const b = Math.max(0, Math.min(32, bits - 32 * i));
      mask[i] = b === 0 ? 0 : (0xffffffff << (32 - b)) >>> 0;
      v6[i] = (v6[i] & mask[i]) >>> 0;
    }
    this.v6Net.push(v6);
    this.v6Mask.push(mask);
  }

  hasV4(a: number): boolean {
    const n = this.v4Net;
    const m = this.v4Mask;
    for (let i = 0; i < n.length; i++) if (((a & m[i]) >>> 0) === n[i]) return true;
    return false;
  }

  hasV6(w: Uint32Array): boolean {
    const n = this.v6Net;
    const m = this.v6Mask;
    outer: for (let i = 0; i < n.length; i++) {
      const net = n[i];
      const mask = m[i];
      for (let j = 0; j < 4; j++) if (((w[j] & mask[j]) >>> 0) !== net[j]) continue outer;
      return true;
    }
    return false;
  }

  /** The directed-broadcast address of one of the IPv4 networks in this set. */
  isV4Broadcast(a: number): boolean {
    return this.v4Broadcast.includes(a);
  }
}

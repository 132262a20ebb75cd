import { ipv4ToString, ipv6Key, ipv6ToString } from '../../decode/address.js';
import { Layer, TcpFlag, type PacketView } from '../../decode/packet-view.js';
import { hash52 } from '../../track/hash.js';
import type { Detector } from '../detector.js';
import { GroupTable, type DecoyGroup } from './groups.js';
import { pow2AtLeast } from '../../lib/pow2.js';

export interface DecoyOptions {
  /** Slots of the recent-probe table (rounded up to a power of two). */
  probeSlots: number;
  /** Two identical probes from different sources this close in packet time are copies. */
  window: number;
  /** Copies between two sources, at distinct (host, port) pairs, before they are linked. */
  minLinks: number;
  /** Slots of the pair-evidence table (rounded up to a power of two). */
  pairSlots: number;
  maxMembers: number;
  /** A member not linked again for this long leaves its group. */
  idle: number;
}

/**
 * Decoy linking (`nmap -D`). nmap sends each probe once per decoy, back to
 * back, byte for byte the same but for the source address (and the TTL, and
 * so the checksums): same source port, sequence number, IP id, window and
 * options (observed with nmap 7.93 in the namespace lab; see NOTES.md).
 * Benign clients never share a source port, a 32-bit sequence number and an
 * IP id. So: a probe (SYN/stealth TCP or UDP, no ACK of a connection) keyed
 * by those fields and its destination is remembered for `window` seconds in a
 * direct-mapped table; the same key from another source is a copy, and the
 * two sources gain a link. `minLinks` links at different destinations
 * (host, port) put them in one group. Scan events of grouped sources carry
 * the group id and size (see the alert manager's `groupOf`).
 */
export class DecoyLinker implements Detector {
  readonly name = 'decoy';
  readonly groups: GroupTable;
  /**
   * Last probe per slot, 3 doubles side by side (key + 1, source, time):
   * one cache line per probe instead of three parallel arrays' three (every
   * probe of a spoofed flood misses the cache; issue 9).
   */
  private readonly probe: Float64Array;
  private readonly pMask: number;
  private readonly lKey: Float64Array;
  private readonly lCount: Uint16Array;
  private readonly lLast: Float64Array;
  private readonly lMask: number;
  private nextHousekeeping = 0;
  probes = 0;
  copies = 0;
  links = 0;
  /** Victim text of the copy being linked (for a new group's id), set just before link. */
  private linkDst = '';
  private linkTs = 0;

  constructor(private readonly o: DecoyOptions) {
    const p = pow2AtLeast(o.probeSlots);
    this.probe = new Float64Array(p * 3);
    this.pMask = p - 1;
    const l = pow2AtLeast(o.pairSlots);
    this.lKey = new Float64Array(l);
    this.lCount = new Uint16Array(l);
    this.lLast = new Float64Array(l);
    this.lMask = l - 1;
    this.groups = new GroupTable(o.maxMembers, o.idle);
  }

  groupOfAddress(v6: boolean, addr4: number, addr6: Uint32Array): DecoyGroup | null {
    return this.groups.groupOf(v6 ? ipv6Key(addr6) : addr4);
  }

  /** A settled connection's bare ACK is no probe (a decoy copy is a probe to a port nobody talks to). */
  onSettled(v: PacketView): void {
    if (v.ts >= this.nextHousekeeping) this.housekeeping(v.ts);
  }

  onPacket(v: PacketView): void {
    if (v.ts >= this.nextHousekeeping) this.housekeeping(v.ts);
    let a: number;
    let b: number;
    if ((v.layers & Layer.TCP) !== 0) {
      // Probes only: SYN, or flag sets without ACK (NULL/FIN/Xmas), or a bare ACK (nmap -sA): never data.
      if ((v.tcpFlags & TcpFlag.RST) !== 0 || v.payloadLength !== 0) return;
      if ((v.tcpFlags & TcpFlag.ACK) !== 0 && v.tcpFlags !== TcpFlag.ACK) return;
      a = v.tcpSeq * 65536 + v.sport;
      b = (v.ipId * 65536 + v.tcpWindow) * 256 + v.tcpFlags;
    } else if ((v.layers & Layer.UDP) !== 0) {
      a = v.sport;
      b = v.ipId * 65536 + v.payloadLength + 2 ** 44; // apart from every TCP value (< 2^40)
    } else return;
    this.probes++;
    const dst = v.ipVersion === 4 ? v.dst4 : ipv6Key(v.dst6);
    const src = v.ipVersion === 4 ? v.src4 : ipv6Key(v.src6);
    const key = hash52(dst, a, hash52(b, v.dport, v.ipVersion));
    const pr = this.probe;
    const i = (key & this.pMask) * 3;
    if (pr[i] === key + 1 && pr[i + 1] !== src && v.ts - pr[i + 2] <= this.o.window) {
      this.copies++;
      this.linkDst = '';
      this.linkTs = v.ts;
      this.evidence(pr[i + 1], src, hash52(dst, v.dport, v.proto), v);
    }
    pr[i] = key + 1;
    pr[i + 1] = src;
    pr[i + 2] = v.ts;
  }

  /** One more copy between sources x and y at destination `where`. */
  private evidence(x: number, y: number, where: number, v: PacketView): void {
    const lo = Math.min(x, y);
    const hi = Math.max(x, y);
    const pair = hash52(lo, hi, 0x0dec0);
    const j = pair & this.lMask;
    if (this.lKey[j] !== pair + 1) {
      this.lKey[j] = pair + 1; // a colliding pair starts over: evidence is cheap to gather again
      this.lCount[j] = 0;
      this.lLast[j] = -1;
    }
    if (this.lLast[j] === where) return; // a retransmission to the same host:port is not new evidence
    this.lLast[j] = where;
    if (this.lCount[j] < 65535) this.lCount[j]++;
    if (this.lCount[j] >= this.o.minLinks) {
      this.links++;
      this.groups.link(x, y, v.ts, () => this.groupName(v));
    }
  }

  /** `decoy-<victim>-<ms of the link>`: the first victim the group was seen at. */
  private groupName(v: PacketView): string {
    if (this.linkDst === '') this.linkDst = v.ipVersion === 4 ? ipv4ToString(v.dst4) : ipv6ToString(v.dst6);
    return `decoy-${this.linkDst}-${Math.round(this.linkTs * 1000)}`;
  }

  private housekeeping(now: number): void {
    this.nextHousekeeping = Math.floor(now) + 1;
    this.groups.expire(now);
  }

  tick(now: number): void {
    this.housekeeping(now);
  }

  flush(): void {}
}

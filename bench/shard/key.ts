/**
 * Which worker a decoded packet goes to: a hash of its *scanner side*, so a
 * probe and its answer (SYN and RST, UDP and ICMP port unreachable) meet the
 * same per-source state, as Zeek's and Suricata's flow hashing keeps both
 * directions of a flow on one worker. The tracker (src/detect/scan/
 * source-tracker.ts) decides per packet whether it is a probe by `src` or an
 * answer to `dst`'s contact, from contact state; a stateless splitter can only
 * guess, so the guess must be the same for both directions of a pair:
 *
 * 1. Exactly one side inside --local-net: the outside side. An inbound scan and
 *    every answer to it, and every conversation of an outside client, go to
 *    the outside host's worker (all packets of one pair always go together).
 * 2. Otherwise (both local, or both outside) from the packet:
 *    - ICMP error: the quoted packet's sender (= `dst`), the prober;
 *    - ICMP echo/timestamp request: `src`; their replies: `dst`;
 *    - TCP SYN without ACK: `src`; SYN+ACK or RST: `dst` (an answer);
 *    - other TCP, UDP, SCTP: the side with the higher port is the client (a
 *      service listens on the lower one); equal ports: the lower address.
 *
 * Known splits: a local host scanning outside hosts (rule 1 sends each pair
 * to the outside host's worker), and a stealth or UDP probe from a source
 * port lower than the port it probes, between two hosts on the same side.
 * Detectors that look across sources (the decoy linker, the victim detector)
 * are not per-source: the victim detector stays on the main thread; decoy
 * groups whose members hash to different workers are not linked.
 */
import type { CidrSet } from '../../src/decode/cidr-set.js';
import type { PacketView } from '../../src/decode/packet-view.js';

const IPV4 = 4;
const TCP = 6;
const ICMP4 = 1;
const ICMP6 = 58;
const SYN = 0x02;
const RST = 0x04;
const ACK = 0x10;

/** 32-bit finaliser (murmur3 fmix32): spreads sequential addresses over workers. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function fold6(w: Uint32Array): number {
  return (w[0] ^ Math.imul(w[1], 31) ^ Math.imul(w[2], 961) ^ Math.imul(w[3], 29791)) >>> 0;
}

/** 0 = the packet's source is the scanner side, 1 = its destination. */
function sideOf(v: PacketView, local: CidrSet): number {
  const v4 = v.ipVersion === IPV4;
  const srcLocal = v4 ? local.hasV4(v.src4) : local.hasV6(v.src6);
  const dstLocal = v4 ? local.hasV4(v.dst4) : local.hasV6(v.dst6);
  if (srcLocal !== dstLocal) return srcLocal ? 1 : 0;
  const p = v.proto;
  if (p === ICMP4 || p === ICMP6) {
    const t = v.icmpType;
    // Echo reply (0 / 129), timestamp reply (14), errors (3, 11 / 1, 3): toward the prober.
    if (p === ICMP4) return t === 0 || t === 14 || t === 3 || t === 11 || t === 5 || t === 12 ? 1 : 0;
    return t === 129 || t < 128 ? 1 : 0;
  }
  if (p === TCP) {
    const f = v.tcpFlags;
    if ((f & (SYN | ACK)) === SYN) return 0;
    if ((f & (SYN | ACK)) === (SYN | ACK) || (f & RST) !== 0) return 1;
  }
  if (v.sport !== v.dport) return v.sport < v.dport ? 1 : 0;
  if (v4) return v.src4 <= v.dst4 ? 0 : 1;
  return fold6(v.src6) <= fold6(v.dst6) ? 0 : 1;
}

/** The worker (0..workers-1) for a decoded packet. */
export function shardOf(v: PacketView, local: CidrSet, workers: number): number {
  if (workers === 1) return 0;
  const toDst = sideOf(v, local) === 1;
  const a = v.ipVersion === IPV4 ? (toDst ? v.dst4 : v.src4) : fold6(toDst ? v.dst6 : v.src6);
  return fmix(a) % workers;
}

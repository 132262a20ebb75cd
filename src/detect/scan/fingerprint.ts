import type { PacketView } from '../../decode/packet-view.js';
import { IpFlag } from '../../decode/packet-view.js';
import type { ScanTool } from '../../sink/schema.js';
import { Kind } from './kinds.js';

/**
 * Public fingerprints of raw-packet scanners, tested per probe (TCP and UDP).
 * Sources and line numbers are in NOTES.md ("Tool fingerprints").
 * - zmap before 4.1: IPv4 identification 54321 on every probe (packet.c
 *   make_ip_header), TCP or UDP.
 * - zmap 4.1 and later (IP ID random since PR #798): SYN with window 65535,
 *   ack 0, no DF, MSS 1460 and one of its four option layouts (--probe-args
 *   windows, the default; linux; bsd; smallest-probes), the timestamp option
 *   (linux, bsd) carrying TSval = Unix seconds and TSecr 0. UDP (every
 *   version): checksum 0 and no DF (make_udp_header leaves the sum at 0).
 * - masscan: IP ID = (dst_ip ^ dst_port ^ cookie) & 0xffff (templ-pkt.c). On
 *   SYNs the cookie is the sequence number (checked against the esnet
 *   capture: all 1001 SYNs match). On UDP it is written into the payload of
 *   DNS, portmapper and NetBIOS probes (the first two bytes) and SNMP (the
 *   request id); other UDP probes carry masscan's template: TTL 255, no DF,
 *   no payload.
 * - nmap raw scans (-sS/-sF/-sN/-sX/-sA/-sM): TCP window 1024, 2048, 3072 or
 *   4096; SYNs carry exactly one option, MSS; the other probes none.
 * A random IP ID matches zmap or masscan by chance once in 65536 probes, so a
 * tool is only named when most of a source's probes match (toolOf).
 */
export const enum Fp {
  NMAP = 1,
  MASSCAN = 2,
  ZMAP = 4,
  /**
   * The UDP match came from a weak mark only (zmap's checksum 0 without DF,
   * masscan's bare template): an embedded stack can send such datagrams too,
   * so weak marks alone never decide a scan whose probes are mostly answered.
   */
  WEAK = 8,
}

export function tcpFingerprint(v: PacketView, kind: number): number {
  let r = 0;
  if (v.ipVersion === 4) {
    if (v.ipId === 54321) r |= Fp.ZMAP;
    else if (kind === Kind.SYN && isZmap41Syn(v)) r |= Fp.ZMAP;
    if (kind === Kind.SYN && ((v.dst4 ^ v.dport ^ v.tcpSeq) & 0xffff) === v.ipId) r |= Fp.MASSCAN;
  }
  const w = v.tcpWindow;
  if (w === 1024 || w === 2048 || w === 3072 || w === 4096) {
    if (kind === Kind.SYN ? v.tcpOptionsLength === 4 && v.tcpMss >= 0 : v.tcpOptionsLength === 0) r |= Fp.NMAP;
  }
  return r;
}

// Option kind bits as decoded into PacketView.tcpOptionKinds (1 << kind).
const NOP = 1 << 1;
const MSS = 1 << 2;
const WS = 1 << 3;
const SACK_OK = 1 << 4;
const TS = 1 << 8;

/** zmap >= 4.1 SYN (module_tcp_synscan.c + packet.c set_tcp_options). */
function isZmap41Syn(v: PacketView): boolean {
  if (v.tcpWindow !== 65535 || v.tcpAck !== 0 || (v.ipFlags & IpFlag.DF) !== 0 || v.tcpMss !== 1460) return false;
  const k = v.tcpOptionKinds;
  switch (v.tcpOptionsLength) {
    case 4: // smallest-probes: MSS only
      return k === MSS;
    case 12: // windows (default): MSS, NOP, WS 8, NOP, NOP, SACK permitted
      return k === (MSS | NOP | WS | SACK_OK) && v.tcpWscale === 8;
    case 20: // linux: MSS, SACK permitted, TS, NOP, WS 7
      return k === (MSS | SACK_OK | TS | NOP | WS) && v.tcpWscale === 7 && unixSecondsTs(v);
    case 24: // bsd: MSS, NOP, WS 6, NOP, NOP, TS, SACK permitted, EOL, EOL
      return k === (MSS | NOP | WS | TS | SACK_OK) && v.tcpWscale === 6 && unixSecondsTs(v);
    default:
      return false;
  }
}

/** zmap writes time(NULL) as TSval and leaves TSecr 0; a real stack's TSval is a ms counter. */
function unixSecondsTs(v: PacketView): boolean {
  const d = v.tcpTsval - v.tsSec;
  return v.tcpTsecr === 0 && d > -86400 && d < 86400;
}

/** UDP ports of tunnels that send checksum 0 without DF from ordinary hosts (VXLAN 4789/8472, VXLAN-GPE 4790, Geneve 6081, MPLS-in-UDP 6635). */
function isTunnelPort(p: number): boolean {
  return p === 4789 || p === 8472 || p === 4790 || p === 6081 || p === 6635;
}

export function udpFingerprint(v: PacketView): number {
  // TTL 0: no IP header behind the view (flow records leave checksum, flags and TTL at 0).
  if (v.ipVersion !== 4 || v.ttl === 0) return 0;
  let r = 0;
  let strong = false;
  const noDf = (v.ipFlags & IpFlag.DF) === 0;
  if (v.ipId === 54321) {
    r |= Fp.ZMAP;
    strong = true;
  } else if (v.udpChecksum === 0 && noDf && !isTunnelPort(v.dport)) r |= Fp.ZMAP;
  const cookie = masscanUdpCookie(v);
  if (cookie >= 0) {
    if (((v.dst4 ^ v.dport ^ cookie) & 0xffff) === v.ipId) {
      r |= Fp.MASSCAN;
      strong = true;
    }
  } else if (v.payloadLength === 0 && noDf && v.ttl > 128 && v.udpChecksum !== 0) {
    r |= Fp.MASSCAN; // masscan's bare UDP template: TTL 255, no DF, no payload
  }
  return r !== 0 && !strong ? r | Fp.WEAK : r;
}

/** Low 16 bits of the cookie masscan writes into a UDP payload, or -1 (templ-payloads.c, proto-dns.c, proto-snmp.c). */
function masscanUdpCookie(v: PacketView): number {
  const o = v.payloadOffset;
  const n = v.payloadLength;
  if (o < 0) return -1;
  const b = v.bytes;
  const p = v.dport;
  // DNS, portmapper, NetBIOS: dns_set_cookie writes the cookie's low 16 bits into bytes 0-1.
  if ((p === 53 || p === 111 || p === 137) && n >= 2 && o + 2 <= b.length) return (b[o] << 8) | b[o + 1];
  // SNMP: 30 LL 02 01 00 04 06 "public" a0 LL 02 04 <request id>: the id's low half at 19-20.
  if (p === 161 && n >= 21 && o + 21 <= b.length && b[o] === 0x30 && b[o + 15] === 0x02 && b[o + 16] === 0x04) return (b[o + 19] << 8) | b[o + 20];
  return -1;
}

/** TCP option kinds that only a full OS stack puts on a SYN: window scale, SACK permitted, timestamps. */
const OS_OPTION_KINDS = (1 << 3) | (1 << 4) | (1 << 8);

export function isOsStackSyn(v: PacketView): boolean {
  return (v.tcpOptionKinds & OS_OPTION_KINDS) !== 0;
}

/**
 * Tool marks that are not per-probe counts: a set of probes only one tool
 * sends (see detect/osscan/NOTES.md and detect/discovery/NOTES.md).
 */
export const enum Mark {
  /** nmap's OS-detection probes (osscan2.cc: T2-T7, ECN, SEQ windows, U1, IE). */
  NMAP_OS = 1,
  /** nmap's default host discovery to one host: ICMP echo + timestamp + SYN 443 + ACK 80 (echo + SYN 443 + ACK 80 for IPv6). */
  NMAP_DISCOVERY = 2,
}

/** Fingerprint counts of one source: TCP and UDP apart, so one protocol's probes never dilute the other's marks. */
export interface FingerprintCounts {
  /** TCP probe packets tested. */
  fpChecked: number;
  fpNmap: number;
  fpMasscan: number;
  fpZmap: number;
  /** UDP probe packets tested, and those matching masscan and zmap. */
  fpUdpChecked: number;
  fpUdpMasscan: number;
  fpUdpZmap: number;
  /** UDP probes whose match was a weak mark only (Fp.WEAK). */
  fpUdpWeak: number;
  /** Bits of Mark. */
  marks?: number;
  /** Echo requests without and with payload (discovery part). */
  pingsEmpty?: number;
  pingsData?: number;
}

/** Count one probe's fingerprint (the source tracker calls this per TCP or UDP probe). */
export function countFingerprint(c: FingerprintCounts, v: PacketView, kind: number, udp: boolean): void {
  if (udp) {
    const fp = udpFingerprint(v);
    c.fpUdpChecked++;
    if ((fp & Fp.MASSCAN) !== 0) c.fpUdpMasscan++;
    if ((fp & Fp.ZMAP) !== 0) c.fpUdpZmap++;
    if ((fp & Fp.WEAK) !== 0) c.fpUdpWeak++;
    return;
  }
  const fp = tcpFingerprint(v, kind);
  c.fpChecked++;
  if ((fp & Fp.NMAP) !== 0) c.fpNmap++;
  if ((fp & Fp.MASSCAN) !== 0) c.fpMasscan++;
  if ((fp & Fp.ZMAP) !== 0) c.fpZmap++;
}

/**
 * The tool named by a source's counts, or unknown: at least `min` matching
 * probes of one protocol, and at least half of that protocol's probes.
 */
export function toolOf(c: FingerprintCounts, min: number): ScanTool {
  if (enough(c.fpZmap, c.fpChecked, min) || enough(c.fpUdpZmap, c.fpUdpChecked, min)) return 'zmap';
  if (enough(c.fpMasscan, c.fpChecked, min) || enough(c.fpUdpMasscan, c.fpUdpChecked, min)) return 'masscan';
  if (enough(c.fpNmap, c.fpChecked, min)) return 'nmap';
  if ((c.marks ?? 0) !== 0 || emptyPings(c, min)) return 'nmap';
  return 'unknown';
}

/**
 * The tool a fingerprint verdict may decide on at once (engine.ts), or
 * unknown. TCP marks and strong UDP marks (IP ID 54321, masscan's cookie
 * relation) decide as they name; when the tool is named only thanks to weak
 * UDP marks, most of the source's first contacts must have gone unanswered
 * (a zmap or masscan sweep; not a device resolving names on many servers).
 */
export function verdictTool(c: FingerprintCounts & { successes: number; pairs: number }, min: number): ScanTool {
  const tool = toolOf(c, min);
  if (tool === 'unknown' || tool === 'nmap') return tool;
  const tcp = tool === 'zmap' ? c.fpZmap : c.fpMasscan;
  const udp = tool === 'zmap' ? c.fpUdpZmap : c.fpUdpMasscan;
  if (enough(tcp, c.fpChecked, min) || enough(udp - c.fpUdpWeak, c.fpUdpChecked, min)) return tool;
  return 2 * c.successes < c.pairs ? tool : 'unknown';
}

function enough(n: number, of: number, min: number): boolean {
  return n >= min && 2 * n >= of;
}

/** Probes matching the tool, TCP and UDP together. */
export function toolMatches(c: FingerprintCounts, tool: ScanTool): number {
  return tool === 'zmap' ? c.fpZmap + c.fpUdpZmap : tool === 'masscan' ? c.fpMasscan + c.fpUdpMasscan : tool === 'nmap' ? c.fpNmap : 0;
}

export function toolEvidence(c: FingerprintCounts, tool: ScanTool): string {
  const tcp = (n: number) => `${n}/${c.fpChecked} TCP probes`;
  const udp = (n: number) => `${n}/${c.fpUdpChecked} UDP probes`;
  const both = (t: number, u: number) => (t > 0 && u > 0 ? `${tcp(t)}, ${udp(u)}` : u > 0 ? udp(u) : tcp(t));
  switch (tool) {
    case 'zmap':
      return `IP ID 54321, zmap 4.1+ SYN (window 65535, no DF, MSS 1460 + its option layout) or UDP checksum 0 without DF on ${both(c.fpZmap, c.fpUdpZmap)}`;
    case 'masscan':
      return `IP ID = (dst ^ dport ^ seq or payload cookie) & 0xffff, or its bare UDP template (TTL > 128, no DF, no payload) on ${both(c.fpMasscan, c.fpUdpMasscan)}`;
    case 'nmap':
      if (!enough(c.fpNmap, c.fpChecked, 1)) {
        if ((c.marks ?? 0) !== 0) return markText(c.marks ?? 0);
        const e = c.pingsEmpty ?? 0;
        return `ICMP echo requests without payload on ${e}/${e + (c.pingsData ?? 0)} echo requests`;
      }
      return `TCP window 1024/2048/3072/4096 with MSS-only (SYN) or no options on ${tcp(c.fpNmap)}`;
    default:
      return '';
  }
}

/**
 * nmap's ping probes carry no payload (ping and fping send 56 bytes, Windows
 * 32): snort3 raises "ICMP PING NMAP" on an echo request with dsize 0
 * (src/codecs/ip/cd_icmp4.cc, ICMP4MiscTests). hping3 -1 sends none either.
 */
function emptyPings(c: FingerprintCounts, min: number): boolean {
  const e = c.pingsEmpty ?? 0;
  return enough(e, e + (c.pingsData ?? 0), min);
}

function markText(marks: number): string {
  const out: string[] = [];
  if ((marks & Mark.NMAP_OS) !== 0) out.push('nmap OS-detection probes (osscan2.cc windows/options, T2-T7, ECN, U1, IE)');
  if ((marks & Mark.NMAP_DISCOVERY) !== 0) out.push('nmap host-discovery set to one host (ICMP echo + timestamp + SYN 443 + ACK 80)');
  return out.join('; ');
}

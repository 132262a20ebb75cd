import type { PacketView } from '../../decode/packet-view.js';
import type { ScanTool } from '../../sink/schema.js';
import { Kind } from './kinds.js';

/**
 * Public fingerprints of raw-packet scanners, tested per TCP probe:
 * - zmap: IPv4 identification 54321 (its default, src/probe_modules).
 * - masscan: IP ID = (dst_ip ^ dst_port ^ seq) & 0xffff on its SYNs (templ-pkt.c);
 *   checked against the esnet capture: all 1001 SYNs match.
 * - nmap raw scans (-sS/-sF/-sN/-sX/-sA/-sM): TCP window 1024, 2048, 3072 or
 *   4096; SYNs carry exactly one option, MSS; the other probes none.
 * A random IP ID matches zmap or masscan by chance once in 65536 probes, so a
 * tool is only named when most of a source's probes match (toolOf).
 */
export const enum Fp {
  NMAP = 1,
  MASSCAN = 2,
  ZMAP = 4,
}

export function tcpFingerprint(v: PacketView, kind: number): number {
  let r = 0;
  if (v.ipVersion === 4) {
    if (v.ipId === 54321) r |= Fp.ZMAP;
    if (kind === Kind.SYN && ((v.dst4 ^ v.dport ^ v.tcpSeq) & 0xffff) === v.ipId) r |= Fp.MASSCAN;
  }
  const w = v.tcpWindow;
  if (w === 1024 || w === 2048 || w === 3072 || w === 4096) {
    if (kind === Kind.SYN ? v.tcpOptionsLength === 4 && v.tcpMss >= 0 : v.tcpOptionsLength === 0) r |= Fp.NMAP;
  }
  return r;
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

/** Fingerprint counts of one source. */
export interface FingerprintCounts {
  /** TCP probe packets tested. */
  fpChecked: number;
  fpNmap: number;
  fpMasscan: number;
  fpZmap: number;
  /** Bits of Mark. */
  marks?: number;
  /** Echo requests without and with payload (discovery part). */
  pingsEmpty?: number;
  pingsData?: number;
}

/** The tool named by a source's counts, or unknown: at least `min` matching probes, and at least half of them. */
export function toolOf(c: FingerprintCounts, min: number): ScanTool {
  if (enough(c.fpZmap, c.fpChecked, min)) return 'zmap';
  if (enough(c.fpMasscan, c.fpChecked, min)) return 'masscan';
  if (enough(c.fpNmap, c.fpChecked, min)) return 'nmap';
  if ((c.marks ?? 0) !== 0 || emptyPings(c, min)) return 'nmap';
  return 'unknown';
}

function enough(n: number, of: number, min: number): boolean {
  return n >= min && 2 * n >= of;
}

export function toolMatches(c: FingerprintCounts, tool: ScanTool): number {
  return tool === 'zmap' ? c.fpZmap : tool === 'masscan' ? c.fpMasscan : tool === 'nmap' ? c.fpNmap : 0;
}

export function toolEvidence(c: FingerprintCounts, tool: ScanTool): string {
  const of = `${toolMatches(c, tool)}/${c.fpChecked} TCP probes`;
  switch (tool) {
    case 'zmap':
      return `IP ID 54321 on ${of}`;
    case 'masscan':
      return `IP ID = (dst ^ dport ^ seq) & 0xffff on ${of}`;
    case 'nmap':
      if (!enough(c.fpNmap, c.fpChecked, 1)) {
        if ((c.marks ?? 0) !== 0) return markText(c.marks ?? 0);
        const e = c.pingsEmpty ?? 0;
        return `ICMP echo requests without payload on ${e}/${e + (c.pingsData ?? 0)} echo requests`;
      }
      return `TCP window 1024/2048/3072/4096 with MSS-only (SYN) or no options on ${of}`;
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

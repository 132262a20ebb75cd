/**
 * Synthetic PacketViews for detector tests: fields set directly, no bytes.
 * Packet time is whatever `ts` says, so no fake timers are needed.
 */
import { parseIpv4, parseIpv6 } from '../../../src/decode/address.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP, Layer, PacketView } from '../../../src/decode/packet-view.js';
import { createScanEngine } from '../../../src/assemble/scan-engine.js';
import type { ScanEngine } from '../../../src/detect/scan/engine.js';
import type { ScanEvent } from '../../../src/sink/schema.js';
import type { StatsRegistry } from '../../../src/stats/counters.js';

export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;
export const URG = 0x20;

/** SYN options: nmap raw (MSS only), an OS stack (MSS, SACK, TS, WS), or none. */
export type SynOptions = 'nmap' | 'os' | 'none';

export interface TcpSpec {
  ts: number;
  src: string;
  dst: string;
  sport?: number;
  dport: number;
  flags: number;
  window?: number;
  options?: SynOptions;
  ipId?: number;
  seq?: number;
  payload?: number;
}

function addresses(v: PacketView, src: string, dst: string): void {
  if (src.includes(':')) {
    v.ipVersion = 6;
    v.layers |= Layer.IPV6;
    v.src6.set(parseIpv6(src)!);
    v.dst6.set(parseIpv6(dst)!);
  } else {
    v.ipVersion = 4;
    v.layers |= Layer.IPV4;
    v.src4 = parseIpv4(src);
    v.dst4 = parseIpv4(dst);
  }
}

export function tcp(o: TcpSpec): PacketView {
  const v = new PacketView();
  v.ts = o.ts;
  addresses(v, o.src, o.dst);
  v.proto = IPPROTO_TCP;
  v.layers |= Layer.TCP;
  v.sport = o.sport ?? 40000;
  v.dport = o.dport;
  v.tcpFlags = o.flags;
  v.tcpWindow = o.window ?? 1024;
  v.ipId = o.ipId ?? 4321;
  v.tcpSeq = o.seq ?? 12345;
  v.payloadLength = o.payload ?? 0;
  const opts = o.options ?? ((o.flags & SYN) !== 0 && (o.flags & ACK) === 0 ? 'nmap' : 'none');
  if (opts === 'nmap') {
    v.tcpOptionsLength = 4;
    v.tcpMss = 1460;
    v.tcpOptionKinds = 1 << 2;
  } else if (opts === 'os') {
    v.tcpOptionsLength = 20;
    v.tcpMss = 1460;
    v.tcpWscale = 7;
    v.tcpOptionKinds = (1 << 1) | (1 << 2) | (1 << 3) | (1 << 4) | (1 << 8);
  }
  return v;
}

export function udp(o: { ts: number; src: string; dst: string; sport?: number; dport: number; payload?: number; ipId?: number; ttl?: number; checksum?: number; df?: boolean }): PacketView {
  const v = new PacketView();
  v.ts = o.ts;
  addresses(v, o.src, o.dst);
  v.proto = IPPROTO_UDP;
  v.layers |= Layer.UDP;
  v.sport = o.sport ?? 50000;
  v.dport = o.dport;
  v.payloadLength = o.payload ?? 0;
  // An OS stack's datagram by default: Linux sets DF and computes the checksum (zmap and masscan do neither or not both).
  v.ipId = o.ipId ?? 4321;
  v.ttl = o.ttl ?? 64;
  v.udpChecksum = o.checksum ?? 0xbeef;
  v.ipFlags = o.df === false ? 0 : 2;
  return v;
}

/** An ICMP/ICMPv6 message that quotes nothing (echo, timestamp, mask requests and replies). */
export function icmp(o: { ts: number; src: string; dst: string; type: number; code?: number; payload?: number; ttl?: number }): PacketView {
  const v = new PacketView();
  v.ts = o.ts;
  addresses(v, o.src, o.dst);
  // A packet's TTL (a flow record's view has 0: no IP header behind it).
  v.ttl = o.ttl ?? 64;
  const six = v.ipVersion === 6;
  v.proto = six ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
  v.layers |= six ? Layer.ICMP6 : Layer.ICMP4;
  v.icmpType = o.type;
  v.icmpCode = o.code ?? 0;
  v.payloadLength = o.payload ?? 56;
  return v;
}

/** An SCTP packet whose first chunk is `chunk` (1 INIT, 2 INIT ACK, 6 ABORT, 10 COOKIE ECHO). */
export function sctp(o: { ts: number; src: string; dst: string; sport?: number; dport: number; chunk: number }): PacketView {
  const v = new PacketView();
  v.ts = o.ts;
  addresses(v, o.src, o.dst);
  v.proto = IPPROTO_SCTP;
  v.layers |= Layer.SCTP;
  v.sport = o.sport ?? 40000;
  v.dport = o.dport;
  v.sctpChunk = o.chunk;
  return v;
}

/** A bare IP packet of protocol `proto` (GRE 47, ESP 50, ...): IP-level facts only. */
export function ipOnly(o: { ts: number; src: string; dst: string; proto: number }): PacketView {
  const v = new PacketView();
  v.ts = o.ts;
  addresses(v, o.src, o.dst);
  v.proto = o.proto;
  return v;
}

/** ICMP(v6) destination unreachable from `from` to `to`, quoting a probe. */
export function unreachable(o: {
  ts: number;
  from: string;
  to: string;
  probeSrc: string;
  probeDst: string;
  probeSport?: number;
  probeDport: number;
  probeProto?: number;
  code?: number;
}): PacketView {
  const v = new PacketView();
  v.ts = o.ts;
  addresses(v, o.from, o.to);
  const six = v.ipVersion === 6;
  v.proto = six ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
  v.layers |= (six ? Layer.ICMP6 : Layer.ICMP4) | Layer.ICMP_QUOTE;
  v.icmpType = six ? 1 : 3;
  v.icmpCode = o.code ?? (six ? 4 : 3);
  v.innerProto = o.probeProto ?? IPPROTO_UDP;
  if (six) {
    v.innerSrc6.set(parseIpv6(o.probeSrc)!);
    v.innerDst6.set(parseIpv6(o.probeDst)!);
  } else {
    v.innerSrc4 = parseIpv4(o.probeSrc);
    v.innerDst4 = parseIpv4(o.probeDst);
  }
  v.innerSport = o.probeSport ?? 50000;
  v.innerDport = o.probeDport;
  // Ports are read only for TCP, UDP and SCTP quotes (decode/transport.ts).
  const p = v.innerProto;
  if (p !== IPPROTO_TCP && p !== IPPROTO_UDP && p !== IPPROTO_SCTP) v.layers &= ~Layer.ICMP_QUOTE;
  return v;
}

/** The scan engine with every detector, defaults unless overridden, collecting events. */
export class Harness {
  readonly engine: ScanEngine;
  readonly stats: StatsRegistry;
  readonly events: ScanEvent[] = [];
  now = 0;

  constructor(params: Record<string, unknown> = {}) {
    const made = createScanEngine({ params, onEvent: (e) => this.events.push(e) });
    this.engine = made.engine;
    this.stats = made.stats;
  }

  feed(...views: PacketView[]): this {
    for (const v of views) {
      if (v.ts > this.now) this.now = v.ts;
      this.engine.onPacket(v);
    }
    return this;
  }

  flush(now = this.now): this {
    this.engine.flush(now);
    return this;
  }

  of(scanner: string, event?: ScanEvent['event']): ScanEvent[] {
    return this.events.filter((e) => e.scanner === scanner && (event === undefined || e.event === event));
  }

  counter(name: string): number {
    return this.stats.snapshot()[name];
  }
}

/**
 * A vertical SYN scan: `scanner` probes `ports` on `victim`, one every `gap`
 * seconds from `t0`; closed ports answer RST after `rtt`, `open` ones SYN-ACK
 * (and the scanner's kernel RSTs), `silent` ones nothing.
 */
export function synScan(o: {
  scanner: string;
  victim: string;
  ports: number[];
  t0: number;
  gap: number;
  rtt?: number;
  open?: number[];
  silent?: number[];
  options?: SynOptions;
  window?: number;
}): PacketView[] {
  const out: PacketView[] = [];
  const rtt = o.rtt ?? 0.001;
  o.ports.forEach((port, i) => {
    const t = o.t0 + i * o.gap;
    out.push(tcp({ ts: t, src: o.scanner, dst: o.victim, sport: 33333, dport: port, flags: SYN, options: o.options, window: o.window }));
    if (o.silent?.includes(port)) return;
    if (o.open?.includes(port)) {
      out.push(tcp({ ts: t + rtt, src: o.victim, dst: o.scanner, sport: port, dport: 33333, flags: SYN | ACK, options: 'os', window: 29200 }));
      out.push(tcp({ ts: t + 2 * rtt, src: o.scanner, dst: o.victim, sport: 33333, dport: port, flags: RST, window: 0 }));
    } else {
      out.push(tcp({ ts: t + rtt, src: o.victim, dst: o.scanner, sport: port, dport: 33333, flags: RST | ACK, window: 0 }));
    }
  });
  return out.sort((a, b) => a.ts - b.ts);
}

export const range = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);

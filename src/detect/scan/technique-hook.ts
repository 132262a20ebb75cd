import { ipv6Key, isSpecialIpv4, isSpecialIpv6 } from '../../decode/address.js';
import { IPPROTO_TCP, IPPROTO_UDP, Layer, type PacketView } from '../../decode/packet-view.js';
import type { ScanPart } from './part.js';
import { SAMPLE_SIZE, type SourceState } from './source-state.js';
import type { CidrSet } from '../../decode/cidr-set.js';

/**
 * A part that judges the technique kinds the contact table never stores
 * (Kind.PING..Kind.OS): it keeps its own bounded tables and gets the packets
 * the tracker does not judge, with address keys already resolved (IPv4 as
 * is, IPv6 by ipv6Key) and special/ignored addresses filtered out, as the
 * tracker does for TCP/UDP. Hooks run on the per-packet path: no allocation,
 * no throw, no logging.
 */
export interface TechniquePart extends ScanPart {
  /** An ICMP/ICMPv6 packet that is not an error (echo, timestamp, mask requests and replies...). */
  onIcmp?(v: PacketView, src: number, dst: number, now: number): void;
  /** An ICMP/ICMPv6 error quoting a probe that was neither TCP nor UDP, sent by `prober` to `target`. */
  onIcmpError?(v: PacketView, prober: number, target: number, now: number): void;
  /** SCTP (Layer.SCTP) or any other IP protocol that is not TCP, UDP or ICMP (not a fragment). */
  onOther?(v: PacketView, src: number, dst: number, now: number): void;
  /** Every TCP or UDP packet the tracker looks at (before it does). */
  onTcpUdp?(v: PacketView, src: number, dst: number, now: number): void;
}

/**
 * What the hook uses of the source tracker (source-tracker.ts), named here
 * so the tracker and its hook do not import each other.
 */
export interface HookTracker {
  readonly sources: { peek(key: number): SourceState | undefined };
  sourceFor(v: PacketView, key: number, now: number): SourceState;
  deferTechnique(v: PacketView, key: number, dst: number, kind: number, portKey: number, port: number, ping: number, now: number): boolean;
  holdsTechnique(src: number, dst: number, portKey: number, now: number): boolean;
  admitAnswered(prober: number, dst: number, portKey: number, now: number): SourceState | undefined;
  notify(s: SourceState, now: number): void;
}

/** The tracker options the hook reads (TrackerOptions has them). */
export interface HookOptions {
  readonly ignore: CidrSet;
  readonly localNets: CidrSet;
}

/**
 * The tracker's one call-out for technique parts (source-tracker.ts calls
 * `icmp`, `other` and `tcpUdp`), and the bookkeeping every such probe shares
 * with the tracker's own probes (counts, hosts, ports, samples, concentration).
 */
export class TechniqueHook {
  private readonly parts: TechniquePart[] = [];
  /** Parts with onTcpUdp, apart: that hook runs on every TCP/UDP packet. */
  private readonly tcpUdpParts: TechniquePart[] = [];
  private readonly hasIgnore: boolean;
  /** Packets skipped for special or ignored addresses (the tracker counts its own). */
  skipped = 0;

  constructor(
    private readonly tracker: HookTracker,
    private readonly o: HookOptions,
  ) {
    this.hasIgnore = o.ignore.size > 0;
  }

  add(p: TechniquePart): void {
    this.parts.push(p);
    if (p.onTcpUdp) this.tcpUdpParts.push(p);
  }

  get size(): number {
    return this.parts.length;
  }

  // ---------------------------------------------------------------- from the tracker

  /** An ICMP packet; true when it was consumed (the tracker then skips it). */
  icmp(v: PacketView): boolean {
    const six = v.ipVersion === 6;
    const t = v.icmpType;
    const isError = six ? t >= 1 && t <= 4 : t === 3 || t === 4 || t === 5 || t === 11 || t === 12;
    const parts = this.parts;
    if (isError) {
      // TCP/UDP quotes are the tracker's; everything else (SCTP, protocol probes) ours.
      if (v.innerProto === IPPROTO_TCP || v.innerProto === IPPROTO_UDP) return false;
      let prober: number;
      let target: number;
      if (six) {
        if (this.hasIgnore && this.o.ignore.hasV6(v.innerSrc6)) return true;
        prober = ipv6Key(v.innerSrc6);
        target = ipv6Key(v.innerDst6);
      } else {
        if (v.innerSrc4 === 0 || (this.hasIgnore && this.o.ignore.hasV4(v.innerSrc4))) return true;
        prober = v.innerSrc4;
        target = v.innerDst4;
      }
      for (let i = 0; i < parts.length; i++) parts[i].onIcmpError?.(v, prober, target, v.ts);
      return true;
    }
    if (!this.keys(v)) return true;
    for (let i = 0; i < parts.length; i++) parts[i].onIcmp?.(v, this.src, this.dst, v.ts);
    return true;
  }

  /** SCTP and other IP protocols (not fragments: no transport header to judge). */
  other(v: PacketView): void {
    if ((v.layers & Layer.FRAGMENT) !== 0 || !this.keys(v)) return;
    const parts = this.parts;
    for (let i = 0; i < parts.length; i++) parts[i].onOther?.(v, this.src, this.dst, v.ts);
  }

  /** A TCP or UDP packet, keys already filtered by the tracker. */
  tcpUdp(v: PacketView, src: number, dst: number): void {
    const parts = this.tcpUdpParts;
    for (let i = 0; i < parts.length; i++) parts[i].onTcpUdp!(v, src, dst, v.ts);
  }

  // ---------------------------------------------------------------- for parts

  /** The sender of `v` as a source (created if new). */
  source(v: PacketView, src: number, now: number): SourceState {
    return this.tracker.sourceFor(v, src, now);
  }

  /**
   * The first probe of a source with neither state nor record, kept in an
   * admission record (technique-admission.ts): true, and the part only writes
   * its own contact. Only for a probe that is a new pair and a new kind, whose
   * part judges nothing on one probe. `ping`: 1 echo without payload, 2 with, else 0.
   */
  defer(v: PacketView, src: number, dst: number, kind: number, key: number, port: number, ping: number, now: number): boolean {
    return this.tracker.deferTechnique(v, src, dst, kind, key, port, ping, now);
  }

  /**
   * A known source; or, when the target answered its recorded first probe
   * to (dst, key) (INIT ACK, ABORT, ICMP unreachable), its new state: an
   * answer is evidence, as a TCP RST is.
   */
  answered(prober: number, dst: number, key: number, now: number): SourceState | undefined {
    return this.tracker.sources.peek(prober) ?? this.tracker.admitAnswered(prober, dst, key, now);
  }

  /** Whether `src` has no state and its record holds its first probe to (dst, key). */
  held(src: number, dst: number, key: number, now: number): boolean {
    return this.tracker.holdsTechnique(src, dst, key, now);
  }

  /** A known source, without touching its recency. */
  peek(key: number): SourceState | undefined {
    return this.tracker.sources.peek(key);
  }

  /**
   * A probe of a technique kind from `s` to `v`'s destination: what the
   * tracker's probe() does for its own kinds. `newPair`: first probe to this
   * (host, key); `port` >= 0 is counted as a port (SCTP), -1 is not (ICMP, IP protocols).
   */
  probe(s: SourceState, v: PacketView, dst: number, kind: number, key: number, port: number, newPair: boolean, newKind: boolean, now: number): void {
    s.probes++;
    if (s.firstSeen === 0) s.firstSeen = now;
    s.lastProbe = now;
    if (newKind) s.kindCount[kind]++;
    if (!newPair) return;
    s.pairs++;
    s.all.add(dst, key);
    if (s.hosts.add(dst) && s.nSampleHosts < SAMPLE_SIZE) sampleHost(s, v);
    if (port >= 0 && s.ports.add(port) && s.nSamplePorts < SAMPLE_SIZE) s.samplePorts[s.nSamplePorts++] = port;
  }

  /** Evidence about `s` changed: let the engine judge it. */
  changed(s: SourceState, now: number): void {
    this.tracker.notify(s, now);
  }

  // ---------------------------------------------------------------- addresses

  private src = 0;
  private dst = 0;

  /** Resolve `v`'s address keys into src/dst; false for special or ignored addresses. */
  private keys(v: PacketView): boolean {
    if (v.ipVersion === 4) {
      if (isSpecialIpv4(v.src4) || isSpecialIpv4(v.dst4) || this.o.localNets.isV4Broadcast(v.dst4)) return this.skip();
      if (this.hasIgnore && (this.o.ignore.hasV4(v.src4) || this.o.ignore.hasV4(v.dst4))) return this.skip();
      this.src = v.src4;
      this.dst = v.dst4;
      return true;
    }
    if (isSpecialIpv6(v.src6) || isSpecialIpv6(v.dst6)) return this.skip();
    if (this.hasIgnore && (this.o.ignore.hasV6(v.src6) || this.o.ignore.hasV6(v.dst6))) return this.skip();
    this.src = ipv6Key(v.src6);
    this.dst = ipv6Key(v.dst6);
    return true;
  }

  private skip(): false {
    this.skipped++;
    return false;
  }
}

function sampleHost(s: SourceState, v: PacketView): void {
  const i = s.nSampleHosts++;
  if (v.ipVersion === 4) {
    s.sampleIsV6[i] = 0;
    s.sampleHost4[i] = v.dst4;
  } else {
    s.sampleIsV6[i] = 1;
    s.sampleHost6.set(v.dst6, 4 * i);
  }
}

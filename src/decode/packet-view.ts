/**
 * PacketView: one reusable, numbers-only description of the current packet.
 *
 * Contract (the same as gopacket's DecodingLayer):
 * - A capture loop owns exactly one view. The source fills the raw fields
 *   (`bytes`, `offset`, `caplen`, `wirelen`, `linkType`, `tsSec`, `tsNsec`),
 *   then `decode()` resets and fills every decoded field in place.
 * - `bytes` points into the source's buffer; the view and those bytes are valid
 *   only until the next packet. A detector that keeps anything copies the
 *   numbers it needs (never the view, never a subarray).
 * - After a non-OK status, only `status` and the raw fields can be trusted.
 */
export const enum Layer {
  VLAN = 1 << 0,
  IPV4 = 1 << 1,
  IPV6 = 1 << 2,
  TCP = 1 << 3,
  UDP = 1 << 4,
  ICMP4 = 1 << 5,
  ICMP6 = 1 << 6,
  /** An ICMP error quoting an earlier packet: the inner* fields are set. */
  ICMP_QUOTE = 1 << 7,
  /** An IP fragment (IPv4 MF/offset, IPv6 fragment header). */
  FRAGMENT = 1 << 8,
  /** SCTP common header (ports, verification tag) and first chunk type read. */
  SCTP = 1 << 9,
  /**
   * The transport header was put together from several fragments (decode/
   * fragments.ts): `bytes` is then the fragment table's buffer and l4Offset,
   * payloadOffset point into it. One such view per datagram, not per fragment.
   */
  REASSEMBLED = 1 << 10,
}

/** Evasion evidence seen on this packet's datagram (PacketView.evasion bits). */
export const enum Evasion {
  /** First fragment too short to hold the transport header (RFC 1858 section 3.1, nmap -f). */
  TINY_FRAGMENT = 1 << 0,
  /** A fragment overwrote bytes of the transport header with different ones (RFC 1858 section 3.2, RFC 3128). */
  OVERLAP = 1 << 1,
}

/** IPv4 flag bits as kept in PacketView.ipFlags (the top 3 bits of byte 6). */
export const enum IpFlag {
  MF = 1,
  DF = 2,
}

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_SCTP = 132;

/** SCTP chunk types (RFC 9260 section 3.2) that scans send or draw. */
export const enum SctpChunk {
  DATA = 0,
  INIT = 1,
  INIT_ACK = 2,
  ABORT = 6,
  SHUTDOWN_ACK = 8,
  COOKIE_ECHO = 10,
  COOKIE_ACK = 11,
}

/** TCP flag bits as on the wire (byte 13 of the header, plus NS in bit 8). */
export const enum TcpFlag {
  FIN = 0x01,
  SYN = 0x02,
  RST = 0x04,
  PSH = 0x08,
  ACK = 0x10,
  URG = 0x20,
  ECE = 0x40,
  CWR = 0x80,
}

export class PacketView {
  // ---- raw, set by the capture source ----
  /** The capture buffer; the packet starts at `offset`. Not owned. */
  bytes: Uint8Array = EMPTY;
  offset = 0;
  /** Bytes actually captured. */
  caplen = 0;
  /** Length on the wire (>= caplen when the snap length cut it). */
  wirelen = 0;
  /** DLT / LINKTYPE number of this packet's link layer. */
  linkType = 0;
  /** Packet time: whole seconds since the epoch, and nanoseconds within it. */
  tsSec = 0;
  tsNsec = 0;
  /** Index of the capture interface (pcapng IDB number, or 0). */
  ifIndex = 0;

  // ---- decoded ----
  /** Packet time in seconds as a double (tsSec + tsNsec / 1e9): the detectors' clock. */
  ts = 0;
  /** Decode status (see decode/status.ts). */
  status = 0;
  /** Bit set of Layer values found. */
  layers = 0;
  /** Outer VLAN id, or -1. */
  vlan = -1;
  /** Absolute offsets into `bytes` of the network and transport headers and the payload; -1 when absent. */
  l3Offset = -1;
  l4Offset = -1;
  payloadOffset = -1;
  payloadLength = 0;

  /** 4 or 6, 0 when there is no IP layer. */
  ipVersion = 0;
  /** IPv4 addresses as unsigned 32-bit numbers (0 for IPv6). */
  src4 = 0;
  dst4 = 0;
  /** IPv6 addresses as four big-endian 32-bit words (untouched for IPv4). */
  readonly src6 = new Uint32Array(4);
  readonly dst6 = new Uint32Array(4);
  /** Transport protocol number (after IPv6 extension headers). */
  proto = 0;
  /** IPv4 identification (0 for IPv6). */
  ipId = 0;
  /** IPv4 TTL or IPv6 hop limit. */
  ttl = 0;
  /** IPv4 flags (IpFlag bits: DF, MF); 0 for IPv6. */
  ipFlags = 0;
  /** Evasion bits (Evasion) of this datagram's fragments; 0 when unfragmented. */
  evasion = 0;

  sport = 0;
  dport = 0;

  tcpFlags = 0;
  tcpSeq = 0;
  tcpAck = 0;
  tcpWindow = 0;
  /** Length of the TCP options in bytes. */
  tcpOptionsLength = 0;
  /** MSS option value, or -1 when absent. */
  tcpMss = -1;
  /** Window-scale option shift, or -1 when absent. */
  tcpWscale = -1;
  /** Bit set of TCP option kinds present (kinds 0..30; 31 = any higher kind). */
  tcpOptionKinds = 0;
  /** Timestamp option TSval and TSecr, -1 when absent. */
  tcpTsval = -1;
  tcpTsecr = -1;

  /** UDP checksum field as sent (0 = none, allowed on IPv4 only). */
  udpChecksum = 0;

  /** SCTP verification tag and the type of the first chunk (-1 when none). */
  sctpVtag = 0;
  sctpChunk = -1;

  icmpType = -1;
  icmpCode = -1;

  // ---- what an ICMP/ICMPv6 error quotes (Layer.ICMP_QUOTE) ----
  innerProto = 0;
  innerSrc4 = 0;
  innerDst4 = 0;
  readonly innerSrc6 = new Uint32Array(4);
  readonly innerDst6 = new Uint32Array(4);
  innerSport = 0;
  innerDport = 0;

  /** Reset every decoded field; called by decode() first. */
  resetDecoded(): void {
    this.status = 0;
    this.layers = 0;
    this.vlan = -1;
    this.l3Offset = -1;
    this.l4Offset = -1;
    this.payloadOffset = -1;
    this.payloadLength = 0;
    this.ipVersion = 0;
    this.src4 = 0;
    this.dst4 = 0;
    this.proto = 0;
    this.ipId = 0;
    this.ttl = 0;
    this.ipFlags = 0;
    this.evasion = 0;
    this.sport = 0;
    this.dport = 0;
    this.tcpFlags = 0;
    this.tcpSeq = 0;
    this.tcpAck = 0;
    this.tcpWindow = 0;
    this.tcpOptionsLength = 0;
    this.tcpMss = -1;
    this.tcpWscale = -1;
    this.tcpOptionKinds = 0;
    this.tcpTsval = -1;
    this.tcpTsecr = -1;
    this.udpChecksum = 0;
    this.sctpVtag = 0;
    this.sctpChunk = -1;
    this.icmpType = -1;
    this.icmpCode = -1;
    this.innerProto = 0;
    this.innerSrc4 = 0;
    this.innerDst4 = 0;
    this.innerSport = 0;
    this.innerDport = 0;
  }

  /** Set the raw fields in one call (what a capture source does per packet). */
  setRaw(
    bytes: Uint8Array,
    offset: number,
    caplen: number,
    wirelen: number,
    linkType: number,
    tsSec: number,
    tsNsec: number,
  ): void {
    this.bytes = bytes;
    this.offset = offset;
    this.caplen = caplen;
    this.wirelen = wirelen;
    this.linkType = linkType;
    this.tsSec = tsSec;
    this.tsNsec = tsNsec;
    this.ts = tsSec + tsNsec / 1e9;
  }
}

const EMPTY = new Uint8Array(0);

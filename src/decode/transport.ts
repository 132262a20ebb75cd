import { u16, u32 } from './bytes.js';
import { walk, walkIpv6Extensions } from './ipv6.js';
import type { PacketView } from './packet-view.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP, Layer } from './packet-view.js';
import { DecodeStatus } from './status.js';

/**
 * TCP, UDP, ICMP, ICMPv6 and SCTP headers at `view.l4Offset`, bounded by `end`
 * (the smaller of the IP packet's declared end and the captured bytes).
 * A datagram with no transport bytes at all (l4Offset === end: nmap -sO's
 * empty probes) is OK with only `proto` set; callers tell a capture cut from
 * a short datagram (see decode.ts).
 */
export function decodeTransport(view: PacketView, end: number): number {
  if (view.l4Offset >= end) return DecodeStatus.OK;
  switch (view.proto) {
    case IPPROTO_TCP:
      return tcp(view, end);
    case IPPROTO_UDP:
      return udp(view, end);
    case IPPROTO_ICMP:
      return icmp(view, end, false);
    case IPPROTO_ICMPV6:
      return icmp(view, end, true);
    case IPPROTO_SCTP:
      return sctp(view, end);
    default:
      return DecodeStatus.OK; // GRE, ESP, IP-in-IP...: IP-level facts only.
  }
}

/** Bytes of a transport header we need before decoding it (SCTP: common header + one chunk header). */
export function transportHeaderNeed(proto: number): number {
  switch (proto) {
    case IPPROTO_TCP:
      return 20;
    case IPPROTO_UDP:
    case IPPROTO_ICMP:
    case IPPROTO_ICMPV6:
      return 8;
    case IPPROTO_SCTP:
      return SCTP_COMMON + 4;
    default:
      return 0;
  }
}

/** SCTP common header: ports, verification tag, CRC32c (RFC 9260 section 3.1). */
const SCTP_COMMON = 12;

function sctp(view: PacketView, end: number): number {
  const b = view.bytes;
  const o = view.l4Offset;
  if (o + SCTP_COMMON > end) return DecodeStatus.TRUNCATED;
  view.layers |= Layer.SCTP;
  view.sport = u16(b, o);
  view.dport = u16(b, o + 2);
  view.sctpVtag = u32(b, o + 4);
  const chunk = o + SCTP_COMMON;
  // A packet with no chunk is legal to decode; a cut chunk header is the capture's doing.
  if (chunk + 4 <= end) {
    view.sctpChunk = b[chunk];
    if (u16(b, chunk + 2) < 4) return DecodeStatus.BAD_TRANSPORT; // chunk length counts its own header
  }
  view.payloadOffset = chunk;
  view.payloadLength = end - chunk;
  return DecodeStatus.OK;
}

function tcp(view: PacketView, end: number): number {
  const b = view.bytes;
  const o = view.l4Offset;
  if (o + 20 > end) return DecodeStatus.TRUNCATED;
  const dataOffset = (b[o + 12] >> 4) * 4;
  if (dataOffset < 20) return DecodeStatus.BAD_TRANSPORT;
  view.layers |= Layer.TCP;
  view.sport = u16(b, o);
  view.dport = u16(b, o + 2);
  view.tcpSeq = u32(b, o + 4);
  view.tcpAck = u32(b, o + 8);
  view.tcpFlags = b[o + 13] | ((b[o + 12] & 1) << 8);
  view.tcpWindow = u16(b, o + 14);
  view.tcpOptionsLength = dataOffset - 20;
  // Options may be cut by the snap length: read what is there, it is not damage.
  const optEnd = Math.min(o + dataOffset, end);
  readTcpOptions(view, o + 20, optEnd);
  const payload = o + dataOffset;
  view.payloadOffset = payload;
  view.payloadLength = end > payload ? end - payload : 0;
  return DecodeStatus.OK;
}

function readTcpOptions(view: PacketView, start: number, end: number): void {
  const b = view.bytes;
  let p = start;
  while (p < end) {
    const kind = b[p];
    if (kind === 0) break; // end of options
    view.tcpOptionKinds |= 1 << (kind < 31 ? kind : 31);
    if (kind === 1) {
      p++; // NOP
      continue;
    }
    if (p + 1 >= end) break;
    const len = b[p + 1];
    if (len < 2 || p + len > end) break;
    if (kind === 2 && len === 4) view.tcpMss = u16(b, p + 2);
    else if (kind === 3 && len === 3) view.tcpWscale = b[p + 2];
    else if (kind === 8 && len === 10) {
      view.tcpTsval = u32(b, p + 2);
      view.tcpTsecr = u32(b, p + 6);
    }
    p += len;
  }
}

function udp(view: PacketView, end: number): number {
  const b = view.bytes;
  const o = view.l4Offset;
  if (o + 8 > end) return DecodeStatus.TRUNCATED;
  view.layers |= Layer.UDP;
  view.sport = u16(b, o);
  view.dport = u16(b, o + 2);
  view.udpChecksum = u16(b, o + 6);
  view.payloadOffset = o + 8;
  view.payloadLength = end - o - 8;
  return DecodeStatus.OK;
}

/** ICMP error types that quote the offending packet. */
function isIcmp4Error(type: number): boolean {
  return type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
}

function isIcmp6Error(type: number): boolean {
  return type >= 1 && type <= 4;
}

function icmp(view: PacketView, end: number, v6: boolean): number {
  const b = view.bytes;
  const o = view.l4Offset;
  if (o + 4 > end) return DecodeStatus.TRUNCATED;
  view.layers |= v6 ? Layer.ICMP6 : Layer.ICMP4;
  view.icmpType = b[o];
  view.icmpCode = b[o + 1];
  view.payloadOffset = o + 8;
  view.payloadLength = end > o + 8 ? end - o - 8 : 0;
  if (v6 ? isIcmp6Error(view.icmpType) : isIcmp4Error(view.icmpType)) {
    // A quote too short to name the probe is still a fine ICMP packet.
    if (v6) quotedIpv6(view, o + 8, end);
    else quotedIpv4(view, o + 8, end);
  }
  return DecodeStatus.OK;
}

function quotedIpv4(view: PacketView, q: number, end: number): void {
  const b = view.bytes;
  if (q + 20 > end || b[q] >> 4 !== 4) return;
  const ihl = (b[q] & 0x0f) * 4;
  if (ihl < 20) return;
  view.innerProto = b[q + 9];
  view.innerSrc4 = u32(b, q + 12);
  view.innerDst4 = u32(b, q + 16);
  quotedPorts(view, q + ihl, end);
}

function quotedIpv6(view: PacketView, q: number, end: number): void {
  const b = view.bytes;
  if (q + 40 > end || b[q] >> 4 !== 6) return;
  for (let i = 0; i < 4; i++) {
    view.innerSrc6[i] = u32(b, q + 8 + 4 * i);
    view.innerDst6[i] = u32(b, q + 24 + 4 * i);
  }
  // The first next header, even when the walk cannot go on (an ICMPv6
  // parameter problem about an empty extension header: nmap -6 -sO).
  view.innerProto = b[q + 6];
  const l4 = walkIpv6Extensions(b, b[q + 6], q + 40, end);
  if (l4 < 0 || walk.fragment) return;
  view.innerProto = walk.proto;
  quotedPorts(view, l4, end);
}

function quotedPorts(view: PacketView, l4: number, end: number): void {
  const p = view.innerProto;
  // SCTP puts its ports first too (RFC 9260 section 3.1), so the 8 quoted bytes hold them.
  if ((p === IPPROTO_TCP || p === IPPROTO_UDP || p === IPPROTO_SCTP) && l4 + 4 <= end) {
    view.innerSport = u16(view.bytes, l4);
    view.innerDport = u16(view.bytes, l4 + 2);
    view.layers |= Layer.ICMP_QUOTE;
  }
}

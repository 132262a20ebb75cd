import { u16, u32 } from './bytes.js';
import { FRAG_DIRECT, onFragment, type Reassembler } from './fragments.js';
import { walk, walkIpv6Extensions, WALK_TRUNCATED } from './ipv6.js';
import { decodeLink, ETHERTYPE_IPV4, ETHERTYPE_IPV6, LINK_TRUNCATED, LINK_UNSUPPORTED } from './link.js';
import type { PacketView } from './packet-view.js';
import { Layer } from './packet-view.js';
import { DecodeStatus } from './status.js';
import { decodeTransport } from './transport.js';

/**
 * Decode the packet whose raw fields are set in `view`, in place.
 * Never throws, never allocates; returns (and stores in view.status) a DecodeStatus.
 * With a Reassembler, fragmented datagrams are decoded once their transport
 * header is complete (decode/fragments.ts); without one, a first fragment
 * that holds the header is decoded and every other fragment is skipped
 * (status FRAGMENT).
 */
export function decode(view: PacketView, frags: Reassembler | null = null): number {
  view.resetDecoded();
  const type = decodeLink(view);
  let status: number;
  if (type === LINK_TRUNCATED) status = DecodeStatus.TRUNCATED;
  else if (type === LINK_UNSUPPORTED) status = DecodeStatus.UNSUPPORTED_LINK;
  else if (type === ETHERTYPE_IPV4) status = ipv4(view, frags);
  else if (type === ETHERTYPE_IPV6) status = ipv6(view, frags);
  else status = DecodeStatus.NOT_IP;
  view.status = status;
  return status;
}

function ipv4(view: PacketView, frags: Reassembler | null): number {
  const b = view.bytes;
  const o = view.l3Offset;
  const captured = view.offset + view.caplen;
  if (o + 20 > captured) return DecodeStatus.TRUNCATED;
  if (b[o] >> 4 !== 4) return DecodeStatus.BAD_IP;
  const ihl = (b[o] & 0x0f) * 4;
  const totalLength = u16(b, o + 2);
  // Total length 0 happens with TSO on the capturing host: trust the capture then.
  if (ihl < 20 || (totalLength !== 0 && totalLength < ihl)) return DecodeStatus.BAD_IP;
  if (o + ihl > captured) return DecodeStatus.TRUNCATED;
  view.ipVersion = 4;
  view.layers |= Layer.IPV4;
  view.ipId = u16(b, o + 4);
  view.ttl = b[o + 8];
  view.proto = b[o + 9];
  view.src4 = u32(b, o + 12);
  view.dst4 = u32(b, o + 16);
  const flagsOffset = u16(b, o + 6);
  view.ipFlags = flagsOffset >>> 13;
  const l4 = o + ihl;
  const declaredEnd = totalLength === 0 ? captured : o + totalLength;
  const end = declaredEnd < captured ? declaredEnd : captured;
  if ((flagsOffset & 0x3fff) !== 0) {
    // MF set or a non-zero offset (in 8-byte units, RFC 791).
    const off = (flagsOffset & 0x1fff) * 8;
    const r = onFragment(view, frags, false, view.ipId, view.proto, off, l4, declaredEnd - l4, end - l4, (flagsOffset & 0x2000) === 0, off === 0 ? l4 : -1);
    if (r !== FRAG_DIRECT) return r;
  }
  view.l4Offset = l4;
  return transport(view, end, declaredEnd);
}

function ipv6(view: PacketView, frags: Reassembler | null): number {
  const b = view.bytes;
  const o = view.l3Offset;
  const captured = view.offset + view.caplen;
  if (o + 40 > captured) return DecodeStatus.TRUNCATED;
  if (b[o] >> 4 !== 6) return DecodeStatus.BAD_IP;
  view.ipVersion = 6;
  view.layers |= Layer.IPV6;
  view.ttl = b[o + 7];
  const s = view.src6;
  const d = view.dst6;
  for (let i = 0; i < 4; i++) {
    s[i] = u32(b, o + 8 + 4 * i);
    d[i] = u32(b, o + 24 + 4 * i);
  }
  const payloadLength = u16(b, o + 4);
  // Payload length 0 = jumbogram or TSO: bounded by the capture.
  const declaredEnd = payloadLength === 0 ? captured : o + 40 + payloadLength;
  const end = declaredEnd < captured ? declaredEnd : captured;
  const l4 = walkIpv6Extensions(b, b[o + 6], o + 40, end);
  const fh = walk.fragHeader;
  // A fragment header: a non-first fragment, or a first one (offset 0, M set; the walk went past it).
  if (fh >= 0 && fh + 8 <= end && (u16(b, fh + 2) & 0xfff9) !== 0) {
    const off = u16(b, fh + 2) & 0xfff8;
    const at = fh + 8;
    const direct = off === 0 && l4 >= 0 ? l4 : -1;
    if (direct >= 0) view.proto = walk.proto;
    else view.proto = b[fh];
    const r = onFragment(view, frags, true, u32(b, fh + 4), b[fh], off, at, declaredEnd - at, end - at, (b[fh + 3] & 1) === 0, direct);
    if (r !== FRAG_DIRECT) return r;
    view.l4Offset = direct;
    return transport(view, end, declaredEnd);
  }
  if (l4 < 0) return l4 === WALK_TRUNCATED ? DecodeStatus.TRUNCATED : DecodeStatus.BAD_IP;
  view.proto = walk.proto;
  view.l4Offset = l4;
  return transport(view, end, declaredEnd);
}

/**
 * The transport header, telling a capture cut (TRUNCATED) from a datagram
 * that is itself too short for its header (BAD_TRANSPORT). A datagram with no
 * transport bytes at all is OK with `proto` set: nmap -sO sends such probes.
 */
function transport(view: PacketView, end: number, declaredEnd: number): number {
  if (end < declaredEnd && view.l4Offset >= end) return DecodeStatus.TRUNCATED;
  const s = decodeTransport(view, end);
  if (s === DecodeStatus.TRUNCATED && end >= declaredEnd) return DecodeStatus.BAD_TRANSPORT;
  return s;
}

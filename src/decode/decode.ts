import { u16, u32 } from './bytes.js';
import { walk, walkIpv6Extensions, WALK_TRUNCATED } from './ipv6.js';
import { decodeLink, ETHERTYPE_IPV4, ETHERTYPE_IPV6, LINK_TRUNCATED, LINK_UNSUPPORTED } from './link.js';
import type { PacketView } from './packet-view.js';
import { Layer } from './packet-view.js';
import { DecodeStatus } from './status.js';
import { decodeTransport } from './transport.js';

/**
 * Decode the packet whose raw fields are set in `view`, in place.
 * Never throws, never allocates; returns (and stores in view.status) a DecodeStatus.
 */
export function decode(view: PacketView): number {
  view.resetDecoded();
  const type = decodeLink(view);
  let status: number;
  if (type === LINK_TRUNCATED) status = DecodeStatus.TRUNCATED;
  else if (type === LINK_UNSUPPORTED) status = DecodeStatus.UNSUPPORTED_LINK;
  else if (type === ETHERTYPE_IPV4) status = ipv4(view);
  else if (type === ETHERTYPE_IPV6) status = ipv6(view);
  else status = DecodeStatus.NOT_IP;
  view.status = status;
  return status;
}

function ipv4(view: PacketView): number {
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
  if ((u16(b, o + 6) & 0x1fff) !== 0) {
    view.layers |= Layer.FRAGMENT; // no transport header in a non-first fragment
    return DecodeStatus.OK;
  }
  view.l4Offset = o + ihl;
  const declaredEnd = totalLength === 0 ? captured : o + totalLength;
  return decodeTransport(view, declaredEnd < captured ? declaredEnd : captured);
}

function ipv6(view: PacketView): number {
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
  if (l4 < 0) return l4 === WALK_TRUNCATED ? DecodeStatus.TRUNCATED : DecodeStatus.BAD_IP;
  view.proto = walk.proto;
  if (walk.fragment) {
    view.layers |= Layer.FRAGMENT;
    return DecodeStatus.OK;
  }
  view.l4Offset = l4;
  return decodeTransport(view, end);
}

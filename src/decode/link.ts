import { u16, u32, u32le } from './bytes.js';
import type { PacketView } from './packet-view.js';
import { Layer } from './packet-view.js';

/**
 * Link-layer decoders. Each reads its header at `view.offset`, sets
 * `view.l3Offset`, and returns the ethertype of what follows (0x0800 IPv4,
 * 0x86dd IPv6, anything else = not IP) or a negative number:
 * LINK_TRUNCATED when the header is cut, LINK_UNSUPPORTED for an unknown link.
 */
export const LINK_TRUNCATED = -1;
export const LINK_UNSUPPORTED = -2;

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;

/** LINKTYPE_* numbers (tcpdump.org/linktypes.html) we decode. */
export const enum LinkType {
  NULL = 0,
  ETHERNET = 1,
  RAW_OLD_BSD = 12,
  RAW_OLD_OPENBSD = 14,
  RAW = 101,
  LOOP = 108,
  LINUX_SLL = 113,
  IPV4 = 228,
  IPV6 = 229,
  LINUX_SLL2 = 276,
}

type LinkDecoder = (view: PacketView) => number;

function unsupported(): number {
  return LINK_UNSUPPORTED;
}

/** Walk 802.1Q / 802.1ad / QinQ tags; `at` points at an ethertype field. */
function afterVlanTags(view: PacketView, at: number, end: number): number {
  const b = view.bytes;
  let type = u16(b, at);
  let p = at + 2;
  // Bounded: real traffic has at most two tags; eight covers any stacking.
  for (let tags = 0; (type === 0x8100 || type === 0x88a8 || type === 0x9100) && tags < 8; tags++) {
    if (p + 4 > end) return LINK_TRUNCATED;
    if (view.vlan < 0) view.vlan = u16(b, p) & 0x0fff;
    view.layers |= Layer.VLAN;
    type = u16(b, p + 2);
    p += 4;
  }
  view.l3Offset = p;
  return type;
}

function ethernet(view: PacketView): number {
  const start = view.offset;
  const end = start + view.caplen;
  if (view.caplen < 14) return LINK_TRUNCATED;
  const type = afterVlanTags(view, start + 12, end);
  // A length field (<= 1500) means 802.3 + LLC: no IP for us.
  return type >= 0 && type <= 1500 ? 0 : type;
}

/** IP version nibble decides, for links that carry bare IP packets. */
function rawIp(view: PacketView): number {
  if (view.caplen < 1) return LINK_TRUNCATED;
  view.l3Offset = view.offset;
  const version = view.bytes[view.offset] >> 4;
  return version === 4 ? ETHERTYPE_IPV4 : version === 6 ? ETHERTYPE_IPV6 : 0;
}

function ipv4Only(view: PacketView): number {
  view.l3Offset = view.offset;
  return ETHERTYPE_IPV4;
}

function ipv6Only(view: PacketView): number {
  view.l3Offset = view.offset;
  return ETHERTYPE_IPV6;
}

/** BSD AF_ values for IPv6 differ by OS: Linux 10, NetBSD/OpenBSD 24, FreeBSD 28, macOS 30. */
function familyToEthertype(af: number): number {
  if (af === 2) return ETHERTYPE_IPV4;
  if (af === 10 || af === 24 || af === 28 || af === 30) return ETHERTYPE_IPV6;
  return 0;
}

/** DLT_NULL: 4-byte address family in the capturing host's byte order. */
function bsdNull(view: PacketView): number {
  if (view.caplen < 4) return LINK_TRUNCATED;
  const b = view.bytes;
  const o = view.offset;
  view.l3Offset = o + 4;
  // Family values are small, so whichever order gives a small number is right.
  const le = u32le(b, o);
  return familyToEthertype(le < 0x10000 ? le : u32(b, o));
}

/** DLT_LOOP (OpenBSD): the same family word, always network order. */
function bsdLoop(view: PacketView): number {
  if (view.caplen < 4) return LINK_TRUNCATED;
  view.l3Offset = view.offset + 4;
  return familyToEthertype(u32(view.bytes, view.offset));
}

/** Linux cooked v1 (16 bytes, protocol at 14), what old `tcpdump -i any` writes. */
function linuxSll(view: PacketView): number {
  if (view.caplen < 16) return LINK_TRUNCATED;
  const end = view.offset + view.caplen;
  return afterVlanTags(view, view.offset + 14, end);
}

/** Linux cooked v2 (20 bytes, protocol at 0), what `tcpdump -i any` writes since libpcap 1.10. */
function linuxSll2(view: PacketView): number {
  if (view.caplen < 20) return LINK_TRUNCATED;
  view.l3Offset = view.offset + 20;
  const type = u16(view.bytes, view.offset);
  if (type === 0x8100 || type === 0x88a8) {
    return afterVlanTags(view, view.offset + 18, view.offset + view.caplen);
  }
  return type;
}

/** Indexed by link type; every slot filled, so the lookup never misses. */
const TABLE_SIZE = 512;
const decoders: LinkDecoder[] = new Array<LinkDecoder>(TABLE_SIZE).fill(unsupported);
decoders[LinkType.NULL] = bsdNull;
decoders[LinkType.ETHERNET] = ethernet;
decoders[LinkType.RAW_OLD_BSD] = rawIp;
decoders[LinkType.RAW_OLD_OPENBSD] = rawIp;
decoders[LinkType.RAW] = rawIp;
decoders[LinkType.LOOP] = bsdLoop;
decoders[LinkType.LINUX_SLL] = linuxSll;
decoders[LinkType.IPV4] = ipv4Only;
decoders[LinkType.IPV6] = ipv6Only;
decoders[LinkType.LINUX_SLL2] = linuxSll2;

export function decodeLink(view: PacketView): number {
  const lt = view.linkType;
  return lt >= 0 && lt < TABLE_SIZE ? decoders[lt](view) : LINK_UNSUPPORTED;
}

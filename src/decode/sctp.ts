import { u16 } from './bytes.js';
import { Layer, type PacketView } from './packet-view.js';
import { DecodeStatus } from './status.js';

/**
 * SCTP (RFC 9260 section 3): a 12-byte common header (source port,
 * destination port, verification tag, CRC32c), then chunks of
 * type/flags/length. Only the first chunk's type is read: INIT (1),
 * INIT ACK (2), ABORT (6) and COOKIE ECHO (10) are what scans and their
 * answers carry first (nmap -sY/-sZ, scan_engine_raw.cc). The checksum is
 * not verified (a detector reads probes, not associations).
 */
export function decodeSctp(view: PacketView, end: number): number {
  const b = view.bytes;
  const o = view.l4Offset;
  if (o + 12 > end) return DecodeStatus.TRUNCATED;
  view.layers |= Layer.SCTP;
  view.sport = u16(b, o);
  view.dport = u16(b, o + 2);
  // A header without chunks is odd but not damage: sctpChunk stays -1.
  if (o + 16 <= end) view.sctpChunk = b[o + 12];
  view.payloadOffset = o + 12;
  view.payloadLength = end - o - 12;
  return DecodeStatus.OK;
}

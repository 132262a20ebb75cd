/**
 * What decode() returns. Small numbers, no strings on the hot path: the
 * pipeline counts each non-OK status under its name (decode.<name>).
 */
export const enum DecodeStatus {
  OK = 0,
  /** The capture ended before a header we need (snap length or damage). */
  TRUNCATED = 1,
  /** A link type we have no decoder for. */
  UNSUPPORTED_LINK = 2,
  /** A well-formed frame that carries no IP (ARP, LLDP, STP...). Not malformed. */
  NOT_IP = 3,
  /** IP header inconsistent: wrong version, header length, total length. */
  BAD_IP = 4,
  /** TCP/UDP/ICMP/SCTP header inconsistent (e.g. TCP data offset < 5), or a datagram shorter than its header. */
  BAD_TRANSPORT = 5,
  /**
   * An IP fragment that completes no transport header (decode/fragments.ts):
   * a later piece of a datagram already handed on, or one still incomplete.
   * Not malformed; counted and skipped.
   */
  FRAGMENT = 6,
}

/** Names by status value, for counters and messages (index = status). */
export const DECODE_STATUS_NAMES = [
  'ok',
  'truncated',
  'unsupported_link',
  'not_ip',
  'bad_ip',
  'bad_transport',
  'fragment',
] as const;

/** Statuses that mean the bytes are damaged (as opposed to merely not for us). */
export function isMalformed(status: number): boolean {
  return status === DecodeStatus.TRUNCATED || status === DecodeStatus.BAD_IP || status === DecodeStatus.BAD_TRANSPORT;
}

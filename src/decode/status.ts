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
  /** TCP/UDP/ICMP header inconsistent (e.g. TCP data offset < 5). */
  BAD_TRANSPORT = 5,
}

/** Names by status value, for counters and messages (index = status). */
export const DECODE_STATUS_NAMES = [
  'ok',
  'truncated',
  'unsupported_link',
  'not_ip',
  'bad_ip',
  'bad_transport',
] as const;

/** Statuses that mean the bytes are damaged (as opposed to merely not for us). */
export function isMalformed(status: number): boolean {
  return status === DecodeStatus.TRUNCATED || status === DecodeStatus.BAD_IP || status === DecodeStatus.BAD_TRANSPORT;
}

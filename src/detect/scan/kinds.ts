import { TcpFlag } from '../../decode/packet-view.js';
import type { ScanPattern, Technique } from '../../sink/schema.js';

/**
 * Probe kinds, indexed as the alert's technique names. CONNECT is never a
 * probe kind on the wire (it is SYN probes judged by their teardown) and
 * WINDOW is never named (nmap -sW sends the very probes of -sA: see NOTES.md).
 */
export const enum Kind {
  SYN = 0,
  CONNECT = 1,
  FIN = 2,
  NULL = 3,
  XMAS = 4,
  ACK = 5,
  MAIMON = 6,
  WINDOW = 7,
  UDP = 8,
  // Kinds 9..13 are never stored in the contact table's 2-bit states (they
  // have their own tables: detect/discovery, detect/osscan); they are counted
  // per source in kindCount and named like the others.
  /** ICMP/ICMPv6 echo, timestamp or address-mask requests to many hosts (nmap -sn/-PE/-PP/-PM, fping). */
  PING = 9,
  /** SCTP INIT probes (nmap -sY). */
  SCTP_INIT = 10,
  /** SCTP COOKIE ECHO probes without an association (nmap -sZ). */
  SCTP_COOKIE = 11,
  /** Many IP protocol numbers to one host (nmap -sO). */
  IPPROTO = 12,
  /** nmap's OS-detection probe set (nmap -O). */
  OS = 13,
}

export const KIND_COUNT = 14;
/** Kinds whose state lives in contact flags (2 bits each, bits 0..17): kinds 0..8 only, whatever KIND_COUNT is (see CF.KIND_BITS). */
export const CONTACT_KIND_COUNT = 9;
export const KIND_NAMES: readonly Technique[] = ['syn', 'connect', 'fin', 'null', 'xmas', 'ack', 'maimon', 'window', 'udp', 'ping', 'sctp-init', 'sctp-cookie', 'ipproto', 'os'];

/** Port keys carry the protocol: TCP ports as is, UDP ports + 65536. */
export const UDP_PORT_BASE = 65536;
/** Contact-key space of the tracker's "source socket (UDP port) talked to host" markers, apart from port keys. */
export const SOCKET_BASE = 2 * UDP_PORT_BASE;
/**
 * Keys of the kinds with their own tables, in the concentration maps (never
 * in the tracker's contact table; 2*65536.. is its socket-marker space):
 * one key for every ICMP request (so a ping sweep is horizontal), SCTP
 * ports + 4*65536, IP protocol numbers + 5*65536 (so a protocol scan is vertical).
 */
export const PING_KEY = 3 * 65536;
export const SCTP_PORT_BASE = 4 * 65536;
export const IPPROTO_KEY_BASE = 5 * 65536;

/**
 * Contact flags (24 bits, see track/contact-table.ts): a 2-bit state per probe
 * kind at bit 2*kind, then connection facts.
 */
export const enum St {
  NONE = 0,
  PENDING = 1,
  SUCCESS = 2,
  FAILURE = 3,
}

export const enum CF {
  /** Every per-kind state bit (kinds 0..8). */
  KIND_BITS = 0x3ffff,
  /** The prober ACKed a SYN-ACK: a handshake was completed. */
  ESTABLISHED = 1 << 18,
  /** Payload seen in either direction. */
  DATA = 1 << 19,
  /** The completed handshake was torn down (RST/FIN) before any data: counted once. */
  TORN = 1 << 20,
  /** Packets of a connection already running when we first saw it. */
  MIDSTREAM = 1 << 21,
}

export function stateOf(flags: number, kind: number): number {
  return (flags >>> (2 * kind)) & 3;
}

export function withState(flags: number, kind: number, st: number): number {
  return (flags & ~(3 << (2 * kind))) | (st << (2 * kind));
}

/** Kinds whose state is PENDING in `flags`, as a bit set over kinds. */
export function pendingKinds(flags: number): number {
  let out = 0;
  for (let k = 0; k < CONTACT_KIND_COUNT; k++) if (((flags >>> (2 * k)) & 3) === St.PENDING) out |= 1 << k;
  return out;
}

/** How many kinds are PENDING in `flags`. */
export function pendingCount(flags: number): number {
  let n = 0;
  for (let k = 0; k < CONTACT_KIND_COUNT; k++) if (((flags >>> (2 * k)) & 3) === St.PENDING) n++;
  return n;
}

const F = TcpFlag.FIN;
const S = TcpFlag.SYN;
const R = TcpFlag.RST;
const P = TcpFlag.PSH;
const A = TcpFlag.ACK;
const U = TcpFlag.URG;

/**
 * What a TCP packet is as a probe, from its flags alone (ECE/CWR/NS ignored):
 * SYN without ACK/FIN -> SYN; no flags -> NULL; FIN -> FIN; FIN+PSH+URG ->
 * XMAS; FIN+ACK -> MAIMON; a bare ACK without payload -> ACK; anything else
 * (RST, SYN-ACK, data) -> -1. MAIMON and ACK are only probes when no
 * connection is known (the tracker decides that).
 */
export function tcpProbeKind(flags: number, payloadLength: number): number {
  const f = flags & (F | S | R | P | A | U);
  if ((f & R) !== 0) return -1;
  if ((f & S) !== 0) return (f & (A | F)) === 0 ? Kind.SYN : -1;
  switch (f) {
    case 0:
      return Kind.NULL;
    case F:
      return Kind.FIN;
    case F | P | U:
      return Kind.XMAS;
    case F | A:
      return Kind.MAIMON;
    case A:
      return payloadLength === 0 ? Kind.ACK : -1;
    default:
      return -1;
  }
}

/**
 * Pattern from where the probes concentrate (see track/concentration.ts):
 * `min` or more ports on one host is vertical, `min` or more hosts on one port
 * horizontal, both is block; below both, whichever fan-out is larger.
 */
export function patternOf(maxPortsPerHost: number, maxHostsPerPort: number, min: number): ScanPattern {
  const v = maxPortsPerHost >= min;
  const h = maxHostsPerPort >= min;
  if (v && h) return 'block';
  if (v) return 'vertical';
  if (h) return 'horizontal';
  return maxHostsPerPort > maxPortsPerHost ? 'horizontal' : 'vertical';
}

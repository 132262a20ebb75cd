import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, TcpFlag } from '../../decode/packet-view.js';
import { Role } from './flow-record.js';

/**
 * Who started a conversation, from what one direction's flow record says.
 * A flow record has no packet order, only the OR of its flags, so the views
 * we make from it depend on whether this direction opened or answered: an
 * opener's SYN|ACK|RST record was SYN, ACK, RST (a connect scan torn down),
 * an answerer's was SYN-ACK then RST.
 */

const S = TcpFlag.SYN;
const A = TcpFlag.ACK;
const R = TcpFlag.RST;
const F = TcpFlag.FIN;

/** What the decision needs of a direction (FlowViews' entries implement it). */
export interface DirectionFacts {
  proto: number;
  sport: number;
  dport: number;
  flags: number;
  /** Flow start, seconds. */
  ts0: number;
  role: Role;
  /** ICMP type, -1 when not ICMP or unknown. */
  icmpType: number;
}

/**
 * Role of `e`, given its reverse direction `p` when one arrived in the same
 * batch: a SYN without ACK opens; the answer to a SYN without ACK answers;
 * then the earlier start opens; ICMP requests open and replies/errors answer;
 * last, the side whose destination port looks like a service opens.
 */
export function decideRole(e: DirectionFacts, p: DirectionFacts | null): Role {
  if (e.proto === IPPROTO_TCP && (e.flags & (S | A)) === S) return Role.INITIATOR;
  const icmp = icmpRole(e);
  if (icmp !== Role.UNKNOWN) return icmp;
  if (p !== null) {
    if (p.role !== Role.UNKNOWN) return p.role === Role.INITIATOR ? Role.RESPONDER : Role.INITIATOR;
    if (p.proto === IPPROTO_TCP && (p.flags & (S | A)) === S) return Role.RESPONDER;
    if (e.ts0 !== p.ts0) return e.ts0 < p.ts0 ? Role.INITIATOR : Role.RESPONDER;
  }
  return dportIsService(e.dport, e.sport) ? Role.INITIATOR : Role.RESPONDER;
}

function icmpRole(e: DirectionFacts): Role {
  if (e.icmpType < 0) return Role.UNKNOWN;
  if (e.proto === IPPROTO_ICMP) {
    // echo, timestamp, information, address mask requests; everything else answers
    const t = e.icmpType;
    return t === 8 || t === 13 || t === 15 || t === 17 ? Role.INITIATOR : Role.RESPONDER;
  }
  if (e.proto === IPPROTO_ICMPV6) {
    const t = e.icmpType;
    // errors 1-4, echo reply 129 answer; requests and neighbour discovery open
    return t <= 4 || t === 129 ? Role.RESPONDER : Role.INITIATOR;
  }
  return Role.UNKNOWN;
}

/** ICMP/ICMPv6 destination unreachable: the error that fails a UDP probe. */
export function isUnreachable(proto: number, type: number): boolean {
  return (proto === IPPROTO_ICMP && type === 3) || (proto === IPPROTO_ICMPV6 && type === 1);
}

/** 2 for well-known ports, 1 for registered ports below the usual ephemeral ranges, 0 above. */
function serviceScore(port: number): number {
  if (port < 1024) return 2;
  if (port < 32768) return 1;
  return 0;
}

/**
 * Whether `dport` is more likely the service than `sport`: a well-known port
 * beats a registered one, which beats an ephemeral one (Linux 32768-60999,
 * Windows 49152-65535); between equals, the lower port.
 */
export function dportIsService(dport: number, sport: number): boolean {
  const d = serviceScore(dport);
  const s = serviceScore(sport);
  if (d !== s) return d > s;
  return dport <= sport;
}

/**
 * nProbe's biflows carry TCP_FLAGS as the OR over both directions unless the
 * template has CLIENT_TCP_FLAGS/SERVER_TCP_FLAGS. Split it the way the common
 * exchanges go, from the packet counts (client `inPkts`, server `outPkts`):
 * - SYN, RST, one client packet: the SYN was refused (server RST|ACK);
 * - SYN, RST, no PSH/FIN, two client packets: nmap -sS on an open port
 *   (client SYN then RST, server SYN-ACK);
 * - SYN and ACK otherwise: a handshake (server SYN-ACK, FIN if any);
 * - no SYN, RST, one client packet: a stealth probe refused (NULL/FIN/Xmas,
 *   server RST|ACK);
 * - anything else: the client keeps the flags, the server gets ACK-side flags.
 * Returns the server flags, or -1 when no server packet should be made; the
 * client flags are written to `out[0]`.
 */
export function splitCumulativeFlags(c: number, inPkts: number, outPkts: number, out: Int32Array): number {
  if (outPkts <= 0) {
    out[0] = c;
    return -1;
  }
  if ((c & S) !== 0) {
    if ((c & R) !== 0 && inPkts <= 1) {
      out[0] = c & ~(A | R);
      return R | A;
    }
    if ((c & R) !== 0 && inPkts === 2 && (c & (TcpFlag.PSH | F)) === 0) {
      out[0] = S | R;
      return S | A;
    }
    if ((c & A) !== 0) {
      out[0] = c;
      return S | A | (c & F);
    }
    out[0] = c & ~R;
    return (c & R) !== 0 ? R : -1;
  }
  if ((c & R) !== 0 && inPkts <= 1) {
    out[0] = c & ~(A | R);
    return R | A;
  }
  out[0] = c;
  const server = c & (A | TcpFlag.PSH | F | R);
  return server === 0 ? -1 : server;
}

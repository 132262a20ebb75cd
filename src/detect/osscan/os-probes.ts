import { Layer, TcpFlag, type PacketView } from '../../decode/packet-view.js';

/**
 * nmap's second-generation OS-detection probes (nmap osscan2.cc), one bit
 * each. Every TCP probe carries a window from `prbWindowSz[] = {1, 63, 4, 4,
 * 16, 512, 3, 128, 256, 1024, 31337, 32768, 65535}` and the matching options
 * of `prbOpts[]`:
 * - SEQ/OPS/T1 (sendTSeqProbe, sendTOpsProbe): SYN, windows 1, 63, 4, 4, 16,
 *   512, every one with a timestamp option (two with window 4: MSS 640, or no MSS);
 * - ECN (sendTEcnProbe): SYN+ECE+CWR, window 3, urgent pointer 63477;
 * - T2-T7 (sendT1_7Probe), options WScale 10 (15 on T7), MSS 265, TS, SACK:
 *   T2 no flags + DF, window 128; T3 SYN+FIN+URG+PSH, 256; T4 ACK + DF, 1024;
 *   T5 SYN, 31337; T6 ACK + DF, 32768; T7 FIN+PSH+URG, 65535;
 * - U1 (send_closedudp_probe): UDP, 300 bytes of 'C', IP ID 0x1042;
 * - IE (sendTIcmpProbe): echo requests, code 9 with 120 bytes, and TOS 4
 *   (IP_TOS_RELIABILITY) with 150 bytes.
 * No OS stack sends these: a SYN with window 1-512 and timestamps, MSS 265
 * with WScale 10, an echo request with a non-zero code.
 */
export const enum OsProbe {
  SEQ1 = 0,
  SEQ2 = 1,
  SEQ3 = 2,
  SEQ4 = 3,
  SEQ5 = 4,
  SEQ6 = 5,
  ECN = 6,
  T2 = 7,
  T3 = 8,
  T4 = 9,
  T5 = 10,
  T6 = 11,
  T7 = 12,
  U1 = 13,
  IE1 = 14,
  IE2 = 15,
}

export const OS_PROBE_NAMES: readonly string[] = ['SEQ1', 'SEQ2', 'SEQ3', 'SEQ4', 'SEQ5', 'SEQ6', 'ECN', 'T2', 'T3', 'T4', 'T5', 'T6', 'T7', 'U1', 'IE1', 'IE2'];

const F = TcpFlag.FIN;
const S = TcpFlag.SYN;
const R = TcpFlag.RST;
const P = TcpFlag.PSH;
const A = TcpFlag.ACK;
const U = TcpFlag.URG;
const E = TcpFlag.ECE;
const C = TcpFlag.CWR;
const TIMESTAMP_OPTION = 1 << 8;

/** Which OS probe a TCP packet is, or -1. Cheap for ordinary traffic: the window decides first. */
export function tcpOsProbe(v: PacketView): number {
  const w = v.tcpWindow;
  const f = v.tcpFlags & (F | S | R | P | A | U | E | C);
  if (w <= 512) {
    if (f === S) {
      if ((v.tcpOptionKinds & TIMESTAMP_OPTION) === 0) return -1;
      switch (w) {
        case 1:
          return v.tcpMss === 1460 ? OsProbe.SEQ1 : -1;
        case 63:
          return v.tcpMss === 1400 ? OsProbe.SEQ2 : -1;
        case 4:
          return v.tcpMss === 640 ? OsProbe.SEQ3 : v.tcpMss < 0 && v.tcpWscale === 10 ? OsProbe.SEQ4 : -1;
        case 16:
          return v.tcpMss === 536 ? OsProbe.SEQ5 : -1;
        case 512:
          return v.tcpMss === 265 ? OsProbe.SEQ6 : -1;
        default:
          return -1;
      }
    }
    if (w === 3 && f === (S | E | C)) return OsProbe.ECN;
  }
  // T2-T7: MSS 265 with a window scale is nmap's alone (prbOpts[7..12]).
  if (v.tcpMss !== 265 || v.tcpWscale < 0) return -1;
  switch (w) {
    case 128:
      return f === 0 ? OsProbe.T2 : -1;
    case 256:
      return f === (S | F | U | P) ? OsProbe.T3 : -1;
    case 1024:
      return f === A ? OsProbe.T4 : -1;
    case 31337:
      return f === S ? OsProbe.T5 : -1;
    case 32768:
      return f === A ? OsProbe.T6 : -1;
    case 65535:
      return f === (F | P | U) ? OsProbe.T7 : -1;
    default:
      return -1;
  }
}

/** U1: 300 bytes of payload and IP ID 0x1042 (IPv4; nmap's IPv6 U1 has no IP ID, so 300 bytes of 'C'). */
export function udpOsProbe(v: PacketView): number {
  if (v.payloadLength !== 300) return -1;
  if (v.ipVersion === 4) return v.ipId === 0x1042 ? OsProbe.U1 : -1;
  const o = v.payloadOffset;
  if (o < 0 || o + 300 > v.bytes.length) return -1;
  const b = v.bytes;
  for (let i = 0; i < 300; i += 37) if (b[o + i] !== 0x43) return -1;
  return OsProbe.U1;
}

/** IE1: an echo request with code 9 (no stack sets a code on an echo); IE2: TOS 4 with 150 bytes (IPv4). */
export function icmpOsProbe(v: PacketView): number {
  const echo = v.ipVersion === 4 ? v.icmpType === 8 : v.icmpType === 128;
  if (!echo) return -1;
  if (v.icmpCode === 9) return OsProbe.IE1;
  if (v.icmpCode === 0 && v.payloadLength === 150 && v.ipVersion === 4 && v.l3Offset >= 0 && v.l3Offset + 1 < v.bytes.length && v.bytes[v.l3Offset + 1] === 4) {
    return OsProbe.IE2;
  }
  return -1;
}

/** The OS probe a packet is, or -1. */
export function osProbe(v: PacketView): number {
  const l = v.layers;
  if ((l & Layer.TCP) !== 0) return tcpOsProbe(v);
  if ((l & Layer.UDP) !== 0) return udpOsProbe(v);
  if ((l & (Layer.ICMP4 | Layer.ICMP6)) !== 0) return icmpOsProbe(v);
  return -1;
}

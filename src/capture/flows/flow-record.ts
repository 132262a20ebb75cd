import { FlowTuple } from './flow-tuple.js';

/**
 * FlowRecord: one flow as a decoder hands it over, numbers only, reused for
 * every record (the decoder resets it, fills it, calls its sink, and moves on).
 * The sink copies what it keeps; it never keeps the record.
 *
 * A record is one direction (src -> dst) with the OR of that direction's TCP
 * flags (NetFlow/IPFIX/nProbe semantics), or a biflow when `revPackets > 0`:
 * then the reverse direction (dst -> src) has its own packet count and, when
 * the exporter says so, its own flags (`revFlags`, -1 when only the OR over
 * both directions is known, as in nProbe's TCP_FLAGS).
 */

/** Which end of the conversation a direction is, when the exporter tells us. */
export const enum Role {
  UNKNOWN = 0,
  /** Sent the first packet (client, prober). */
  INITIATOR = 1,
  /** Answered (server, probed host). */
  RESPONDER = 2,
}

/** The 5-tuple (flow-tuple.ts) and what the exporter says about the flow. */
export class FlowRecord extends FlowTuple {
  /** OR of the TCP flags of this direction (all directions when `revFlags` is -1 in a biflow). */
  tcpFlags = 0;
  /** Packets and bytes src -> dst (packets >= 1 for a real flow; 0 = not given, taken as 1). */
  packets = 0;
  bytes = 0;
  /** Flow start and end, seconds since the epoch; NaN when the record carries no usable time. */
  start = NaN;
  end = NaN;
  /** ICMP type and code when the exporter gives them in their own fields (else -1: taken from the ports). */
  icmpType = -1;
  icmpCode = -1;
  /** Role of the src -> dst direction (nProbe biflows: src is the client). */
  role: Role = Role.UNKNOWN;
  /** Reverse direction of a biflow: packets dst -> src (0 = not a biflow), bytes, and flags (-1 unknown). */
  revPackets = 0;
  revBytes = 0;
  revFlags = -1;

  reset(): void {
    this.resetTuple();
    this.tcpFlags = 0;
    this.packets = 0;
    this.bytes = 0;
    this.start = NaN;
    this.end = NaN;
    this.icmpType = -1;
    this.icmpCode = -1;
    this.role = Role.UNKNOWN;
    this.revPackets = 0;
    this.revBytes = 0;
    this.revFlags = -1;
  }
}

/** Where a decoder hands each record; `arrival` is the wall-clock time (s) the input arrived. */
export type FlowSink = (rec: FlowRecord, arrival: number) => void;

/**
 * A flow time in any unit, as nProbe and friends write it (seconds,
 * milliseconds, microseconds or nanoseconds since the epoch), to seconds by
 * magnitude: 1.7e9 is seconds, 1.7e12 milliseconds, 1.7e15 microseconds,
 * 1.7e18 nanoseconds. Values before 1973 (< 1e8 s: uptime-relative numbers,
 * zero) are not times: NaN.
 */
export function epochSecondsByMagnitude(v: number): number {
  if (!(v > 0)) return NaN;
  let s: number;
  if (v < 1e11) s = v;
  else if (v < 1e14) s = v / 1e3;
  else if (v < 1e17) s = v / 1e6;
  else s = v / 1e9;
  return s < 1e8 ? NaN : s;
}

import type { PacketView } from '../decode/packet-view.js';
import type { FlowSkip } from '../track/flow-skip.js';

/**
 * A detector sees every successfully decoded packet, in packet-time order, and
 * takes its clock only from packet timestamps (`view.ts`, `now` below, seconds).
 * Nothing under detect/ reads the wall clock, does I/O, or throws per packet.
 */
export interface Detector {
  readonly name: string;
  /** One decoded packet. The view is valid only during the call. */
  onPacket(view: PacketView): void;
  /**
   * The clock moved to `now` without a packet for this detector: live mode calls
   * it about once a second while the wire is quiet, so frames and idle timeouts close.
   */
  tick(now: number): void;
  /** End of input (end of a replay, SIGINT/SIGTERM): close everything open at `now`. */
  flush(now: number): void;
  /**
   * Connections settled by this detector (the scan engine: the client sent data
   * on them), whose ACK packets the pipeline hands to onSettled instead of onPacket.
   */
  readonly settled?: FlowSkip;
  /**
   * An ACK (no SYN, no RST) of a settled connection: a detector that can learn
   * nothing from it moves its clock only. Without this method it gets onPacket.
   */
  onSettled?(view: PacketView): void;
}

import type { PacketView } from '../decode/packet-view.js';

/**
 * Called once per packet with the source's single reusable view, raw fields set
 * (see PacketView's contract). Must not keep the view or its bytes.
 */
export type PacketHandler = (view: PacketView) => void;

/** What a source knows about loss; kernel figures are null where the platform has none. */
export interface CaptureStats {
  /** Packets the source handed to the pipeline. */
  delivered: number;
  /** Packets the kernel filter accepted (pcap_stats ps_recv), or null. */
  kernelReceived: number | null;
  /** Dropped because the capture buffer was full (ps_drop), or null. */
  kernelDropped: number | null;
  /** Dropped by the interface/driver (ps_ifdrop), or null. */
  interfaceDropped: number | null;
  /** Dropped by the cap engine's capture process because the sensor fell a whole queue behind; absent or null elsewhere. */
  queueDropped?: number | null;
}

/**
 * A packet source: a live interface, a capture file or a stream.
 * `run()` resolves when the source is exhausted (end of file) or stopped;
 * it rejects with a SensorError when the source cannot be read at all.
 * A file damaged part-way resolves after the good part and reports the damage
 * through `damage` (one line), so nothing read before it is lost.
 */
export interface CaptureSource {
  readonly description: string;
  /** True for live capture: the pipeline then adds a coarse wall-clock tick. */
  readonly live: boolean;
  /**
   * True when the source fills the decoded fields of the view itself (flow
   * records turned into views): the pipeline then skips decode().
   */
  readonly preDecoded?: boolean;
  run(onPacket: PacketHandler): Promise<void>;
  /** Ask the source to stop soon; run() then resolves. Safe to call twice. */
  stop(): void;
  stats(): CaptureStats;
  /** One-line description of damage met in the input, or null. */
  readonly damage: string | null;
}

import { isSpecialIpv4 } from '../../decode/address.js';
import type { CidrSet } from '../../decode/cidr-set.js';
import type { PacketView } from '../../decode/packet-view.js';
import { Layer, TcpFlag } from '../../decode/packet-view.js';
import type { FrameStat } from '../../sink/schema.js';
import type { Detector } from '../detector.js';
import { PortBitmap, totalEntropy } from './bitmap.js';
import type { PortHash } from './hash.js';

export interface EntropyOptions {
  bins: number;
  bitsPerBin: number;
  hash: PortHash;
  /** Frame length in seconds. */
  timeFrame: number;
  /** Destinations in these networks are SERVER traffic, the rest CLIENT. */
  localNets: CidrSet;
  /** Keep bitmap strings in frames (verbose 3). */
  withBitmaps: boolean;
  /**
   * Live mode: a frame is closed by the quiet-wire tick only this long after
   * its end, so packets still in the capture buffer are not lost at the boundary.
   */
  closeGrace: number;
  emit: (frame: FrameStat) => void;
  /** Called per counted SYN (verbose 3 lines); absent otherwise. */
  onCounted?: (view: PacketView, server: boolean) => void;
}

/** Gaps longer than this many empty frames are not printed frame by frame. */
const MAX_EMPTY_FRAMES = 10_000;

/**
 * Peng's detector: SYN (without ACK) destination ports into a CLIENT and a
 * SERVER bitmap; each time frame, their entropies. Frames are aligned to
 * multiples of the frame length in packet time (a 1m frame ends on each
 * minute), so a replay gives exactly the frames watching live gave.
 */
export class EntropyDetector implements Detector {
  readonly name = 'entropy';
  readonly client: PortBitmap;
  readonly server: PortBitmap;
  /** End of the open frame, packet time; 0 before the first packet. */
  private frameEnd = 0;
  framesClosed = 0;
  framesSkipped = 0;
  latePackets = 0;
  countedClient = 0;
  countedServer = 0;

  constructor(private readonly o: EntropyOptions) {
    this.client = new PortBitmap(o.bins, o.bitsPerBin, o.hash);
    this.server = new PortBitmap(o.bins, o.bitsPerBin, o.hash);
  }

  onPacket(view: PacketView): void {
    const ts = view.ts;
    if (this.frameEnd === 0) this.frameEnd = this.alignedEnd(ts);
    else if (ts >= this.frameEnd) this.closeUntil(ts);
    if ((view.layers & Layer.TCP) === 0 || (view.tcpFlags & (TcpFlag.SYN | TcpFlag.ACK)) !== TcpFlag.SYN) return;
    // A packet stamped before the open frame (capture-buffer latency in live
    // mode, reordering in files) still counts, in the open frame.
    if (ts < this.frameEnd - this.o.timeFrame) this.latePackets++;
    const server = this.isLocalDestination(view);
    if (server) {
      this.server.addPort(view.dport);
      this.countedServer++;
    } else {
      this.client.addPort(view.dport);
      this.countedClient++;
    }
    this.o.onCounted?.(view, server);
  }

  tick(now: number): void {
    // A quiet live link still gets its frames, as Peng prints one every frame.
    if (this.frameEnd === 0) this.frameEnd = this.alignedEnd(now);
    else if (this.frameEnd !== 0 && now >= this.frameEnd + this.o.closeGrace) this.closeUntil(now - this.o.closeGrace);
  }

  /** End of input: the open frame, partial as it is, is emitted and ends at `now`. */
  flush(now: number): void {
    if (this.frameEnd === 0) return;
    const start = this.frameEnd - this.o.timeFrame;
    this.emitFrame(start, Math.max(start, Math.min(now, this.frameEnd)));
    this.frameEnd = 0;
  }

  private alignedEnd(ts: number): number {
    const t = this.o.timeFrame;
    return (Math.floor(ts / t) + 1) * t;
  }

  /** Close every frame that ends at or before `ts`. */
  private closeUntil(ts: number): void {
    const t = this.o.timeFrame;
    this.emitFrame(this.frameEnd - t, this.frameEnd);
    let empty = Math.floor((ts - this.frameEnd) / t);
    if (empty > MAX_EMPTY_FRAMES) {
      this.framesSkipped += empty;
      empty = 0;
    } else {
      for (let i = 0; i < empty; i++) {
        this.frameEnd += t;
        this.emitFrame(this.frameEnd - t, this.frameEnd);
      }
    }
    this.frameEnd = this.alignedEnd(ts);
  }

  private isLocalDestination(view: PacketView): boolean {
    const nets = this.o.localNets;
    if (view.ipVersion === 4) return !isSpecialIpv4(view.dst4) && nets.hasV4(view.dst4);
    return nets.hasV6(view.dst6);
  }

  /** Snapshot, reset, then emit the snapshot: the live bitmaps never leave. */
  private emitFrame(start: number, end: number): void {
    const clientBins = this.client.binEntropies();
    const serverBins = this.server.binEntropies();
    const frame: FrameStat = {
      kind: 'frame',
      start,
      end,
      client: totalEntropy(clientBins),
      server: totalEntropy(serverBins),
      clientSyns: this.client.added,
      serverSyns: this.server.added,
      clientBins,
      serverBins,
      clientBitmap: this.o.withBitmaps ? bitmapStrings(this.client) : null,
      serverBitmap: this.o.withBitmaps ? bitmapStrings(this.server) : null,
    };
    this.client.clear();
    this.server.clear();
    this.framesClosed++;
    this.o.emit(frame);
  }
}

function bitmapStrings(b: PortBitmap): string[] {
  const out: string[] = [];
  for (let i = 0; i < b.bins; i++) out.push(b.binBits(i));
  return out;
}

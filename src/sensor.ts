import type { CaptureSource } from './capture/source.js';
import type { Detector } from './detect/detector.js';
import type { Output } from './output.js';
import { Pipeline } from './pipeline.js';
import type { StatsRegistry } from './stats/counters.js';


export interface SensorParts {
  source: CaptureSource;
  detectors: readonly Detector[];
  output: Output;
  stats: StatsRegistry;
  /** Live sources: how often the quiet-wire tick runs (ms). */
  tickMs?: number;
}

/**
 * Runs one source through the pipeline to its end (or stop()), then closes
 * every open frame and scan and flushes the outputs. Detectors only ever see
 * packet time; for a live source a coarse one-second tick moves that clock
 * on when the wire is quiet (one timer for everything, not one per frame).
 */
export class Sensor {
  readonly pipeline: Pipeline;
  private stopping = false;

  constructor(private readonly parts: SensorParts) {
    this.pipeline = new Pipeline(parts.detectors, parts.stats);
    const src = parts.source;
    parts.stats.add([], (out) => {
      const s = src.stats();
      out['capture.delivered'] = s.delivered;
      if (s.kernelReceived !== null) out['capture.kernel_received'] = s.kernelReceived;
      if (s.kernelDropped !== null) out['capture.kernel_dropped'] = s.kernelDropped;
      if (s.interfaceDropped !== null) out['capture.interface_dropped'] = s.interfaceDropped;
    });
  }

  async run(): Promise<void> {
    const { source } = this.parts;
    const handler = source.preDecoded ? this.pipeline.onDecoded : this.pipeline.onPacket;
    const timer = source.live ? setInterval(() => this.pipeline.tick(Date.now() / 1000), this.parts.tickMs ?? 1000) : null;
    try {
      await source.run(handler);
    } finally {
      if (timer) clearInterval(timer);
      // A live capture stopped by a signal ends now; a replay ends at its last packet.
      if (source.live) this.pipeline.tick(Date.now() / 1000);
      this.pipeline.flush();
      this.parts.output.writeStats(this.pipeline.now);
      await this.parts.output.close();
    }
  }

  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.parts.source.stop();
  }
}

import type { CaptureSource, CaptureStats } from './capture/source.js';
import { CAPTURE_COUNTERS } from './capture/params.js';
import type { Reassembler } from './decode/fragments.js';
import type { Detector } from './detect/detector.js';
import type { Output } from './output.js';
import { Pipeline } from './pipeline.js';
import type { StatsRegistry } from './stats/counters.js';

export interface SensorParts {
  /** One source, or several run side by side (a capture plus flow listeners). */
  source?: CaptureSource;
  sources?: readonly CaptureSource[];
  detectors: readonly Detector[];
  output: Output;
  stats: StatsRegistry;
  /** Live sources: how often the quiet-wire tick runs (ms). */
  tickMs?: number;
  /** IP fragment reassembly built from the fragments module's params (defaults when absent). */
  reassembler?: Reassembler;
}

/**
 * Runs one source through the pipeline to its end (or stop()), then closes
 * every open frame and scan and flushes the outputs. Detectors only ever see
 * packet time; for a live source a coarse one-second tick moves that clock
 * on when the wire is quiet (one timer for everything, not one per frame).
 */
export class Sensor {
  readonly pipeline: Pipeline;
  readonly sources: readonly CaptureSource[];
  private stopping = false;

  constructor(private readonly parts: SensorParts) {
    this.pipeline = new Pipeline(parts.detectors, parts.stats, parts.reassembler);
    this.sources = [...(parts.source ? [parts.source] : []), ...(parts.sources ?? [])];
    if (this.sources.length === 0) throw new Error('internal: a sensor needs at least one source');
    const packetSources = this.sources.filter((s) => !s.preDecoded);
    const sum = (field: keyof CaptureStats) => () => {
      let n = 0;
      for (const src of packetSources) n += src.stats()[field] ?? 0;
      return n;
    };
    parts.stats.bind(CAPTURE_COUNTERS, {
      delivered: sum('delivered'),
      kernelReceived: sum('kernelReceived'),
      kernelDropped: sum('kernelDropped'),
      interfaceDropped: sum('interfaceDropped'),
      queueDropped: sum('queueDropped'),
    });
  }

  private get live(): boolean {
    return this.sources.some((s) => s.live);
  }

  async run(): Promise<void> {
    const timer = this.live ? setInterval(() => this.pipeline.tick(Date.now() / 1000), this.parts.tickMs ?? 1000) : null;
    try {
      // One source failing (a capture that cannot open) stops the others too;
      // all of them have ended before the final flush.
      const results = await Promise.allSettled(
        this.sources.map((s) =>
          s.run(s.preDecoded ? this.pipeline.onDecoded : this.pipeline.onPacket).catch((e: unknown) => {
            this.stop();
            throw e;
          }),
        ),
      );
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
    } finally {
      if (timer) clearInterval(timer);
      // A live capture stopped by a signal ends now; a replay ends at its last packet.
      if (this.live) this.pipeline.tick(Date.now() / 1000);
      this.pipeline.flush();
      this.parts.output.writeStats(this.pipeline.now);
      await this.parts.output.close();
    }
  }

  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    for (const s of this.sources) s.stop();
  }
}

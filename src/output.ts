import { defineModule } from './config/params.js';
import type { SensorRecord, StatsSnapshot } from './sink/schema.js';
import type { Sink } from './sink/sink.js';
import { counterList, type CounterTable, type StatsRegistry } from './stats/counters.js';

export const OUTPUT_COUNTERS = {
  reopens: { name: 'output.reopens', kind: 'sum', help: 'SIGHUPs handled: files reopened at their paths (the rotated files got every line written before).' },
} as const satisfies CounterTable;

export const outputModule = defineModule({
  name: 'output',
  help: 'All outputs together: SIGHUP reopens the files (-export, --alerts, --alerts-csv) for logrotate.',
  params: [],
  counters: counterList(OUTPUT_COUNTERS),
});

/**
 * Fans every record out to every sink. After each frame it also writes a
 * counters snapshot (sinks that want sensor health take it, the others ignore
 * it) and asks every sink to flush, so each frame is on disk or on its way.
 */
export class Output {
  private readonly sinks: Sink[] = [];
  private flushing: Promise<unknown> = Promise.resolve();

  reopens = 0;
  private closed = false;

  constructor(private readonly stats: StatsRegistry) {
    stats.bind(OUTPUT_COUNTERS, { reopens: () => this.reopens });
  }

  add(sink: Sink): void {
    this.sinks.push(sink);
  }

  get names(): string[] {
    return this.sinks.map((s) => s.name);
  }

  /** Open every file output now: a bad path fails the start (one line), before --user drops root. */
  async open(): Promise<void> {
    // All at once: each says "being opened" before any open can fail (no second warning line).
    await Promise.all(this.sinks.map((s) => s.open?.()));
  }

  /** True when some output goes elsewhere than standard output (a file, InfluxDB). */
  get beyondStdout(): boolean {
    return this.sinks.some((s) => s.name !== 'console' && !s.toStdout);
  }

  /** One line per output that failed during the run. */
  get failures(): string[] {
    const out: string[] = [];
    for (const s of this.sinks) if (s.failure) out.push(s.failure);
    return out;
  }

  readonly emit = (record: SensorRecord): void => {
    for (const s of this.sinks) s.write(record);
    if (record.kind === 'frame') {
      this.writeStats(record.end);
      this.flushing = Promise.allSettled(this.sinks.map((s) => s.flush()));
    }
  };

  writeStats(ts: number): StatsSnapshot {
    const snap: StatsSnapshot = { kind: 'stats', ts, counters: this.stats.snapshot() };
    for (const s of this.sinks) s.write(snap);
    return snap;
  }

  /** Start the sinks that need it (listening sockets) before any record flows. */
  async start(): Promise<void> {
    for (const s of this.sinks) if (s.start) await s.start();
  }

  /**
   * SIGHUP: every file output switches to a new file at its path now (so no
   * line is written twice or lost across the switch), the others flush.
   * Returns the names of the outputs reopened.
   */
  async reopen(): Promise<string[]> {
    if (this.closed) return [];
    this.reopens++;
    const reopened = this.sinks.filter((s) => s.reopen);
    await Promise.allSettled(this.sinks.map((s) => (s.reopen ? s.reopen() : s.flush())));
    return reopened.map((s) => s.name);
  }

  /** Final flush and close of every sink; a failing sink does not stop the others. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flushing;
    await Promise.allSettled(this.sinks.map((s) => s.close()));
  }
}

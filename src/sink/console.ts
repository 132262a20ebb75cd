import type { FrameStat, SensorRecord, StatsSnapshot } from './schema.js';
import type { Sink } from './sink.js';
import { goTime } from './go-time.js';

export type LineWriter = (text: string) => void;

/** Live, a SYN line shows within this long (Peng prints each as it comes; one write per line would cost a syscall per packet). */
const LINE_DELAY_MS = 100;

/**
 * Peng's console output: per frame `[time] [CLIENT] total entropy: x` then
 * `[SERVER] ...`; verbose 2 adds per-bin entropies and the counters each frame,
 * verbose 3 the bitmaps. Scan events get one line each, via `formatEvent`.
 */
export class ConsoleSink implements Sink {
  readonly name = 'console';
  private pending: string[] = [];
  /** Pending verbose-3 lines are written within LINE_DELAY_MS even when no frame or event comes. */
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly verbose: number,
    private readonly out: LineWriter,
    private readonly formatEvent: ((r: SensorRecord) => string | null) | null,
  ) {}

  write(r: SensorRecord): void {
    if (r.kind === 'frame') this.frame(r);
    else if (r.kind === 'stats') {
      if (this.verbose >= 2) this.pending.push(formatStats(r));
    } else if (this.verbose >= 1) {
      // -verbose 0 keeps the console quiet, as Peng's does; alerts still go to --alerts.
      const line = this.formatEvent?.(r);
      if (line) this.pending.push(line);
    }
    // Frames and alerts are rare: write at once, so a human sees them at once.
    this.drain();
  }

  /** Verbose 3 per-packet lines go through here, batched (512 lines, or LINE_DELAY_MS). */
  line(text: string): void {
    this.pending.push(text);
    if (this.pending.length >= 512) this.drain();
    else if (this.timer === null) this.timer = setTimeout(this.drainLater, LINE_DELAY_MS).unref();
  }

  private readonly drainLater = (): void => {
    this.timer = null;
    this.drain();
  };

  private frame(f: FrameStat): void {
    if (this.verbose < 1) return;
    const t = goTime(f.end);
    this.pending.push(`[${t}] [CLIENT] total entropy: ${f.client.toFixed(6)}`);
    if (this.verbose >= 2) this.pending.push(binLines(f.clientBins, f.clientBitmap));
    this.pending.push(`[${t}] [SERVER] total entropy: ${f.server.toFixed(6)}`);
    if (this.verbose >= 2) this.pending.push(binLines(f.serverBins, f.serverBitmap));
  }

  private drain(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.pending.length === 0) return;
    this.out(this.pending.join('\n') + '\n');
    this.pending = [];
  }

  async flush(): Promise<void> {
    this.drain();
  }

  async close(): Promise<void> {
    this.drain();
  }
}

function binLines(bins: readonly number[], bitmap: readonly string[] | null): string {
  return bins
    .map((e, i) => `    bin ${String(i).padStart(3)}: entropy ${e.toFixed(6)}${bitmap ? `  ${bitmap[i]}` : ''}`)
    .join('\n');
}

/** Always shown, zero or not: what an operator checks first. */
const HEADLINE = ['packets.seen', 'packets.decoded', 'packets.malformed', 'entropy.syn_client', 'entropy.syn_server'];

/** The counters as one block: the headline ones, then every non-zero one (all are in --help-counts). */
export function formatStats(s: StatsSnapshot): string {
  const c = s.counters;
  const keys = HEADLINE.filter((k) => k in c);
  // Kernel drops matter exactly when there is a kernel: a live capture.
  if ((c['capture.kernel_received'] ?? 0) > 0) keys.push('capture.kernel_dropped', 'capture.interface_dropped');
  const parts = [...keys, ...Object.keys(c).filter((k) => c[k] !== 0 && !keys.includes(k))].map((k) => `${k}=${c[k]}`);
  return `[stats ${s.ts > 0 ? goTime(s.ts) : 'before any packet'}] ${parts.join(' ')}`;
}

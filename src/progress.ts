import type { FileSource } from './capture/file-source.js';
import type { StatsRegistry } from './stats/counters.js';

/**
 * Progress of a long replay on a terminal (issue 9, "Long replays"): once a
 * second, one line on standard error, rewritten in place: packets, rate,
 * share of the file, scans so far. Off when standard error is not a TTY or
 * with -verbose 0; the caller decides. Returns the function that stops it.
 */
export function startProgress(source: FileSource, stats: StatsRegistry, write: (t: string) => void): () => void {
  const t0 = Date.now();
  let shown = false;
  const timer = setInterval(() => {
    const c = stats.snapshot();
    const packets = c['packets.seen'] ?? 0;
    const seconds = (Date.now() - t0) / 1000;
    const share = source.size > 0 ? ` ${((100 * source.position) / source.size).toFixed(1)}% of the file,` : '';
    write(`\r${packets.toLocaleString('en-US')} packets, ${Math.round(packets / seconds).toLocaleString('en-US')}/s,${share} ${c['scan.events_start'] ?? 0} scans so far   `);
    shown = true;
  }, 1000);
  timer.unref();
  return () => {
    clearInterval(timer);
    if (shown) write('\r\x1b[K');
  };
}

import { hash52 } from '../../track/hash.js';
import { LruTable, type LruEntry } from '../../track/lru-table.js';
import { Kind } from '../scan/kinds.js';
import { Det } from '../scan/det.js';
import type { ScanPart } from '../scan/part.js';
import type { SourceState } from '../scan/source-state.js';

export interface SlowOptions {
  /** Sliding window, seconds of packet time (slow-window). */
  window: number;
  /** Distinct failed ports on one victim within the window that decide (slow-ports). */
  ports: number;
  /** Distinct failed victims on one port within the window that decide (slow-hosts). */
  hosts: number;
  maxSources: number;
  /** Failures remembered per source (slow-max-pairs). */
  maxPairs: number;
}

const INITIAL_PAIRS = 32;

/** One source's failed first contacts inside the window, oldest first. */
class SlowSource implements LruEntry {
  key = 0;
  lastSeen = 0;
  lruPrev: LruEntry | null = null;
  lruNext: LruEntry | null = null;
  ts = new Float64Array(INITIAL_PAIRS);
  host = new Float64Array(INITIAL_PAIRS);
  port = new Int32Array(INITIAL_PAIRS);
  pair = new Float64Array(INITIAL_PAIRS);
  head = 0;
  count = 0;
  /** host:port -> time of its latest failure. */
  readonly last = new Map<number, number>();
  readonly byHost = new Map<number, number>();
  readonly byPort = new Map<number, number>();

  clear(): void {
    this.head = 0;
    this.count = 0;
    this.last.clear();
    this.byHost.clear();
    this.byPort.clear();
  }
}

/**
 * Zeek-style distinct counts over a sliding window, for scans too slow for
 * anything per-packet (nmap --scan-delay, -T0/-T1): failed first contacts
 * (SYN, UDP) per (source, victim) as distinct ports and per (source, port) as
 * distinct victims, exact, over the last `window` seconds. A failure leaves
 * the window `window` seconds after the latest failure of that host:port.
 * Bounded: `maxSources` sources (LRU, idle after one window) x `maxPairs`.
 */
export class SlowPart implements ScanPart {
  readonly name = 'slow';
  readonly table: LruTable<SlowSource>;
  private readonly pool: SlowSource[] = [];
  counted = 0;
  dropped = 0;
  scanners = 0;

  constructor(private readonly o: SlowOptions) {
    this.table = new LruTable<SlowSource>({
      maxEntries: o.maxSources,
      idleTimeout: o.window,
      onRemove: (w) => this.pool.push(w),
    });
  }

  onOutcome(s: SourceState, kind: number, dst: number, portKey: number, success: boolean, now: number): void {
    if (success || (kind !== Kind.SYN && kind !== Kind.UDP)) return;
    this.counted++;
    let w = this.table.get(s.key, now);
    if (w === undefined) {
      w = this.pool.pop() ?? new SlowSource();
      w.key = s.key;
      w.clear();
      this.table.insert(w, now);
    }
    this.slide(w, now - this.o.window);
    if (w.count === w.ts.length && !this.grow(w)) {
      this.dropped++;
      this.pop(w);
    }
    const pair = hash52(dst, portKey, 0);
    const seen = w.last.has(pair);
    w.last.set(pair, now);
    let i = w.head + w.count;
    if (i >= w.ts.length) i -= w.ts.length;
    w.ts[i] = now;
    w.host[i] = dst;
    w.port[i] = portKey;
    w.pair[i] = pair;
    w.count++;
    if (seen) return;
    const perHost = bump(w.byHost, dst, 1);
    const perPort = bump(w.byPort, portKey, 1);
    if ((s.fired & (1 << Det.SLOW)) !== 0) {
      // Keep the score of the dimension that fired (ports per victim, or victims per port).
      const t = s.threshold[Det.SLOW];
      const cur = t === this.o.ports && t === this.o.hosts ? Math.max(perHost, perPort) : t === this.o.ports ? perHost : perPort;
      if (cur > s.score[Det.SLOW]) s.score[Det.SLOW] = cur;
    } else if (perHost >= this.o.ports) {
      this.scanners++;
      s.fire(Det.SLOW, perHost, this.o.ports);
    } else if (perPort >= this.o.hosts) {
      this.scanners++;
      s.fire(Det.SLOW, perPort, this.o.hosts);
    }
  }

  onSourceReset(s: SourceState, ended: boolean): void {
    if (!ended) return; // the address may come back within the window: keep its state
    const w = this.table.peek(s.key);
    if (w === undefined) return;
    this.table.delete(s.key);
    this.pool.push(w);
  }

  tick(now: number): void {
    this.table.expire(now);
  }

  /** Drop failures older than `limit`. */
  private slide(w: SlowSource, limit: number): void {
    while (w.count > 0 && w.ts[w.head] < limit) this.pop(w);
  }

  private pop(w: SlowSource): void {
    const i = w.head;
    const pair = w.pair[i];
    if (w.last.get(pair) === w.ts[i]) {
      w.last.delete(pair);
      bump(w.byHost, w.host[i], -1);
      bump(w.byPort, w.port[i], -1);
    }
    w.head = i + 1 === w.ts.length ? 0 : i + 1;
    w.count--;
  }

  /** Double the ring up to maxPairs, unrolled so the oldest is at 0. */
  private grow(w: SlowSource): boolean {
    const n = w.ts.length;
    if (n >= this.o.maxPairs) return false;
    const m = Math.min(this.o.maxPairs, n * 2);
    const ts = new Float64Array(m);
    const host = new Float64Array(m);
    const port = new Int32Array(m);
    const pair = new Float64Array(m);
    for (let k = 0; k < w.count; k++) {
      let i = w.head + k;
      if (i >= n) i -= n;
      ts[k] = w.ts[i];
      host[k] = w.host[i];
      port[k] = w.port[i];
      pair[k] = w.pair[i];
    }
    w.ts = ts;
    w.host = host;
    w.port = port;
    w.pair = pair;
    w.head = 0;
    return true;
  }
}

function bump(m: Map<number, number>, key: number, by: number): number {
  const c = (m.get(key) ?? 0) + by;
  if (c <= 0) m.delete(key);
  else m.set(key, c);
  return c;
}

import { DistinctCounter } from '../../track/distinct-counter.js';
import { hash52 } from '../../track/hash.js';
import { LruTable, type LruEntry } from '../../track/lru-table.js';
import { Kind } from '../scan/kinds.js';
import { Det } from '../scan/det.js';
import type { ScanPart } from '../scan/part.js';
import type { SourceState } from '../scan/source-state.js';
import { Holt } from './holt.js';
import { UdpSingles } from './singles.js';

export interface UdpOptions {
  /** Seconds between two points of the cross-source average series (des-interval). */
  desInterval: number;
  /** Seconds between two resets of the per-source counts (erase-interval). */
  eraseInterval: number;
  /** A source alerts above forecast x factor (udp-factor). */
  factor: number;
  alpha: number;
  beta: number;
  /** Points in the series before forecasts are used (des-warmup, >= 2). */
  warmup: number;
  /** And only with at least this many distinct host:port targets (udp-min-targets). */
  minTargets: number;
  /** And only when its failed first contacts concentrate this much (min-concentration). */
  minConcentration: number;
  maxSources: number;
}

/** Gaps longer than this many intervals are skipped, not replayed one by one. */
const MAX_CATCH_UP = 10_000;

class UdpSource implements LruEntry {
  key = 0;
  lastSeen = 0;
  lruPrev: LruEntry | null = null;
  lruNext: LruEntry | null = null;
  /** Distinct host:port since the last erase: exact to 64, then a 128-register HyperLogLog (~9%, PortScanDetector's 0.1). */
  readonly targets = new DistinctCounter(64, 7);
}

/**
 * PortScanDetector's UDP detector, with real Holt smoothing: per source, the
 * distinct host:port pairs it sent UDP to since the last erase; every
 * `desInterval` of packet time the average over sources that sent any becomes
 * one point of a series smoothed by Holt's DES; a source whose count exceeds
 * the forecast x `factor` is a scanner, provided (our additions, NOTES.md) it
 * has at least `minTargets` targets and its failed first contacts (ICMP port
 * unreachable, no answer) concentrate on one host or one port.
 */
export class UdpPart implements ScanPart {
  readonly name = 'udp';
  readonly table: LruTable<UdpSource>;
  /** Sources with one target so far: typed arrays, no entry (singles.ts). */
  readonly singles: UdpSingles;
  readonly holt: Holt;
  private readonly pool: UdpSource[] = [];
  private nextDes = 0;
  private nextErase = 0;
  intervals = 0;
  erases = 0;
  scanners = 0;
  /** Latest point of the series (average distinct targets per UDP source). */
  lastAverage = 0;

  constructor(private readonly o: UdpOptions) {
    this.holt = new Holt(o.alpha, o.beta);
    this.singles = new UdpSingles(o.maxSources);
    this.table = new LruTable<UdpSource>({
      maxEntries: o.maxSources,
      idleTimeout: 0,
      onRemove: (u) => this.pool.push(u),
    });
  }

  /** The forecast in force, or NaN while warming up. */
  get forecast(): number {
    return this.holt.n >= this.o.warmup ? Math.max(1, this.holt.forecast()) : NaN;
  }

  onProbe(s: SourceState, kind: number, dst: number, portKey: number, _newPair: boolean, _newKind: boolean, now: number): void {
    if (kind === Kind.UDP) this.count(s.key, s, dst, portKey, now);
  }

  /**
   * UDP to a host:port that answered before still counts, as every flow
   * counts in PortScanDetector: after an erase, a DNS client is back at 1.
   */
  onRepeat(s: SourceState, kind: number, dst: number, portKey: number, now: number): void {
    if (kind === Kind.UDP) this.count(s.key, s, dst, portKey, now);
  }

  /** A source without state yet (one target so far) counts in the average too. */
  onSingle(srcKey: number, kind: number, dst: number, portKey: number, now: number): void {
    if (kind === Kind.UDP) this.count(srcKey, null, dst, portKey, now);
  }

  /**
   * A source's first target goes to the singles table; a full entry (LRU,
   * DistinctCounter) only from its second distinct target, so a one-datagram
   * source costs no object work (issue 9). Counts, checks and the average are
   * the same as with one entry per source.
   */
  private count(key: number, s: SourceState | null, dst: number, portKey: number, now: number): void {
    this.advance(now);
    const target = hash52(dst, portKey, 0);
    let u = this.table.get(key, now);
    if (u === undefined) {
      const singles = this.singles;
      const slot = singles.find(key);
      if (slot < 0) {
        singles.add(key, target, now);
        if (s !== null) this.check(s, 1);
        return;
      }
      const first = singles.target(slot);
      if (first === target) {
        singles.touch(slot, now);
        return;
      }
      singles.remove(slot);
      u = this.pool.pop() ?? new UdpSource();
      u.key = key;
      u.targets.clear();
      u.targets.add(first);
      this.table.insert(u, now);
    }
    if (u.targets.add(target) && s !== null) this.check(s, u.targets.count);
  }

  onOutcome(s: SourceState, kind: number, _dst: number, _port: number, success: boolean): void {
    if (success || kind !== Kind.UDP) return;
    // The failure evidence may have just reached the concentration needed.
    const u = this.table.peek(s.key);
    if (u !== undefined) this.check(s, u.targets.count);
    else if (this.singles.find(s.key) >= 0) this.check(s, 1);
  }

  onSourceReset(s: SourceState, ended: boolean): void {
    if (!ended) return; // the address may come back within the window: keep its state
    const u = this.table.peek(s.key);
    if (u === undefined) {
      const slot = this.singles.find(s.key);
      if (slot >= 0) this.singles.remove(slot);
      return;
    }
    this.table.delete(s.key);
    this.pool.push(u);
  }

  tick(now: number): void {
    this.advance(now);
  }

  private check(s: SourceState, n: number): void {
    const f = this.forecast;
    if (Number.isNaN(f)) return;
    const ratio = n / f;
    if ((s.fired & (1 << Det.UDP)) !== 0) s.score[Det.UDP] = ratio;
    else if (ratio > this.o.factor && n >= this.o.minTargets && s.fail.max >= this.o.minConcentration) {
      this.scanners++;
      s.fire(Det.UDP, ratio, this.o.factor);
    }
  }

  /** Close every DES interval and erase period that ended by `now`, in time order. */
  private advance(now: number): void {
    const d = this.o.desInterval;
    if (this.nextDes === 0) {
      this.align(now);
      return;
    }
    if (now - this.nextDes > MAX_CATCH_UP * d) {
      // A gap in the capture: nothing was counted in it, only close the open interval.
      this.closeInterval();
      this.erase();
      this.align(now);
      return;
    }
    // Bounded: at most MAX_CATCH_UP + 1 intervals and as many erases (erase >= des)
    // are due here. Where a double cannot hold the step (nextDes + d === nextDes,
    // packet times past ~1e17 s) the bound ends the loop: jump, never spin.
    for (let steps = 0; steps <= 2 * MAX_CATCH_UP + 2; steps++) {
      if (this.nextDes <= this.nextErase) {
        if (now < this.nextDes) return;
        this.closeInterval();
        this.nextDes += d;
      } else {
        if (now < this.nextErase) return;
        this.erase();
        this.nextErase += this.o.eraseInterval;
      }
    }
    this.align(now);
  }

  /** The next interval and erase boundaries after `now`. */
  private align(now: number): void {
    const d = this.o.desInterval;
    const e = this.o.eraseInterval;
    this.nextDes = (Math.floor(now / d) + 1) * d;
    this.nextErase = (Math.floor(now / e) + 1) * e;
  }

  /** One point of the series: the average count over sources that sent UDP (empty intervals add none). */
  private closeInterval(): void {
    let sum = 0;
    let n = 0;
    for (const u of this.table.values()) {
      const c = u.targets.count;
      if (c > 0) {
        sum += c;
        n++;
      }
    }
    // Every single counts 1 (integers: the sum is the same in any order).
    sum += this.singles.size;
    n += this.singles.size;
    if (n === 0) return;
    this.intervals++;
    this.lastAverage = sum / n;
    this.holt.observe(this.lastAverage);
  }

  /** Counts restart; the series (the smoothing state) does not. */
  private erase(): void {
    this.erases++;
    for (const u of this.table.values()) u.targets.clear();
    this.singles.clear();
  }
}

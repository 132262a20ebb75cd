import { HllBank } from './hll.js';

/** Heavy-hitter counters of unanswered sources per victim: a source above half is always among them. */
const SOURCE_K = 3;

/**
 * Per-victim state as struct-of-arrays over a fixed number of slots, all
 * allocated at start (so a flood never allocates): counts of the current
 * window, the episode while an event is open, four HyperLogLog sketches
 * (sources and ports, window and episode) and a Misra-Gries heavy-hitter
 * summary of destination ports (flood-ports counters).
 */
export class VictimSlots {
  /** Bumped when a slot is given to another victim: late answers to the old one are ignored. */
  readonly gen: Float64Array;
  readonly isV6: Uint8Array;
  readonly addr4: Uint32Array;
  readonly addr6: Uint32Array;
  // ---- current window ----
  readonly winStart: Float64Array;
  readonly winFirst: Float64Array;
  readonly winSyns: Float64Array;
  readonly winUnanswered: Float64Array;
  readonly candidate: Uint8Array;
  // ---- the window before, when it was the one just before (judged together with the current) ----
  readonly prevFirst: Float64Array;
  readonly prevSyns: Float64Array;
  readonly prevUnanswered: Float64Array;
  // ---- episode (an open event) ----
  readonly active: Uint8Array;
  readonly epFirst: Float64Array;
  readonly epLast: Float64Array;
  readonly epSyns: Float64Array;
  readonly epUnanswered: Float64Array;
  readonly lastJudged: Float64Array;
  readonly lastEmit: Float64Array;
  readonly lastRate: Float64Array;
  readonly flood: Uint8Array;
  readonly ids: string[];
  // ---- sketches ----
  readonly winSources: HllBank;
  readonly winPorts: HllBank;
  readonly epSources: HllBank;
  readonly epPorts: HllBank;
  readonly prevSources: HllBank;
  readonly prevPorts: HllBank;
  readonly hhPort: Int32Array;
  readonly hhCount: Float64Array;
  readonly epTopPorts: Int32Array;
  /**
   * Misra-Gries over the sources of unanswered SYNs (SOURCE_K counters) and
   * their total, since the windows began to follow each other: one source
   * taking most of them is a one-to-one scan, not a distributed one.
   */
  readonly hhSrc: Float64Array;
  readonly hhSrcCount: Float64Array;
  readonly srcTotal: Float64Array;

  constructor(
    readonly n: number,
    readonly k: number,
    private readonly windowLength: number,
    sourcePrecision: number,
    portPrecision: number,
  ) {
    this.gen = new Float64Array(n);
    this.isV6 = new Uint8Array(n);
    this.addr4 = new Uint32Array(n);
    this.addr6 = new Uint32Array(4 * n);
    this.winStart = new Float64Array(n);
    this.winFirst = new Float64Array(n);
    this.winSyns = new Float64Array(n);
    this.winUnanswered = new Float64Array(n);
    this.candidate = new Uint8Array(n);
    this.prevFirst = new Float64Array(n);
    this.prevSyns = new Float64Array(n);
    this.prevUnanswered = new Float64Array(n);
    this.active = new Uint8Array(n);
    this.epFirst = new Float64Array(n);
    this.epLast = new Float64Array(n);
    this.epSyns = new Float64Array(n);
    this.epUnanswered = new Float64Array(n);
    this.lastJudged = new Float64Array(n);
    this.lastEmit = new Float64Array(n);
    this.lastRate = new Float64Array(n);
    this.flood = new Uint8Array(n);
    this.ids = new Array<string>(n).fill('');
    this.winSources = new HllBank(n, sourcePrecision);
    this.winPorts = new HllBank(n, portPrecision);
    this.epSources = new HllBank(n, sourcePrecision);
    this.epPorts = new HllBank(n, portPrecision);
    this.prevSources = new HllBank(n, sourcePrecision);
    this.prevPorts = new HllBank(n, portPrecision);
    this.hhPort = new Int32Array(n * k).fill(-1);
    this.hhCount = new Float64Array(n * k);
    this.epTopPorts = new Int32Array(n * k).fill(-1);
    this.hhSrc = new Float64Array(n * SOURCE_K);
    this.hhSrcCount = new Float64Array(n * SOURCE_K);
    this.srcTotal = new Float64Array(n);
  }

  /** Misra-Gries step for the source of an unanswered SYN (counts within total/(SOURCE_K+1)). */
  countSource(i: number, key: number): void {
    this.srcTotal[i]++;
    const base = i * SOURCE_K;
    let free = -1;
    for (let j = base; j < base + SOURCE_K; j++) {
      if (this.hhSrcCount[j] > 0 && this.hhSrc[j] === key) {
        this.hhSrcCount[j]++;
        return;
      }
      if (free < 0 && this.hhSrcCount[j] === 0) free = j;
    }
    if (free >= 0) {
      this.hhSrc[free] = key;
      this.hhSrcCount[free] = 1;
      return;
    }
    for (let j = base; j < base + SOURCE_K; j++) this.hhSrcCount[j]--;
  }

  /** Unanswered SYNs of the busiest source (a lower bound). */
  topSourceCount(i: number): number {
    let m = 0;
    for (let j = i * SOURCE_K; j < (i + 1) * SOURCE_K; j++) if (this.hhSrcCount[j] > m) m = this.hhSrcCount[j];
    return m;
  }

  resetSources(i: number): void {
    this.srcTotal[i] = 0;
    this.hhSrcCount.fill(0, i * SOURCE_K, (i + 1) * SOURCE_K);
  }

  /**
   * Start a new window at `start` (aligned). When it follows the current one
   * directly, the current one becomes the previous one (judged together, so a
   * scan or flood across a window boundary is seen whole); otherwise both are
   * forgotten.
   */
  rollWindow(i: number, start: number): void {
    if (start === this.winStart[i] + this.windowLength && this.winSyns[i] + this.winUnanswered[i] > 0) {
      this.prevFirst[i] = this.winFirst[i];
      this.prevSyns[i] = this.winSyns[i];
      this.prevUnanswered[i] = this.winUnanswered[i];
      this.winSources.copyInto(this.prevSources, i);
      this.winPorts.copyInto(this.prevPorts, i);
    } else {
      this.clearPrev(i);
      this.resetSources(i);
    }
    this.resetWindow(i, start);
  }

  clearPrev(i: number): void {
    if (this.prevSyns[i] === 0 && this.prevUnanswered[i] === 0) return;
    this.prevFirst[i] = 0;
    this.prevSyns[i] = 0;
    this.prevUnanswered[i] = 0;
    this.prevSources.clear(i);
    this.prevPorts.clear(i);
  }

  /** Start a new window at `start` (aligned), forgetting the current one's counts and sketches. */
  resetWindow(i: number, start: number): void {
    this.winStart[i] = start;
    this.winFirst[i] = 0;
    this.winSyns[i] = 0;
    this.winUnanswered[i] = 0;
    this.candidate[i] = 0;
    this.winSources.clear(i);
    this.winPorts.clear(i);
    this.hhPort.fill(-1, i * this.k, (i + 1) * this.k);
    this.hhCount.fill(0, i * this.k, (i + 1) * this.k);
  }

  /** Misra-Gries step: a port's SYN (k counters; the sum is within n/(k+1) of the truth). */
  countPort(i: number, port: number): void {
    const base = i * this.k;
    let free = -1;
    for (let j = base; j < base + this.k; j++) {
      if (this.hhPort[j] === port) {
        this.hhCount[j]++;
        return;
      }
      if (free < 0 && this.hhCount[j] === 0) free = j;
    }
    if (free >= 0) {
      this.hhPort[free] = port;
      this.hhCount[free] = 1;
      return;
    }
    for (let j = base; j < base + this.k; j++) if (--this.hhCount[j] === 0) this.hhPort[j] = -1;
  }

  /** SYNs the heavy-hitter ports took in this window (a lower bound). */
  topCount(i: number): number {
    let s = 0;
    for (let j = i * this.k; j < (i + 1) * this.k; j++) s += this.hhCount[j];
    return s;
  }

  /** Remember the window's heavy hitters, most first, as the episode's top ports. */
  keepTopPorts(i: number): void {
    const base = i * this.k;
    const order: number[] = [];
    for (let j = base; j < base + this.k; j++) if (this.hhCount[j] > 0) order.push(j);
    order.sort((a, b) => this.hhCount[b] - this.hhCount[a] || this.hhPort[a] - this.hhPort[b]);
    this.epTopPorts.fill(-1, base, base + this.k);
    for (let j = 0; j < order.length; j++) this.epTopPorts[base + j] = this.hhPort[order[j]];
  }

  topPorts(i: number): number[] {
    const out: number[] = [];
    for (let j = i * this.k; j < (i + 1) * this.k; j++) if (this.epTopPorts[j] >= 0) out.push(this.epTopPorts[j]);
    return out;
  }

  /** A slot given to a new victim. */
  reuse(i: number): void {
    this.gen[i]++;
    this.active[i] = 0;
    this.flood[i] = 0;
    this.ids[i] = '';
    this.prevSyns[i] = 1; // force the clear
    this.clearPrev(i);
    this.resetSources(i);
    this.resetWindow(i, 0);
  }
}

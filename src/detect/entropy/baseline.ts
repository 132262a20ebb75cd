import type { EntropyEvent, FrameStat } from '../../sink/schema.js';

export interface BaselineOptions {
  /** EWMA weight of a new frame, 0..1 (0.1: the last ~10 frames count most). */
  alpha: number;
  /** Frames learned before any event can fire. */
  warmup: number;
  /** A frame above mean + k * sigma fires. */
  k: number;
  /** Floor of sigma, so a constant baseline (a quiet link: 0 every frame) does not fire on any change. */
  minSigma: number;
  emit: (e: EntropyEvent) => void;
}

/**
 * Peng's README: "learn the normal entropy of your network and alarm above it".
 * Per direction, an exponentially weighted mean and variance of the frame
 * entropy (Finch 2009, "Incremental calculation of weighted mean and
 * variance", eq. 143: diff = x - mean; incr = alpha * diff; mean += incr;
 * var = (1 - alpha) * (var + diff * incr)). After `warmup` frames, a frame
 * above mean + k * max(sigma, minSigma) emits an `entropy` event and is not
 * learned (an attack must not become the normal); the others are learned.
 */
export class EntropyBaseline {
  private readonly mean = new Float64Array(2);
  private readonly variance = new Float64Array(2);
  private readonly learned = new Float64Array(2);
  events = 0;

  constructor(private readonly o: BaselineOptions) {}

  onFrame(f: FrameStat): void {
    this.observe(0, f.client, f.end);
    this.observe(1, f.server, f.end);
  }

  /** Learned mean and sigma of a direction (0 client, 1 server). */
  state(dir: 0 | 1): { mean: number; sigma: number; frames: number } {
    return { mean: this.mean[dir], sigma: Math.sqrt(this.variance[dir]), frames: this.learned[dir] };
  }

  private observe(dir: 0 | 1, x: number, ts: number): void {
    const o = this.o;
    const n = this.learned[dir];
    if (n >= o.warmup) {
      const sigma = Math.max(Math.sqrt(this.variance[dir]), o.minSigma);
      const threshold = this.mean[dir] + o.k * sigma;
      if (x > threshold) {
        this.events++;
        o.emit({ kind: 'entropy', ts, direction: dir === 0 ? 'client' : 'server', value: x, baseline: this.mean[dir], sigma, threshold, frames: n });
        return;
      }
    }
    if (n === 0) {
      this.mean[dir] = x;
      this.variance[dir] = 0;
    } else {
      // During warm-up the weight is at least 1/(n+1): a plain average first, so the first frame does not dominate.
      const a = Math.max(o.alpha, 1 / (n + 1));
      const diff = x - this.mean[dir];
      const incr = a * diff;
      this.mean[dir] += incr;
      this.variance[dir] = (1 - a) * (this.variance[dir] + diff * incr);
    }
    this.learned[dir] = n + 1;
  }
}

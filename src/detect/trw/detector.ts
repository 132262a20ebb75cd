import { Kind } from '../scan/kinds.js';
import { Det } from '../scan/det.js';
import type { ScanPart } from '../scan/part.js';
import type { SourceState } from '../scan/source-state.js';

export interface TrwOptions {
  /** P(success) of a first contact from a benign source. */
  theta0: number;
  /** P(success) of a first contact from a scanner (< theta0). */
  theta1: number;
  /** Target false positive rate P_F. */
  alpha: number;
  /** Target detection rate P_D. */
  beta: number;
  /** Failed first contacts must reach this many ports on one host or hosts on one port. */
  minConcentration: number;
}

/** Ratios are capped here so a long scan never overflows to Infinity. */
const MAX_RATIO = 1e15;

/**
 * Threshold Random Walk (Jung, Paxson, Berger, Balakrishnan, IEEE S&P 2004)
 * over the outcomes of a source's first contacts (SYN and UDP), each distinct
 * host:port a trial. Each failure multiplies the likelihood ratio by
 * (1-theta1)/(1-theta0), each success by theta1/theta0; at >= eta1 =
 * beta/alpha the source is a scanner, at <= eta0 = (1-beta)/(1-alpha) it is
 * benign and the walk starts over at 1 (so it can still catch a later scan).
 * With the defaults: x4 per failure, x0.25 per success, eta1 = 99, so four
 * failures in a row decide.
 *
 * On top of the paper: the decision also needs the failures to concentrate
 * (see NOTES.md): a P2P client's failures are spread over random host:port
 * pairs, a scanner's are not.
 */
export class TrwPart implements ScanPart {
  readonly name = 'trw';
  readonly up: number;
  readonly down: number;
  readonly eta0: number;
  readonly eta1: number;
  outcomes = 0;
  benign = 0;
  scanners = 0;

  constructor(private readonly o: TrwOptions) {
    this.up = (1 - o.theta1) / (1 - o.theta0);
    this.down = o.theta1 / o.theta0;
    this.eta1 = o.beta / o.alpha;
    this.eta0 = (1 - o.beta) / (1 - o.alpha);
  }

  onOutcome(s: SourceState, kind: number, _dst: number, _port: number, success: boolean): void {
    if (kind !== Kind.SYN && kind !== Kind.UDP) return;
    this.outcomes++;
    let r = s.trwRatio * (success ? this.down : this.up);
    if (r <= this.eta0) {
      r = 1;
      this.benign++;
    } else if (r > MAX_RATIO) r = MAX_RATIO;
    s.trwRatio = r;
    const fired = (s.fired & (1 << Det.TRW)) !== 0;
    if (fired) s.score[Det.TRW] = r;
    else if (r >= this.eta1 && s.fail.max >= this.o.minConcentration) {
      this.scanners++;
      s.fire(Det.TRW, r, this.eta1);
    }
  }
}

/**
 * At most one warning line per reason per interval, so a misconfigured
 * exporter cannot flood stderr: the first one is written at once with its
 * example, the rest are counted and summed up in the next line written for
 * that reason. Wall-clock time: this is about what a human reads.
 */
export class WarnLimiter {
  private readonly last = new Map<string, number>();
  private readonly suppressed = new Map<string, number>();

  constructor(
    private readonly warn: (line: string) => void,
    /** Seconds between two lines of one reason; 0 = every one. */
    private readonly intervalSec: number,
    private readonly now: () => number = () => Date.now() / 1000,
  ) {}

  /** `make` builds the line only when it is written (no string work for suppressed ones). */
  note(reason: string, make: () => string): void {
    const t = this.now();
    const last = this.last.get(reason);
    if (last !== undefined && t - last < this.intervalSec) {
      this.suppressed.set(reason, (this.suppressed.get(reason) ?? 0) + 1);
      return;
    }
    this.last.set(reason, t);
    const n = this.suppressed.get(reason) ?? 0;
    this.suppressed.delete(reason);
    this.warn(n > 0 ? `${make()} (and ${n} more since the last such warning)` : make());
  }
}

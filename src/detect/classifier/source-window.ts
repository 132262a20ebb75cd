import type { LruEntry } from '../../track/lru-table.js';

/** Buckets per window: the window slides in steps of window / BUCKETS. */
export const BUCKETS = 10;

/**
 * One source's scored sessions over the last `window` seconds of packet time,
 * as a ring of BUCKETS buckets (total and flagged per bucket, running sums):
 * adding a session and reading the share are O(1) and allocate nothing.
 */
export class SourceWindow implements LruEntry {
  key = 0;
  lastSeen = 0;
  lruPrev: LruEntry | null = null;
  lruNext: LruEntry | null = null;

  private readonly total = new Float64Array(BUCKETS);
  private readonly flagged = new Float64Array(BUCKETS);
  /** Absolute number of the newest bucket (floor(time / width)). */
  private newest = -1;
  sumTotal = 0;
  sumFlagged = 0;

  reset(key: number, now: number): void {
    this.key = key;
    this.lastSeen = now;
    this.clear();
  }

  clear(): void {
    for (let i = 0; i < BUCKETS; i++) {
      this.total[i] = 0;
      this.flagged[i] = 0;
    }
    this.newest = -1;
    this.sumTotal = 0;
    this.sumFlagged = 0;
  }

  /** A session closed at `now`, flagged as a scan or not; `width` = window / BUCKETS. */
  add(now: number, flagged: boolean, width: number): void {
    const b = Math.floor(now / width);
    if (this.newest < 0) this.newest = b;
    else if (b > this.newest) {
      // Buckets that slid out of the window are emptied (at most BUCKETS of them).
      const steps = Math.min(b - this.newest, BUCKETS);
      for (let i = 1; i <= steps; i++) {
        const j = (this.newest + i) % BUCKETS;
        this.sumTotal -= this.total[j];
        this.sumFlagged -= this.flagged[j];
        this.total[j] = 0;
        this.flagged[j] = 0;
      }
      this.newest = b;
    } else if (b <= this.newest - BUCKETS) return; // older than the window (reordered input)
    const j = b % BUCKETS;
    this.total[j]++;
    this.sumTotal++;
    if (flagged) {
      this.flagged[j]++;
      this.sumFlagged++;
    }
  }

  /** Flagged sessions / scored sessions in the window (0 when none). */
  get share(): number {
    return this.sumTotal > 0 ? this.sumFlagged / this.sumTotal : 0;
  }
}

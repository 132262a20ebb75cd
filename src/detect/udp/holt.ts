/**
 * Holt's linear (double) exponential smoothing: a level and a trend.
 *   level_t = alpha * x_t + (1 - alpha) * (level_{t-1} + trend_{t-1})
 *   trend_t = beta * (level_t - level_{t-1}) + (1 - beta) * trend_{t-1}
 *   forecast_{t+h} = level_t + h * trend_t
 * Initialised as usual from the first two observations: level_1 = x_1,
 * trend_1 = x_1 - x_0. (PortScanDetector's "DES" is statsmodels'
 * ExponentialSmoothing without a trend: simple smoothing. See NOTES.md.)
 */
export class Holt {
  level = 0;
  trend = 0;
  /** Observations so far. */
  n = 0;

  constructor(
    readonly alpha: number,
    readonly beta: number,
  ) {}

  observe(x: number): void {
    if (this.n === 0) {
      this.level = x;
      this.trend = 0;
    } else if (this.n === 1) {
      this.trend = x - this.level;
      this.level = x;
    } else {
      const prev = this.level;
      this.level = this.alpha * x + (1 - this.alpha) * (this.level + this.trend);
      this.trend = this.beta * (this.level - prev) + (1 - this.beta) * this.trend;
    }
    this.n++;
  }

  /** Forecast `h` steps ahead (NaN before any observation). */
  forecast(h = 1): number {
    return this.n === 0 ? NaN : this.level + h * this.trend;
  }
}

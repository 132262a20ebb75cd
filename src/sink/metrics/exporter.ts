import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { CounterSpec } from '../../config/params.js';
import type { StatsRegistry } from '../../stats/counters.js';

/**
 * Prometheus view of the stats registry. Nothing here runs per packet: the
 * counters are read (a stats snapshot, as the exit line takes) only when
 * /metrics is scraped, and copied into prom-client metrics named after the
 * descriptors: `sum` counters become `peng_<name>_total` counters, `now` and
 * `max` become `peng_<name>` gauges, with the descriptor's help text. Process
 * and Node.js metrics come from prom-client's default collectors.
 */
export function metricName(c: CounterSpec): string {
  const base = `peng_${c.name.replace(/[^A-Za-z0-9_]/g, '_')}`;
  return c.kind === 'sum' ? `${base}_total` : base;
}

export class StatsExporter {
  readonly registry = new Registry();
  private readonly counters = new Map<string, { spec: CounterSpec; metric: Counter | Gauge; last: number }>();
  scrapes = 0;

  constructor(
    private readonly stats: StatsRegistry,
    labels: Record<string, string>,
  ) {
    new Gauge({ name: 'peng_build_info', help: 'peng-ts version and sensor name (value 1).', labelNames: Object.keys(labels), registers: [this.registry] }).set(labels, 1);
    collectDefaultMetrics({ register: this.registry });
  }

  /** Copy a fresh snapshot into the metrics (registers counters that appeared since the last scrape). */
  sync(): void {
    const snap = this.stats.snapshot();
    for (const spec of this.stats.describe()) {
      let m = this.counters.get(spec.name);
      if (!m) {
        const name = metricName(spec);
        const opts = { name, help: spec.help, registers: [this.registry] };
        m = { spec, metric: spec.kind === 'sum' ? new Counter(opts) : new Gauge(opts), last: 0 };
        this.counters.set(spec.name, m);
      }
      const v = snap[spec.name] ?? 0;
      if (m.metric instanceof Gauge) m.metric.set(v);
      else if (v >= m.last) m.metric.inc(v - m.last);
      else {
        m.metric.reset(); // a counter that went down was reset at its source: start over
        m.metric.inc(v);
      }
      m.last = v;
    }
  }

  async text(): Promise<string> {
    this.scrapes++;
    this.sync();
    return this.registry.metrics();
  }
}

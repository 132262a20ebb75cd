import { counterList, type CounterTable } from '../../stats/counters.js';

/**
 * The InfluxDB output's counters, in --help-counts and in every stats
 * snapshot. A point is counted exactly once as written, dropped or rejected
 * (queued is the gauge of those not yet settled), so
 * written + dropped + rejected + queued = points made, between batches.
 */
export const INFLUX_COUNTERS = {
  written: { name: 'influx.points_written', kind: 'sum', help: 'Points the database accepted (HTTP 204).' },
  queued: { name: 'influx.points_queued', kind: 'now', help: 'Points waiting in the write buffer (including a batch on its way), at most --influx-buffer.' },
  queueMax: { name: 'influx.points_queued_max', kind: 'max', help: 'Most points ever waiting in the write buffer; near --influx-buffer means an outage came close to dropping points.' },
  dropped: {
    name: 'influx.points_dropped',
    kind: 'sum',
    help: 'Points lost: the oldest, pushed out of the full buffer during an outage (raise --influx-buffer), plus every point after a fatal auth/not-found error and those still buffered when --influx-flush-timeout ran out at exit.',
  },
  rejected: { name: 'influx.points_rejected', kind: 'sum', help: 'Points in batches the database refused as bad data (HTTP 400/413/422), not retried.' },
  batches: { name: 'influx.batches_written', kind: 'sum', help: 'Write requests that succeeded.' },
  errors: { name: 'influx.write_errors', kind: 'sum', help: 'Write requests that failed (unreachable, timeout, HTTP error), each retried batch counted again.' },
  outages: { name: 'influx.outages', kind: 'sum', help: 'Times the database went from answering to failing (one warning line each).' },
} as const satisfies CounterTable;

export const INFLUX_COUNTER_LIST = counterList(INFLUX_COUNTERS);

/**
 * Every counter of every module maps to one valid, distinct Prometheus name
 * with its own help text; the exporter copies snapshot values at scrape time
 * (counters only go up; a source that restarted from 0 is followed).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateMetricName } from 'prom-client';
import { ALL_MODULES } from '../../src/assemble/registry.js';
import { metricName, StatsExporter } from '../../src/sink/metrics/exporter.js';
import { StatsRegistry } from '../../src/stats/counters.js';

test('every descriptor counter has a valid, distinct metric name', () => {
  const seen = new Map<string, string>();
  for (const c of ALL_MODULES.flatMap((m) => m.counters)) {
    const n = metricName(c);
    assert.ok(validateMetricName(n), n);
    assert.equal(n.endsWith('_total'), c.kind === 'sum', n);
    assert.ok(!seen.has(n), `${c.name} and ${seen.get(n)} both become ${n}`);
    seen.set(n, c.name);
  }
  assert.ok(seen.size > 100);
});

test('values are read when scraped: counters, gauges, a counter that restarted', async () => {
  const stats = new StatsRegistry();
  const v = { seen: 5, queued: 3 };
  stats.add(
    [
      { name: 'packets.seen', kind: 'sum', help: 'seen help' },
      { name: 'x.queued', kind: 'now', help: 'queued help' },
    ],
    (out) => {
      out['packets.seen'] = v.seen;
      out['x.queued'] = v.queued;
    },
  );
  const e = new StatsExporter(stats, { version: 't', sensor: 's' });
  const value = (text: string, n: string) => Number(new RegExp(`^${n} (\\S+)$`, 'm').exec(text)?.[1]);
  let t = await e.text();
  assert.match(t, /^# HELP peng_packets_seen_total seen help$/m);
  assert.match(t, /^# TYPE peng_x_queued gauge$/m);
  assert.equal(value(t, 'peng_packets_seen_total'), 5);
  v.seen = 9;
  v.queued = 0;
  t = await e.text();
  assert.equal(value(t, 'peng_packets_seen_total'), 9);
  assert.equal(value(t, 'peng_x_queued'), 0);
  v.seen = 2;
  t = await e.text();
  assert.equal(value(t, 'peng_packets_seen_total'), 2);
  assert.match(t, /^peng_build_info\{version="t",sensor="s"\} 1$/m);
});

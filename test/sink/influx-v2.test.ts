/**
 * The v2 write path (@influxdata/influxdb-client, /api/v2/write) against a
 * real VictoriaMetrics started here: records through the sink, then the real
 * sensor replaying a capture; everything is read back with /api/v1/export and
 * compared value by value and timestamp by timestamp.
 *
 * VictoriaMetrics stores `<measurement>_<field>` series with the tags as
 * labels, float values and millisecond timestamps; string fields are not
 * stored (the v1 test against InfluxDB checks those).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pointsFor } from '../../src/sink/influx/points.js';
import { InfluxSink } from '../../src/sink/influx/sink.js';
import { V2Writer } from '../../src/sink/influx/v2-writer.js';
import type { SensorRecord } from '../../src/sink/schema.js';
import { runCli, SHARED_CAPTURES } from '../helpers/cli.js';
import { frame, ManagedServer, missingBinary, scanEvent, startVictoriaMetrics, stats, VICTORIA_METRICS_BIN, vmExport, type VmSeries } from '../helpers/servers.js';

const skip = missingBinary(VICTORIA_METRICS_BIN, 'victoria-metrics');
const CAPTURE = join(SHARED_CAPTURES, 'evilfingers_nmap_sS_TCP_SYN_SCAN.pcap');

/** VictoriaMetrics keeps milliseconds: it drops the sub-millisecond part of our microseconds. */
const ms = (seconds: number) => Math.floor(Math.round(seconds * 1e6) / 1000);

function one(series: VmSeries[], labels: Record<string, string>): VmSeries {
  const hits = series.filter((s) => Object.entries(labels).every(([k, v]) => s.metric[k] === v));
  assert.equal(hits.length, 1, `one series with ${JSON.stringify(labels)} among ${JSON.stringify(series.map((s) => s.metric))}`);
  return hits[0];
}

/** [timestamp ms, value] pairs, sorted by time. */
function samples(s: VmSeries): [number, number][] {
  return s.timestamps.map((t, i) => [t, s.values[i]] as [number, number]).sort((a, b) => a[0] - b[0]);
}

describe('InfluxDB v2 write API against VictoriaMetrics', { skip: skip ?? false }, () => {
  let vm: ManagedServer;
  const dirs: string[] = [];

  before(async () => {
    vm = await startVictoriaMetrics();
  });
  after(async () => {
    await vm?.remove();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test('frames, Peng points, scan events and stats written through the sink come back exactly', async () => {
    const warnings: string[] = [];
    const sink = new InfluxSink({
      writer: new V2Writer({ url: vm.url, org: 'o', bucket: 'direct', token: 't', timeoutMs: 10_000, maxBatch: 50 }),
      points: { origin: { sensor: 'unit', source: 'direct.pcap' }, pengCompat: true },
      bufferPoints: 1000,
      batchPoints: 50,
      flushTimeout: 10,
      retryMin: 0.05,
      retryMax: 0.5,
      warn: (l) => warnings.push(l),
    });
    const records: SensorRecord[] = [];
    // 2004: years old, like replayed captures (only a long retention keeps it),
    // and apart from the capture's 2009 so the Peng points (no sensor tag) do not mix.
    const t0 = 1100000000;
    for (let i = 0; i < 40; i++) {
      records.push(frame(t0 + i + 0.123456, i));
      records.push(stats(t0 + i + 0.123456, { 'packets.seen': 10 * i, 'packets.decoded': 9 * i, 'packets.malformed': i, 'entropy.syn_client': i, 'entropy.syn_server': 2 * i }));
      if (i % 10 === 5) records.push(scanEvent(t0 + i + 0.5, { event: i === 35 ? 'end' : 'start', probes: 100 + i, scanner: `10.0.0.${i}` }));
    }
    for (const r of records) {
      sink.write(r);
      if (r.kind === 'frame') await sink.flush();
    }
    await sink.close();
    assert.deepEqual(warnings, []);
    const expectedPoints = records.reduce((n, r) => n + pointsFor(r, { origin: { sensor: 'x', source: 'y' }, pengCompat: true }).length, 0);
    assert.equal(sink.written, expectedPoints);
    assert.equal(sink.dropped, 0);

    const frames = records.filter((r) => r.kind === 'frame');
    const client = samples(one(await vmExport(vm, 'entropy_client'), { sensor: 'unit', source: 'direct.pcap' }));
    assert.deepEqual(client, frames.map((f) => [ms(f.end), f.client]));
    const serverSyns = samples(one(await vmExport(vm, 'entropy_server_syns'), { sensor: 'unit' }));
    assert.deepEqual(serverSyns, frames.map((f) => [ms(f.end), f.serverSyns]));
    // Peng's own point: in = SERVER, out = CLIENT, tag entropy=ports.
    const pengIn = samples(one(await vmExport(vm, 'system_in'), { entropy: 'ports' }));
    assert.deepEqual(pengIn, frames.map((f) => [ms(f.end), f.server]));
    const pengOut = samples(one(await vmExport(vm, 'system_out'), { entropy: 'ports' }));
    assert.deepEqual(pengOut, frames.map((f) => [ms(f.end), f.client]));

    const probes = await vmExport(vm, 'scan_probes');
    const scans = records.filter((r) => r.kind === 'scan');
    assert.equal(probes.length, scans.length);
    for (const e of scans) {
      const s = one(probes, { scanner: e.scanner, technique: 'syn', pattern: 'vertical', tool: 'nmap', event: e.event, sensor: 'unit' });
      assert.deepEqual(samples(s), [[ms(e.ts), e.probes]]);
    }
    const seen = samples(one(await vmExport(vm, 'sensor_stats_packets_seen'), { sensor: 'unit' }));
    assert.deepEqual(seen, frames.map((f, i) => [ms(f.end), 10 * i]));
    const syns = samples(one(await vmExport(vm, 'sensor_stats_syns_counted'), { sensor: 'unit' }));
    assert.deepEqual(syns.at(-1), [ms(frames.at(-1)!.end), 39 * 3]);
  });

  test('large batches (gzip-compressed above 64 KiB) arrive whole', async () => {
    const sink = new InfluxSink({
      writer: new V2Writer({ url: vm.url, org: 'o', bucket: 'big', token: 't', timeoutMs: 30_000, maxBatch: 5000 }),
      points: { origin: { sensor: 'big', source: 'gzip' }, pengCompat: false },
      bufferPoints: 20_000,
      batchPoints: 5000,
      flushTimeout: 30,
      retryMin: 0.05,
      retryMax: 0.5,
      warn: (l) => assert.fail(l),
    });
    for (let i = 0; i < 12_000; i++) sink.write(frame(1000000000 + i, i));
    await sink.close();
    assert.equal(sink.written, 12_000);
    assert.equal(sink.batches, 3);
    const series = one(await vmExport(vm, 'entropy_server_syns'), { sensor: 'big' });
    assert.equal(series.values.length, 12_000);
    assert.equal(series.values.reduce((a, b) => a + b, 0), 12_000 * 12_000); // sum of 2i+1
  });

  test('the sensor replaying a capture: entropy, Peng points, alerts and health land at packet time', () => {
    const dir = mkdtempSync(join(tmpdir(), 'peng-influx-v2-'));
    dirs.push(dir);
    const csv = join(dir, 'frames.csv');
    const alerts = join(dir, 'alerts.jsonl');
    const r = runCli(
      [
        '-r', CAPTURE,
        '--local-net', '192.168.1.0/24',
        '-timeFrame', '1s',
        '-verbose', '0',
        '--influx', vm.url,
        '-bucket', 'b',
        '-org', 'o',
        '--sensor-name', 'ci-sensor',
        '--influx-peng-compat',
        '-export', csv,
        '--alerts', alerts,
      ],
      { env: { INFLUX_TOKEN: 't' } },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /influx:/, 'no InfluxDB warnings');
    return (async () => {
      // CSV rows: Go time, client, server (%f).
      const rows = readFileSync(csv, 'utf8').trim().split('\n').map((l) => l.split(','));
      assert.ok(rows.length >= 2, 'the capture spans several 1 s frames');
      const expected = rows.map(([time, client, server]) => ({ ms: goTimeMs(time), client: Number(client), server: Number(server) }));
      const labels = { sensor: 'ci-sensor', source: CAPTURE };
      const server = samples(one(await vmExport(vm, 'entropy_server'), labels));
      assert.deepEqual(server.map(([t]) => t), expected.map((e) => e.ms));
      server.forEach(([, v], i) => assert.equal(v.toFixed(6), expected[i].server.toFixed(6)));
      const client = samples(one(await vmExport(vm, 'entropy_client'), labels));
      client.forEach(([, v], i) => assert.equal(v.toFixed(6), expected[i].client.toFixed(6)));
      const inCapture = ([t]: [number, number]) => t >= expected[0].ms - 1000 && t <= expected.at(-1)!.ms;
      const pengIn = samples(one(await vmExport(vm, 'system_in'), { entropy: 'ports' })).filter(inCapture);
      assert.deepEqual(pengIn.map(([t, v]) => [t, v.toFixed(6)]), expected.map((e) => [e.ms, e.server.toFixed(6)]));

      // Alerts: the same events as the JSON Lines output, same packet time.
      const events = readFileSync(alerts, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { ts: string; event: string; scanner: string; technique: string; pattern: string; tool: string; probes: number; ports: number });
      assert.ok(events.length >= 1);
      const probes = await vmExport(vm, `scan_probes{sensor="ci-sensor"}`);
      const ports = await vmExport(vm, `scan_ports{sensor="ci-sensor"}`);
      // The JSON Lines time is rounded to the millisecond, VictoriaMetrics truncates: at most 1 ms apart.
      const at = (t: number, iso: string) => Math.abs(t - Date.parse(iso)) <= 1;
      for (const e of events) {
        const tags = { scanner: e.scanner, technique: e.technique.split(',')[0], pattern: e.pattern, tool: e.tool, event: e.event };
        assert.ok(samples(one(probes, tags)).some(([t, v]) => at(t, e.ts) && v === e.probes), `${e.event} probes at ${e.ts}`);
        assert.ok(samples(one(ports, tags)).some(([t, v]) => at(t, e.ts) && v === e.ports), `${e.event} ports at ${e.ts}`);
      }

      // Health: the last snapshot has every packet of the file, nothing dropped.
      const finalSeen = Number(/packets\.seen=(\d+)/.exec(r.stderr)?.[1]);
      const seen = samples(one(await vmExport(vm, 'sensor_stats_packets_seen'), labels));
      assert.equal(seen.at(-1)![1], finalSeen);
      assert.equal(seen.at(-1)![0], expected.at(-1)!.ms);
      const dropped = samples(one(await vmExport(vm, 'sensor_stats_influx_dropped'), labels));
      assert.ok(dropped.every(([, v]) => v === 0));
    })();
  });
});

/** `2009-01-03 18:58:36.199697018 +0000 UTC` (TZ=UTC) to epoch milliseconds, truncated as VictoriaMetrics stores it. */
function goTimeMs(s: string): number {
  const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d+))? \+0000 UTC$/.exec(s);
  assert.ok(m, `Go time ${s}`);
  const whole = Date.parse(`${m[1]}T${m[2]}Z`);
  const frac = (m[3] ?? '').padEnd(9, '0');
  return whole + Math.floor(Number(frac.slice(0, 6)) / 1000);
}

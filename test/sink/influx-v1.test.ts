/**
 * The v1 write path (/write, for InfluxDB before 1.8) against a real
 * InfluxDB 1.6 started here with auth on: records and a replay read back with
 * InfluxQL (string fields and microsecond timestamps included), and the clear
 * one-line errors for a wrong password, an unknown database, and the v2 API
 * pointed at a server that does not have it. The sensor goes on each time.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { InfluxSink } from '../../src/sink/influx/sink.js';
import { V1Writer } from '../../src/sink/influx/v1-writer.js';
import type { SensorRecord } from '../../src/sink/schema.js';
import { runCli, SHARED_CAPTURES } from '../helpers/cli.js';
import { frame, INFLUXD_BIN, influxRows, missingBinary, scanEvent, startInfluxd1, stats, waitFor, type Influx1Server } from '../helpers/servers.js';

const skip = missingBinary(INFLUXD_BIN, 'influxdb');
const CAPTURE = join(SHARED_CAPTURES, 'evilfingers_nmap_sS_TCP_SYN_SCAN.pcap');
const DB = 'peng';

const us = (seconds: number) => Math.round(seconds * 1e6);

function sink(s: Influx1Server, over: { database?: string; password?: string } = {}) {
  const warnings: string[] = [];
  const k = new InfluxSink({
    writer: new V1Writer({ url: s.url, database: over.database ?? DB, username: s.admin.user, password: over.password ?? s.admin.password, timeoutMs: 10_000 }),
    points: { origin: { sensor: 'v1-unit', source: 'records' }, pengCompat: true },
    bufferPoints: 1000,
    batchPoints: 100,
    flushTimeout: 10,
    retryMin: 0.05,
    retryMax: 0.5,
    warn: (l) => warnings.push(l),
  });
  return { sink: k, warnings };
}

describe('InfluxDB 1.x /write API against InfluxDB 1.6 (auth on)', { skip: skip ?? false }, () => {
  let db: Influx1Server;
  const dirs: string[] = [];
  before(async () => {
    db = await startInfluxd1(DB);
  });
  after(async () => {
    await db?.remove();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test('records come back with InfluxQL: values, tags, string fields, microsecond times', async () => {
    const { sink: k, warnings } = sink(db);
    const t0 = 1100000000;
    const records: SensorRecord[] = [];
    for (let i = 0; i < 20; i++) {
      records.push(frame(t0 + i + 0.654321, i));
      records.push(stats(t0 + i + 0.654321, { 'packets.seen': 7 * i, 'capture.kernel_dropped': i }));
    }
    records.push(scanEvent(t0 + 3.000001, { scanner: '2001:db8::66', technique: ['xmas', 'fin'], toolEvidence: 'ttl 64, "window" 1024', event: 'update' }));
    for (const r of records) {
      k.write(r);
      await k.flush();
    }
    await k.close();
    assert.deepEqual(warnings, []);
    assert.equal(k.written, 20 * 3 + 1);

    const frames = records.filter((r) => r.kind === 'frame');
    const entropy = await influxRows(db, `SELECT client, server, client_syns, server_syns, frame_seconds, sensor, source FROM entropy WHERE sensor = 'v1-unit' ORDER BY time`, DB);
    assert.deepEqual(
      entropy,
      frames.map((f) => ({ time: us(f.end), client: f.client, server: f.server, client_syns: f.clientSyns, server_syns: f.serverSyns, frame_seconds: 1, sensor: 'v1-unit', source: 'records' })),
    );
    const peng = await influxRows(db, `SELECT "in", "out" FROM system WHERE entropy = 'ports' ORDER BY time`, DB);
    assert.deepEqual(peng, frames.map((f) => ({ time: us(f.end), in: f.server, out: f.client })));

    const [scan] = await influxRows(db, `SELECT * FROM scan WHERE sensor = 'v1-unit'`, DB);
    assert.deepEqual(scan, {
      time: us(t0 + 3.000001),
      detectors: 'trw=120.500/99',
      duration: 2.5,
      event: 'update',
      failures: 118,
      id: 'scan-1',
      pattern: 'vertical',
      ports: 120,
      probes: 130,
      probes_to_detect: 12,
      scanner: '2001:db8::66',
      sensor: 'v1-unit',
      source: 'records',
      targets: 1,
      technique: 'xmas',
      techniques: 'xmas,fin',
      tool: 'nmap',
      tool_evidence: 'ttl 64, "window" 1024',
    });
    const health = await influxRows(db, `SELECT packets_seen, kernel_dropped FROM sensor_stats WHERE sensor = 'v1-unit' ORDER BY time DESC LIMIT 1`, DB);
    assert.deepEqual(health, [{ time: us(frames.at(-1)!.end), packets_seen: 7 * 19, kernel_dropped: 19 }]);
  });

  test('wrong password: one line naming the options, nothing written, the sink keeps taking records', async () => {
    const { sink: k, warnings } = sink(db, { password: 'wrong' });
    for (let i = 0; i < 5; i++) {
      k.write(frame(1100001000 + i, i));
      await k.flush();
    }
    await waitFor('the refusal', () => warnings.length === 1);
    for (let i = 5; i < 10; i++) {
      k.write(frame(1100001000 + i, i));
      await k.flush();
    }
    await k.close();
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /HTTP 401: authorization failed\): check --influx-v1-user and --influx-v1-password \(or INFLUX_USERNAME and INFLUX_PASSWORD\); InfluxDB output stopped/);
    assert.equal(k.written, 0);
    assert.equal(k.dropped, 20); // 10 frames, entropy and Peng points
  });

  test('unknown database: one line saying how to create it', async () => {
    const { sink: k, warnings } = sink(db, { database: 'nosuchdb' });
    k.write(frame(1100002000, 1));
    await k.flush();
    await waitFor('the refusal', () => warnings.length === 1);
    await k.close();
    assert.match(warnings[0], /database not found: "?nosuchdb"? \(HTTP 404\): create it \(CREATE DATABASE "nosuchdb"\) or fix --influx-v1-db/);
  });

  test('the sensor with --influx-v1-db: a replay lands in InfluxDB; a wrong password is one line and the CSV is still written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peng-influx-v1-'));
    dirs.push(dir);
    const args = (csv: string, sensor: string) => [
      '-r', CAPTURE,
      '--local-net', '192.168.1.0/24',
      '-timeFrame', '1s',
      '-verbose', '0',
      '--influx', db.url,
      '--influx-v1-db', DB,
      '--sensor-name', sensor,
      '-export', csv,
    ];
    const good = runCli(args(join(dir, 'good.csv'), 'cli-good'), { env: { INFLUX_USERNAME: db.admin.user, INFLUX_PASSWORD: db.admin.password } });
    assert.equal(good.code, 0, good.stderr);
    assert.doesNotMatch(good.stderr, /influx:/);
    const rows = readFileSync(join(dir, 'good.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
    const stored = await influxRows(db, `SELECT client, server, source FROM entropy WHERE sensor = 'cli-good' ORDER BY time`, DB);
    assert.equal(stored.length, rows.length);
    stored.forEach((s, i) => {
      assert.equal((s.client as number).toFixed(6), rows[i][1]);
      assert.equal((s.server as number).toFixed(6), rows[i][2]);
      assert.equal(s.source, CAPTURE);
    });
    const scans = await influxRows(db, `SELECT probes, scanner, technique, tool FROM scan WHERE sensor = 'cli-good' AND event = 'end'`, DB);
    assert.equal(scans.length, 1);
    assert.deepEqual({ ...scans[0], time: undefined }, { time: undefined, probes: scans[0].probes, scanner: '192.168.1.10', technique: 'syn', tool: 'nmap' });

    const bad = runCli(args(join(dir, 'bad.csv'), 'cli-bad'), { env: { INFLUX_USERNAME: db.admin.user, INFLUX_PASSWORD: 'wrong' } });
    assert.equal(bad.code, 0, bad.stderr);
    const influxLines = bad.stderr.split('\n').filter((l) => l.includes('influx:'));
    assert.equal(influxLines.length, 1, bad.stderr);
    assert.match(influxLines[0], /HTTP 401.*--influx-v1-user and --influx-v1-password.*goes on with its other outputs/);
    assert.equal(readFileSync(join(dir, 'bad.csv'), 'utf8'), readFileSync(join(dir, 'good.csv'), 'utf8'));
    assert.deepEqual(await influxRows(db, `SELECT client FROM entropy WHERE sensor = 'cli-bad'`, DB), []);
    assert.match(bad.stderr, /influx\.points_dropped=[1-9]/);
  });

  test('the v2 API pointed at InfluxDB 1.6 (no /api/v2/write): one line suggesting --influx-v1-db', () => {
    const r = runCli(['-r', CAPTURE, '--local-net', '192.168.1.0/24', '-timeFrame', '1s', '-verbose', '0', '--influx', db.url, '-bucket', DB, '-org', 'o', '-token', 'admin:admin-secret']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stderr.split('\n').filter((l) => l.includes('influx:'));
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /HTTP 404.*--influx-v1-db/);
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { ALERT_COLUMNS, AlertCsvSink } from '../../src/sink/alerts-csv.js';
import { formatScanEventLine } from '../../src/sink/event-line.js';
import { eventRecord } from '../../src/sink/event-projection.js';
import { pointsFor } from '../../src/sink/influx/points.js';
import { AlertJsonlSink, AlertOutput } from '../../src/sink/jsonl.js';
import { DISTRIBUTED_FIELDS, ENTROPY_EVENT_FIELDS, type DistributedEvent, type EntropyEvent } from '../../src/sink/schema.js';

const DIST: DistributedEvent = {
  kind: 'distributed',
  ts: 1796116566,
  event: 'start',
  id: '10.77.0.100-1796116565656',
  victim: '10.77.0.100',
  sources: 18844,
  ports: 1,
  rate: 2155.4,
  syns: 20029,
  unanswered: 20000,
  flood: true,
  topPorts: [8080],
  firstSeen: 1796116565.656,
  lastSeen: 1796116566,
};

const ENT: EntropyEvent = { kind: 'entropy', ts: 1796116620, direction: 'server', value: 2, baseline: 0.35, sigma: 0.03333333, threshold: 0.5, frames: 30 };

test('every field of the event tables has its own help and a unique snake_case name', () => {
  for (const table of [DISTRIBUTED_FIELDS, ENTROPY_EVENT_FIELDS] as const) {
    const names = table.map((f) => f.name);
    assert.equal(new Set(names).size, names.length);
    for (const f of table) {
      assert.match(f.name, /^[a-z_]+$/);
      assert.ok(f.help.length > 10, f.name);
    }
  }
});

test('JSON Lines: kind first, the table fields in order, times ISO, floats to 6 digits', async () => {
  const r = eventRecord(DIST);
  assert.deepEqual(Object.keys(r), ['kind', ...DISTRIBUTED_FIELDS.map((f) => f.name)]);
  assert.equal(r.kind, 'distributed');
  assert.equal(r.ts, '2026-12-01T09:16:06.000Z');
  assert.equal(r.first_seen, '2026-12-01T09:16:05.656Z');
  assert.deepEqual(r.top_ports, [8080]);
  assert.equal(eventRecord(ENT).sigma, 0.0333333);
  const path = join(mkdtempSync(join(tmpdir(), 'peng-events-')), 'a.jsonl');
  const sink = new AlertJsonlSink(new AlertOutput(path, '--alerts', () => {}));
  sink.write(DIST);
  sink.write(ENT);
  await sink.close();
  const lines = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => l.kind), ['distributed', 'entropy']);
  assert.equal(lines[1].direction, 'server');
});

test('CSV: one header for every kind, kind column, cells of other kinds empty', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'peng-events-')), 'a.csv');
  const sink = new AlertCsvSink(new AlertOutput(path, '--alerts-csv', () => {}));
  sink.write(DIST);
  sink.write(ENT);
  await sink.close();
  const rows = readFileSync(path, 'utf8').trim().split('\n').map((l) => l.split(','));
  assert.deepEqual(rows[0], [...ALERT_COLUMNS]);
  const col = (n: string) => ALERT_COLUMNS.indexOf(n);
  assert.equal(rows[1][col('kind')], 'distributed');
  assert.equal(rows[1][col('victim')], '10.77.0.100');
  assert.equal(rows[1][col('flood')], 'true');
  assert.equal(rows[1][col('scanner')], '');
  assert.equal(rows[2][col('kind')], 'entropy');
  assert.equal(rows[2][col('direction')], 'server');
  assert.equal(rows[2][col('victim')], '');
  for (const r of rows) assert.equal(r.length, ALERT_COLUMNS.length);
});

test('console: one line per event, time, kind, event, the marked fields, id', () => {
  assert.equal(
    formatScanEventLine(DIST),
    '[2026-12-01T09:16:06.000Z] DISTRIBUTED start victim=10.77.0.100 sources=18844 ports=1 rate=2155.4 syns=20029 unanswered=20000 flood=true top_ports=8080 [id 10.77.0.100-1796116565656]',
  );
  assert.equal(formatScanEventLine(ENT), '[2026-12-01T09:17:00.000Z] ENTROPY direction=server value=2 baseline=0.35 sigma=0.0333333 threshold=0.5');
});

test('InfluxDB: tags and fields from the same tables, packet time', () => {
  const [p] = pointsFor(DIST, { origin: { sensor: 's', source: 'eth0' }, pengCompat: false });
  assert.equal(p.measurement, 'distributed');
  assert.equal(p.time, DIST.ts);
  assert.deepEqual(p.tags, { sensor: 's', source: 'eth0', event: 'start', victim: '10.77.0.100', flood: 'true' });
  assert.deepEqual(p.fields.sources, { int: 18844 });
  assert.equal(p.fields.top_ports, '8080');
  const [e] = pointsFor(ENT, { origin: { sensor: 's', source: 'eth0' }, pengCompat: false });
  assert.equal(e.measurement, 'entropy_event');
  assert.equal(e.tags.direction, 'server');
  assert.equal(e.fields.value, 2);
});

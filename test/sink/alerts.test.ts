import assert from 'node:assert/strict';
import { waitFor } from '../helpers/wait.js';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { formatScanEvent } from '../../src/sink/alert-text.js';
import { ALERT_COLUMNS, AlertCsvSink } from '../../src/sink/alerts-csv.js';
import { AlertJsonlSink, AlertOutput, alertRecord } from '../../src/sink/jsonl.js';
import type { FrameStat, ScanEvent } from '../../src/sink/schema.js';

/** RFC 4180 rows (quoted fields, doubled quotes), enough to read back what csv-stringify wrote. */
function parse(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  return rows;
}

const EVENT: ScanEvent = {
  kind: 'scan',
  ts: 1231009114.959,
  event: 'start',
  id: '192.168.1.10-1231009114958',
  scanner: '192.168.1.10',
  technique: ['syn'],
  pattern: 'vertical',
  tool: 'nmap',
  toolEvidence: 'TCP window 1024/2048/3072/4096 with MSS-only (SYN) or no options on 5/5 TCP probes',
  targets: 1,
  ports: 5,
  probes: 5,
  failures: 0,
  probesToDetect: 5,
  firstSeen: 1231009114.958,
  lastSeen: 1231009114.959,
  detectors: [{ name: 'fingerprint', score: 5, threshold: 3 }],
  samplePorts: [1723, 443, 23, 22, 3389],
  sampleTargets: ['192.168.1.25'],
};

const FRAME: FrameStat = {
  kind: 'frame',
  start: 0,
  end: 60,
  client: 0,
  server: 0,
  clientSyns: 0,
  serverSyns: 0,
  clientBins: [],
  serverBins: [],
  clientBitmap: null,
  serverBitmap: null,
};

test('console line: one line, time, event, scanner, technique, pattern, tool, counts, decision, id', () => {
  const line = formatScanEvent(EVENT);
  assert.equal(
    line,
    '[2009-01-03T18:58:34.959Z] SCAN start 192.168.1.10 syn vertical nmap: 1 host, 5 ports, 5 probes (0 failed) in 0.0s, ' +
      'named after 5 probes by fingerprint 5>=3 [id 192.168.1.10-1231009114958]',
  );
  const mixed = formatScanEvent({ ...EVENT, event: 'update', technique: ['syn', 'fin'], tool: 'unknown', targets: 2, lastSeen: EVENT.firstSeen + 125 });
  assert.match(mixed, / SCAN update 192\.168\.1\.10 syn\+fin vertical: 2 hosts, .* in 2m05s, /);
  assert.ok(!mixed.includes('\n'));
});

test('alert record: snake_case keys, ISO times, technique a string or an array', () => {
  const r = alertRecord(EVENT);
  for (const k of ['ts', 'event', 'id', 'scanner', 'technique', 'pattern', 'tool', 'targets', 'ports', 'probes', 'failures', 'probes_to_detect', 'first_seen', 'last_seen', 'detectors', 'sample_ports', 'sample_targets']) {
    assert.ok(k in r, `missing ${k}`);
  }
  assert.equal(r.ts, '2009-01-03T18:58:34.959Z');
  assert.equal(r.first_seen, '2009-01-03T18:58:34.958Z');
  assert.equal(r.technique, 'syn');
  assert.deepEqual(alertRecord({ ...EVENT, technique: ['syn', 'udp'] }).technique, ['syn', 'udp']);
  assert.equal(r.probes_to_detect, 5);
});

test('--alerts: JSON Lines, one object per scan event, other records ignored', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'peng-alerts-'));
  const path = join(dir, 'alerts.jsonl');
  const sink = new AlertJsonlSink(new AlertOutput(path, '--alerts', () => {}));
  sink.write(FRAME);
  sink.write(EVENT);
  sink.write({ kind: 'stats', ts: 1, counters: {} });
  sink.write({ ...EVENT, event: 'end', technique: ['syn', 'fin'] });
  await sink.close();
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  assert.equal(lines.length, 2);
  const [a, b] = lines.map((l) => JSON.parse(l));
  assert.equal(a.event, 'start');
  assert.equal(a.scanner, '192.168.1.10');
  assert.deepEqual(a.sample_ports, [1723, 443, 23, 22, 3389]);
  assert.deepEqual(b.technique, ['syn', 'fin']);
  assert.equal(sink.events, 2);
});

test('--alerts-csv: header once per file, then one row per event, lists space-separated', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'peng-alerts-'));
  const path = join(dir, 'alerts.csv');
  const first = new AlertCsvSink(new AlertOutput(path, '--alerts-csv', () => {}));
  first.write(EVENT);
  first.write(FRAME);
  await first.close();
  // Appending to the same file: no second header.
  const again = new AlertCsvSink(new AlertOutput(path, '--alerts-csv', () => {}, readFileSync(path).length));
  again.write({ ...EVENT, event: 'end', technique: ['syn', 'fin'], toolEvidence: 'a "quoted", comma' });
  await again.close();
  const rows = parse(readFileSync(path, 'utf8')) as string[][];
  assert.deepEqual(rows[0], [...ALERT_COLUMNS]);
  assert.equal(rows.length, 3);
  const col = (name: string) => ALERT_COLUMNS.indexOf(name as never);
  assert.equal(rows[1][col('event')], 'start');
  assert.equal(rows[1][col('detectors')], 'fingerprint:5/3');
  assert.equal(rows[1][col('sample_ports')], '1723 443 23 22 3389');
  assert.equal(rows[2][col('technique')], 'syn fin');
  assert.equal(rows[2][col('tool_evidence')], 'a "quoted", comma');
});

test('an output that cannot be written warns once and stops, without throwing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'peng-alerts-'));
  writeFileSync(join(dir, 'file'), 'x');
  const warnings: string[] = [];
  const out = new AlertOutput(join(dir, 'file', 'sub.jsonl'), '--alerts', (w) => warnings.push(w));
  const sink = new AlertJsonlSink(out);
  sink.write(EVENT);
  await waitFor('the open error to be reported', () => warnings.length > 0, 60_000);
  sink.write(EVENT);
  await sink.close();
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /^--alerts .*sub\.jsonl: /);
  assert.equal(out.ok, false);
});

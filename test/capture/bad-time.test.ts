import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { goTime } from '../../src/sink/go-time.js';
import { timestampMicros } from '../../src/sink/influx/line-protocol.js';
import { isoTime } from '../../src/sink/schema.js';
import { runCli, SAMPLE } from '../helpers/cli.js';
import { pcapngFile } from '../../src/decode/craft.js';
import { readPcapRecords } from '../helpers/sample-records.js';

const dir = mkdtempSync(join(tmpdir(), 'peng-badtime-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const sample = readPcapRecords(SAMPLE);

/** The sample as pcapng: every `every`-th packet on an interface whose stamps read as `stamp(micros)` in units of 10^-tsresol s. */
function withBadStamps(every: number, tsresol: number, stamp: (micros: bigint) => bigint): { path: string; bad: number } {
  let bad = 0;
  const packets = sample.records.map((r, i) => {
    const micros = BigInt(r.sec) * 1_000_000n + BigInt(r.usec);
    if (i % every === every - 1) {
      bad++;
      return { ifId: 1, ts: stamp(micros), data: r.data };
    }
    return { ifId: 0, ts: micros, data: r.data };
  });
  const path = join(dir, `bad-${every}-${tsresol}.pcapng`);
  writeFileSync(path, pcapngFile([{ linkType: 1, tsresol: 6 }, { linkType: 1, tsresol }], packets));
  return { path, bad };
}

function counter(stderr: string, name: string): number {
  const m = stderr.match(new RegExp(`\\b${name.replace('.', '\\.')}=(\\d+)`));
  return m ? Number(m[1]) : 0;
}

for (const [what, tsresol, stamp] of [
  // if_tsresol 0 with ordinary microsecond stamps: 1.8e15 s, past Date's 8.64e12 s (the fuzzing crash).
  ['if_tsresol 0 with microsecond stamps (1.8e15 s)', 0, (us: bigint) => us],
  // ~4e18 s: where a 10 s step no longer moves a double (the UDP detector's hang).
  ['stamps near 4e18 s', 0, () => 4_000_000_000_000_000_000n],
  // Year 2300: within Date's range, past a 64-bit nanosecond clock (InfluxDB).
  ['year 2300', 0, () => 10_413_792_000n],
] as const) {
  test(`pcapng packet times out of range (${what}) are counted and skipped; every output is written`, () => {
    const { path, bad } = withBadStamps(10, tsresol, stamp);
    const csv = join(dir, `frames-${tsresol}-${bad}-${what.length}.csv`);
    const alerts = join(dir, `alerts-${what.length}.jsonl`);
    const r = runCli(['-r', path, '--local-net', '10.99.0.0/16', '-timeFrame', '1s', '-export', csv, '--alerts', alerts]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /internal error|RangeError/);
    assert.equal(counter(r.stderr, 'packets.bad_time'), bad);
    assert.equal(counter(r.stderr, 'packets.seen'), sample.records.length);
    const rows = readFileSync(csv, 'utf8').trim().split('\n');
    assert.ok(rows.length >= 3, `CSV rows: ${rows.length}`);
    for (const row of rows) assert.match(row, /^2026-/);
    const events = readFileSync(alerts, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.ok(events.some((e) => e.event === 'start') && events.some((e) => e.event === 'end'));
    assert.match(r.stdout, /\[CLIENT\] total entropy/);
  });
}

test('time formatters never throw, whatever the number', () => {
  for (const t of [NaN, Infinity, -Infinity, 1e300, -1e300, 8.64e12 + 1, 4e18, -1]) {
    assert.equal(typeof goTime(t), 'string');
    assert.equal(typeof isoTime(t), 'string');
    assert.doesNotMatch(timestampMicros(t), /e|NaN|Infinity/);
  }
  assert.equal(isoTime(0), '1970-01-01T00:00:00.000Z');
  assert.match(goTime(4e18), /^invalid-time\(4000000000000000000s\)$/);
  assert.equal(timestampMicros(1.5), '1500000');
});

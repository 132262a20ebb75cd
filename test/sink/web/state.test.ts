import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SensorRecord } from '../../../src/sink/schema.js';
import { WebState } from '../../../src/sink/web/state.js';
import { frame, scan } from './records.js';

const limits = { maxFrames: 5, maxScans: 3, maxHistory: 4, maxOther: 2 };
const meta = { sensor: 's', source: 'x.pcap', live: false };

test('frames: the newest maxFrames kept, the rest counted; a delta carries only what is new', () => {
  const s = new WebState(limits, meta, { tables: [] });
  for (let i = 1; i <= 8; i++) s.write(frame(i, 0.1 * i, 0.2));
  assert.equal(s.frameCount, 5);
  assert.equal(s.framesDropped, 3);
  assert.deepEqual(s.snapshot().frames.map((f) => f[0]), [4, 5, 6, 7, 8]);
  const seq = s.lastSeq;
  s.write(frame(9));
  assert.deepEqual(s.delta(seq).frames.map((f) => f[0]), [9]);
  assert.deepEqual(s.delta(s.lastSeq).frames, []);
});

test('scans: one entry per id with its history (start kept, capped); ended scans leave first when full', () => {
  const s = new WebState(limits, meta, { tables: [] });
  s.write(scan('10.0.0.1-1', 'start', 1));
  for (let t = 2; t < 8; t++) s.write(scan('10.0.0.1-1', 'update', t, { probes: t * 10 }));
  const e = s.snapshot().scans[0];
  assert.equal(e.last.probes, 70);
  assert.deepEqual(e.history.map((h) => h.event), ['start', 'update', 'update', 'update']);
  assert.equal(e.historyDropped, 3);
  s.write(scan('10.0.0.2-1', 'start', 3));
  s.write(scan('10.0.0.2-1', 'end', 4));
  s.write(scan('10.0.0.3-1', 'start', 5));
  s.write(scan('10.0.0.4-1', 'start', 6));
  assert.equal(s.scanCount, 3);
  assert.equal(s.scansDropped, 1);
  assert.deepEqual(s.snapshot().scans.map((x) => x.last.id).sort(), ['10.0.0.1-1', '10.0.0.3-1', '10.0.0.4-1'], 'the ended scan left, not the older engaged one');
  const seq = s.lastSeq;
  s.write(scan('10.0.0.3-1', 'update', 7));
  assert.deepEqual(s.delta(seq).scans.map((x) => x.last.id), ['10.0.0.3-1']);
});

test('records of unknown kinds are kept as plain data; baseline/threshold fields become chart marks', () => {
  const s = new WebState(limits, meta, { tables: [] });
  const distributed = { kind: 'distributed', ts: 10, victim: '10.0.0.9', sources: 40, nested: { a: [1, 2] } } as unknown as SensorRecord;
  s.write(distributed);
  s.write({ kind: 'entropy', ts: 11, direction: 'server', baseline: 0.4, threshold: 0.9 } as unknown as SensorRecord);
  s.write({ kind: 'other', ts: 12 } as unknown as SensorRecord);
  const snap = s.snapshot();
  assert.equal(snap.other.length, 2);
  assert.equal(s.otherDropped, 1);
  assert.deepEqual(snap.other[0].fields, { ts: 11, direction: 'server', baseline: 0.4, threshold: 0.9 });
  assert.deepEqual(snap.marks, { 'entropy.server.baseline': [[11, 0.4]], 'entropy.server.threshold': [[11, 0.9]] });
  s.write({ ...frame(20), serverThreshold: 1.2 } as unknown as SensorRecord);
  assert.deepEqual(s.snapshot().marks.serverThreshold, [[20, 1.2]]);
  assert.doesNotThrow(() => JSON.stringify(s.snapshot()));
});

test('health: packets, rate over packet time, kernel drops, table fill, output queues', () => {
  const s = new WebState(limits, meta, { tables: [{ label: 'sources', counter: 'scan.sources', max: 100 }] });
  assert.equal(s.health(), null);
  const c = (seen: number) => ({ 'packets.seen': seen, 'capture.kernel_dropped': 7, 'scan.sources': 25, 'influx.points_queued': 3, 'influx.points_dropped': 2, 'scan.pending_dropped': 9 });
  s.write({ kind: 'stats', ts: 100, counters: c(1000) });
  s.write({ kind: 'stats', ts: 102, counters: c(5000) });
  s.write({ kind: 'stats', ts: 102, counters: c(5000) });
  const h = s.health()!;
  assert.equal(h.packets, 5000);
  assert.equal(h.rate, 2000);
  assert.equal(h.kernelDropped, 7);
  assert.deepEqual(h.tables, [{ label: 'sources', used: 25, max: 100 }]);
  assert.deepEqual(h.outputs, [{ name: 'influx', queued: 3, dropped: 2 }]);
});

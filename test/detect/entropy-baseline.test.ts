import assert from 'node:assert/strict';
import test from 'node:test';
import { EntropyBaseline } from '../../src/detect/entropy/baseline.js';
import type { EntropyEvent, FrameStat } from '../../src/sink/schema.js';

function frame(end: number, client: number, server: number): FrameStat {
  return { kind: 'frame', start: end - 60, end, client, server, clientSyns: 0, serverSyns: 0, clientBins: [], serverBins: [], clientBitmap: null, serverBitmap: null };
}

function make(o: Partial<{ alpha: number; warmup: number; k: number; minSigma: number }> = {}) {
  const events: EntropyEvent[] = [];
  const b = new EntropyBaseline({ alpha: 0.1, warmup: 10, k: 3, minSigma: 0.05, ...o, emit: (e) => events.push(e) });
  return { b, events };
}

test('a SERVER frame far above its learned baseline fires once, naming direction, value and baseline', () => {
  const { b, events } = make();
  // A normal link: SERVER entropy between 0.30 and 0.40, CLIENT steady near 0.2.
  for (let i = 0; i < 30; i++) b.onFrame(frame(60 * (i + 1), 0.2, 0.3 + 0.1 * ((i * 7) % 11) / 10));
  assert.equal(events.length, 0, JSON.stringify(events));
  b.onFrame(frame(60 * 31, 0.2, 2.0)); // spoofed SYN flood: every port bit set
  assert.equal(events.length, 1);
  const e = events[0];
  assert.equal(e.kind, 'entropy');
  assert.equal(e.direction, 'server');
  assert.equal(e.value, 2);
  assert.equal(e.ts, 60 * 31);
  assert.ok(e.baseline > 0.3 && e.baseline < 0.4, `baseline ${e.baseline}`);
  assert.ok(Math.abs(e.threshold - (e.baseline + 3 * e.sigma)) < 1e-12);
  assert.ok(e.frames >= 30);
});

test('no event during the warm-up, whatever the value', () => {
  const { b, events } = make({ warmup: 5 });
  for (let i = 0; i < 5; i++) b.onFrame(frame(60 * (i + 1), i === 3 ? 2 : 0, 0));
  assert.equal(events.length, 0, JSON.stringify(events));
});

test('an alarming frame is not learned: a long attack keeps firing, the baseline stays', () => {
  const { b, events } = make({ warmup: 5 });
  for (let i = 0; i < 10; i++) b.onFrame(frame(60 * (i + 1), 0.5, 0));
  const before = b.state(0);
  for (let i = 10; i < 20; i++) b.onFrame(frame(60 * (i + 1), 1.9, 0));
  assert.equal(events.length, 10);
  assert.deepEqual(b.state(0).mean, before.mean);
});

test('the sigma floor keeps a link that is always 0 from firing on a tiny rise', () => {
  const { b, events } = make({ warmup: 5, minSigma: 0.05 });
  for (let i = 0; i < 10; i++) b.onFrame(frame(60 * (i + 1), 0, 0));
  b.onFrame(frame(660, 0.1, 0)); // below 0 + 3 * 0.05
  assert.equal(events.length, 0, JSON.stringify(events));
  b.onFrame(frame(720, 0.2, 0));
  assert.equal(events.length, 1);
  assert.equal(events[0].sigma, 0.05);
});

test('the EWMA tracks a slow drift without firing (k sigma, alpha)', () => {
  const { b, events } = make({ warmup: 10, alpha: 0.1, k: 3, minSigma: 0.02 });
  for (let i = 0; i < 200; i++) b.onFrame(frame(60 * (i + 1), 0.2 + i * 0.004, 0));
  assert.equal(events.length, 0, JSON.stringify(events));
  assert.ok(b.state(0).mean > 0.9, `mean ${b.state(0).mean}`);
});

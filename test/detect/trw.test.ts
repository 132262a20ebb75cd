import assert from 'node:assert/strict';
import test from 'node:test';
import { Kind } from '../../src/detect/scan/kinds.js';
import { Det } from '../../src/detect/scan/det.js';
import { SourceState } from '../../src/detect/scan/source-state.js';
import { TrwPart } from '../../src/detect/trw/detector.js';
import { Harness, range, synScan } from './helpers/views.js';

const DEFAULTS = { theta0: 0.8, theta1: 0.2, alpha: 0.01, beta: 0.99, minConcentration: 5 };

function source(): SourceState {
  const s = new SourceState({ exactDistinct: 64, concentrationCap: 64 });
  s.reset(1, 1, 0);
  return s;
}

/** Feed outcomes the way the tracker does: a failure also enters the failure concentration. */
function outcome(trw: TrwPart, s: SourceState, success: boolean, host: number, port: number): void {
  if (!success) s.fail.add(host, port);
  trw.onOutcome(s, Kind.SYN, host, port, success);
}

test('TRW: the paper\'s numbers: x4 per failure, x0.25 per success, eta1 = 99, eta0 = 0.0101', () => {
  const trw = new TrwPart(DEFAULTS);
  assert.ok(Math.abs(trw.up - 4) < 1e-9);
  assert.ok(Math.abs(trw.down - 0.25) < 1e-9);
  assert.ok(Math.abs(trw.eta1 - 99) < 1e-9);
  assert.ok(Math.abs(trw.eta0 - 0.01 / 0.99) < 1e-12);
});

test('TRW: three failures do not decide, the fourth does (ports concentrated on one host)', () => {
  const trw = new TrwPart({ ...DEFAULTS, minConcentration: 4 });
  const s = source();
  for (let p = 1; p <= 3; p++) outcome(trw, s, false, 7, p);
  assert.ok(Math.abs(s.trwRatio - 64) < 1e-9);
  assert.equal(s.fired, 0);
  outcome(trw, s, false, 7, 4);
  assert.equal(s.fired, 1 << Det.TRW);
  assert.ok(Math.abs(s.score[Det.TRW] - 256) < 1e-9);
  assert.equal(s.threshold[Det.TRW], trw.eta1);
});

test('TRW: successes never decide, and the walk restarts at the benign bound', () => {
  const trw = new TrwPart(DEFAULTS);
  const s = source();
  for (let i = 0; i < 50; i++) outcome(trw, s, true, 7, i);
  assert.equal(s.fired, 0);
  assert.ok(trw.benign >= 1);
  assert.ok(s.trwRatio <= 1 && s.trwRatio > trw.eta0);
});

test('TRW: a success between failures costs one failure (S F F F F is 64, one more F decides)', () => {
  const trw = new TrwPart({ ...DEFAULTS, minConcentration: 1 });
  const s = source();
  outcome(trw, s, true, 7, 1);
  for (let p = 2; p <= 5; p++) outcome(trw, s, false, 7, p);
  assert.ok(Math.abs(s.trwRatio - 64) < 1e-9);
  assert.equal(s.fired, 0);
  outcome(trw, s, false, 7, 6);
  assert.notEqual(s.fired, 0);
});

test('TRW: failures spread over random host:port pairs (a P2P client) never decide', () => {
  const trw = new TrwPart(DEFAULTS);
  const s = source();
  for (let i = 0; i < 40; i++) outcome(trw, s, false, 1000 + i, 20000 + 37 * i);
  assert.ok(s.trwRatio >= trw.eta1);
  assert.equal(s.fired, 0, 'ratio high, but no shape: not a scan');
  // The same failures on one host: a vertical scan.
  const v = source();
  for (let i = 0; i < 5; i++) outcome(trw, v, false, 1000, 20000 + i);
  assert.notEqual(v.fired, 0);
});

test('TRW in the engine: an OS-stack SYN scan is named at the 4th RST with --min-concentration 4', () => {
  const h = new Harness({ 'min-concentration': 4, slow: false, 'alert-hold': 0 });
  const views = synScan({ scanner: '10.0.0.66', victim: '10.0.0.1', ports: range(1, 10), t0: 1000, gap: 0.5, options: 'os' });
  h.feed(...views).flush();
  const [start] = h.of('10.0.0.66', 'start');
  assert.ok(start, 'named');
  assert.equal(start.probesToDetect, 4);
  assert.deepEqual(start.detectors.map((d) => d.name), ['trw']);
  assert.ok(Math.abs(start.detectors[0].score - 256) < 1e-9);
  assert.equal(h.of('10.0.0.1').length, 0, 'the victim is never named');
});

test('TRW in the engine: --no-trw leaves it out', () => {
  const h = new Harness({ trw: false, slow: false, 'min-concentration': 4 });
  h.feed(...synScan({ scanner: '10.0.0.66', victim: '10.0.0.1', ports: range(1, 10), t0: 1000, gap: 0.5, options: 'os' })).flush();
  assert.equal(h.events.length, 0);
});

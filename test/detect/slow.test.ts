import assert from 'node:assert/strict';
import test from 'node:test';
import { Harness, range, synScan, SYN, tcp } from './helpers/views.js';

// The slow detector alone: TRW off, and OS-stack SYNs so no tool fingerprint decides.
const ALONE = { trw: false, stealth: false, udp: false };

test('slow: 15 failed ports on one victim, one every minute (nmap --scan-delay 60s), within a 15 min window', () => {
  const h = new Harness(ALONE);
  h.feed(...synScan({ scanner: '10.1.1.1', victim: '10.1.1.2', ports: range(8000, 20), t0: 1000, gap: 60, options: 'os' })).flush();
  const [start] = h.of('10.1.1.1', 'start');
  assert.ok(start, 'named');
  assert.equal(start.probesToDetect, 15);
  assert.deepEqual(start.detectors, [{ name: 'slow', score: 15, threshold: 15 }]);
  assert.equal(start.pattern, 'vertical');
});

test('slow: the same scan at one port every 70 s never has 15 in a 10 min window', () => {
  const h = new Harness({ ...ALONE, 'slow-window': '10m', 'scan-idle': '5m' });
  h.feed(...synScan({ scanner: '10.1.1.1', victim: '10.1.1.2', ports: range(8000, 40), t0: 1000, gap: 70, options: 'os' })).flush();
  assert.equal(h.events.length, 0);
});

test('slow: 25 victims on one port, one every 30 s, unanswered (timeouts), is a horizontal scan', () => {
  const h = new Harness(ALONE);
  for (let i = 0; i < 30; i++) {
    h.feed(tcp({ ts: 1000 + 30 * i, src: '10.1.1.1', dst: `10.2.0.${i + 1}`, dport: 22, flags: SYN, options: 'os', window: 64240 }));
  }
  h.flush();
  const [start] = h.of('10.1.1.1', 'start');
  assert.ok(start);
  assert.equal(start.pattern, 'horizontal');
  assert.deepEqual(start.detectors, [{ name: 'slow', score: 25, threshold: 25 }]);
  // The 25th failure is the timeout of the 25th probe, 5 s after it; by then 25 probes were seen.
  assert.equal(start.probesToDetect, 25);
});

test('slow: failures to ports that answer later do not add up (successes are not failures)', () => {
  const h = new Harness(ALONE);
  h.feed(...synScan({ scanner: '10.1.1.1', victim: '10.1.1.2', ports: range(1, 40), open: range(1, 40), t0: 1000, gap: 10, options: 'os' })).flush();
  assert.equal(h.events.length, 0);
});

test('slow: the window outlives the tracker forgetting an idle source (--source-idle shorter than --slow-window)', () => {
  const h = new Harness({ ...ALONE, 'source-idle': '5m', 'slow-window': '2h', 'scan-idle': '10m' });
  // One port every 6 minutes: the tracker forgets the source between probes.
  h.feed(...synScan({ scanner: '10.1.1.1', victim: '10.1.1.2', ports: range(8000, 16), t0: 1000, gap: 360, options: 'os' })).flush();
  assert.ok(h.counter('scan.sources_expired') >= 10);
  const [start] = h.of('10.1.1.1', 'start');
  assert.ok(start, 'named by the 15th failure within two hours');
  assert.deepEqual(start.detectors.map((d) => d.name), ['slow']);
  assert.equal(start.probesToDetect, 1, 'honest: the tracker only remembers the latest probe');
});

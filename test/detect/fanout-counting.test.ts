/**
 * Issue 8 items 7 and 11: unanswered fan-out named without waiting for
 * timeouts; end-of-input resolution; counting from the scan episode;
 * scan.pending as what waits now; targets as hosts probed, not used.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { ACK, FIN, Harness, PSH, range, SYN, synScan, tcp, udp } from './helpers/views.js';

const SCANNER = '10.0.0.66';
const VICTIM = '10.0.0.1';
/** Raw SYNs without any tool's marks: only the detectors under test can name them. */
const RAW = { options: 'none', window: 64240 } as const;

test('fan-out: 1,000 SYNs nobody answers are named within 50 probes, before any timeout', () => {
  const h = new Harness({ 'probe-timeout': '60s' });
  h.feed(...synScan({ ...RAW, scanner: SCANNER, victim: VICTIM, ports: range(1, 1000), t0: 1000, gap: 0.001, silent: range(1, 1000) }));
  const start = h.of(SCANNER, 'start')[0];
  assert.ok(start, 'named while the probes are still waiting');
  assert.ok(start.probesToDetect <= 50, `${start.probesToDetect} probes`);
  assert.ok(start.ts < 1001, 'before --probe-timeout');
  assert.ok(start.detectors.some((d) => d.name === 'fanout'));
  assert.deepEqual(start.technique, ['syn']);
  assert.equal(start.pattern, 'vertical');
});

test('fan-out: a horizontal SYN sweep nobody answers is named at the 50th host', () => {
  const h = new Harness({ 'probe-timeout': '60s' });
  for (let i = 0; i < 200; i++) h.feed(tcp({ ts: 1000 + i * 0.01, src: SCANNER, dst: `10.2.${i >> 8}.${i & 255}`, dport: 445, flags: SYN, ...RAW }));
  const start = h.of(SCANNER, 'start')[0];
  assert.equal(start?.probesToDetect, 50);
  assert.equal(start.pattern, 'horizontal');
});

test('fan-out: --fanout-probes 0 turns it off (named only once the timeouts come)', () => {
  const h = new Harness({ 'probe-timeout': '60s', 'fanout-probes': 0 });
  h.feed(...synScan({ ...RAW, scanner: SCANNER, victim: VICTIM, ports: range(1, 200), t0: 1000, gap: 0.001, silent: range(1, 200) }));
  assert.equal(h.of(SCANNER, 'start').length, 0);
});

test('fan-out: a client retrying one dead service, and one with a few answers among many, are not named', () => {
  const h = new Harness({ 'probe-timeout': '600s' });
  for (let i = 0; i < 300; i++) h.feed(tcp({ ts: 1000 + i, src: '10.0.0.20', dst: VICTIM, sport: 40000 + (i % 7), dport: 5432, flags: SYN, options: 'os' }));
  h.flush();
  assert.equal(h.of('10.0.0.20').length, 0, 'retries add no first contact');
});

test('end of input: waiting probes are resolved as unanswered, the same on every replay', () => {
  const run = () => {
    const h = new Harness({ 'fanout-probes': 0 });
    // 20 SYNs nobody answers in the capture's last second: too few for fan-out.
    h.feed(...synScan({ ...RAW, scanner: SCANNER, victim: VICTIM, ports: range(1, 20), t0: 1000, gap: 0.01, silent: range(1, 20) }));
    assert.equal(h.counter('scan.pending'), 20);
    h.flush();
    assert.equal(h.counter('scan.pending'), 0);
    assert.equal(h.counter('scan.pending_at_end'), 20);
    return h.events;
  };
  const a = run();
  assert.equal(a.filter((e) => e.event === 'start').length, 1, 'named on the failures resolved at the end');
  assert.deepEqual(run(), a);
});

test('scan.pending counts what waits now, not the probes sent', () => {
  const h = new Harness();
  h.feed(...synScan({ ...RAW, scanner: SCANNER, victim: VICTIM, ports: range(1, 30), t0: 1000, gap: 0.01, open: [22], silent: [7, 8, 9] }));
  assert.equal(h.counter('scan.pending'), 3, 'answered probes (RST, SYN-ACK) no longer wait');
  h.feed(tcp({ ts: 1010, src: '10.9.9.9', dst: '10.9.9.8', dport: 443, flags: ACK, payload: 10 }));
  assert.equal(h.counter('scan.pending'), 0, 'timed out');
});

test('episode: background contacts before a quiet gap do not count in probes_to_detect or first_seen', () => {
  const h = new Harness();
  // Background: a few connections, one refused (as hw13's Windows host), 97 s before nmap.
  h.feed(...synScan({ ...RAW, scanner: SCANNER, victim: VICTIM, ports: [80, 445, 62078], t0: 900, gap: 1, open: [80, 445] }));
  h.feed(...synScan({ ...RAW, scanner: SCANNER, victim: VICTIM, ports: range(1000, 100), t0: 1000, gap: 0.01 }));
  h.flush();
  const start = h.of(SCANNER, 'start')[0];
  assert.equal(start.firstSeen, 1000);
  assert.equal(start.probesToDetect, 5);
  assert.equal(start.id, `${SCANNER}-1000000`);
});

test('episode: a slow scan named by the slow detector alone counts from its first probe', () => {
  const h = new Harness({ trw: false, 'fanout-probes': 0 });
  // One probe every 61 s: each gap is longer than --scan-idle (60 s).
  h.feed(...synScan({ ...RAW, scanner: SCANNER, victim: VICTIM, ports: range(1, 20), t0: 1000, gap: 61 }));
  const start = h.of(SCANNER, 'start')[0];
  assert.ok(start, 'named by slow');
  assert.deepEqual(start.detectors.map((d) => d.name), ['slow']);
  assert.equal(start.firstSeen, 1000);
  assert.equal(start.probesToDetect, 15);
});

test('targets: a scanner that also browses one web server does not count it as a target', () => {
  const h = new Harness();
  const web = '10.0.0.80';
  h.feed(tcp({ ts: 999, src: SCANNER, dst: web, sport: 50000, dport: 443, flags: SYN, options: 'os' }));
  h.feed(tcp({ ts: 999.01, src: web, dst: SCANNER, sport: 443, dport: 50000, flags: SYN | ACK, options: 'os' }));
  h.feed(tcp({ ts: 999.02, src: SCANNER, dst: web, sport: 50000, dport: 443, flags: ACK }));
  h.feed(tcp({ ts: 999.03, src: SCANNER, dst: web, sport: 50000, dport: 443, flags: PSH | ACK, payload: 300 }));
  h.feed(tcp({ ts: 999.04, src: web, dst: SCANNER, sport: 443, dport: 50000, flags: PSH | ACK, payload: 1300 }));
  h.feed(tcp({ ts: 999.05, src: SCANNER, dst: web, sport: 50000, dport: 443, flags: FIN | ACK }));
  h.feed(...synScan({ ...RAW, scanner: SCANNER, victim: VICTIM, ports: range(1, 100), t0: 1000, gap: 0.01 }));
  h.flush();
  const end = h.of(SCANNER, 'end')[0];
  assert.equal(end.targets, 1, 'the victim only');
  // Probing a second port of the web server makes it a target after all.
  const h2 = new Harness();
  h2.feed(tcp({ ts: 999, src: SCANNER, dst: web, sport: 50000, dport: 443, flags: SYN, options: 'os' }));
  h2.feed(tcp({ ts: 999.01, src: web, dst: SCANNER, sport: 443, dport: 50000, flags: SYN | ACK, options: 'os' }));
  h2.feed(tcp({ ts: 999.03, src: SCANNER, dst: web, sport: 50000, dport: 443, flags: PSH | ACK, payload: 300 }));
  h2.feed(...synScan({ ...RAW, scanner: SCANNER, victim: web, ports: range(1, 100), t0: 1000, gap: 0.01 }));
  h2.flush();
  assert.equal(h2.of(SCANNER, 'end')[0].targets, 1);
  void udp;
});

import assert from 'node:assert/strict';
import test from 'node:test';
import { ACK, FIN, Harness, range, RST, SYN, synScan, tcp, udp } from './helpers/views.js';

const SCANNER = '10.0.0.66';
const VICTIM = '10.0.0.1';

test('lifecycle: one nmap run gives one start, a few updates, one end; ids stable', () => {
  // 300 ports, 1 per second: 5 minutes of scanning.
  const h = new Harness();
  h.feed(...synScan({ scanner: SCANNER, victim: VICTIM, ports: range(1, 300), t0: 1000, gap: 1 }));
  h.feed(tcp({ ts: 1500, src: '10.9.9.9', dst: '10.9.9.8', dport: 443, flags: ACK, payload: 100 })); // time passes
  const ev = h.of(SCANNER);
  assert.deepEqual(ev.map((e) => e.event), ['start', ...Array(ev.length - 2).fill('update'), 'end']);
  assert.ok(ev.length >= 5 && ev.length <= 12, `${ev.length} events`);
  assert.equal(new Set(ev.map((e) => e.id)).size, 1);
  assert.equal(ev[0].id, `${SCANNER}-1000000`);
  for (let i = 2; i < ev.length - 1; i++) assert.ok(ev[i].ts - ev[i - 1].ts >= 30, '--alert-update 30s between updates');
  const end = ev[ev.length - 1];
  assert.equal(end.ts, 1299 + 60, 'ends --scan-idle after the last probe, in packet time');
  assert.equal(end.probes, 300);
  assert.equal(end.ports, 300);
  assert.equal(end.targets, 1);
  assert.equal(end.failures, 300);
  assert.deepEqual(end.technique, ['syn']);
  assert.equal(end.tool, 'nmap');
  assert.equal(end.samplePorts.length, 20);
  assert.deepEqual(end.sampleTargets, [VICTIM]);
  assert.ok(end.lastSeen === 1299 && end.firstSeen === 1000);
});

test('lifecycle: a new scan after the end is a new scan, judged afresh', () => {
  const h = new Harness();
  h.feed(...synScan({ scanner: SCANNER, victim: VICTIM, ports: range(1, 20), t0: 1000, gap: 0.1 }));
  h.feed(...synScan({ scanner: SCANNER, victim: VICTIM, ports: range(1, 20), t0: 2000, gap: 0.1 })).flush();
  const starts = h.of(SCANNER, 'start');
  assert.equal(starts.length, 2, 'the same ports again, an hour... well, 1000 s later');
  assert.notEqual(starts[0].id, starts[1].id);
  assert.equal(starts[1].probesToDetect, 5);
  assert.equal(h.of(SCANNER, 'end').length, 2);
});

test('lifecycle: a new technique is shown at once, by an update', () => {
  const h = new Harness({ 'alert-update': '10m' });
  h.feed(...synScan({ scanner: SCANNER, victim: VICTIM, ports: range(1, 50), t0: 1000, gap: 0.01 }));
  const fins = range(1, 50).map((p, i) => tcp({ ts: 1030 + i * 0.01, src: SCANNER, dst: VICTIM, sport: 33333, dport: p, flags: FIN }));
  h.feed(...fins).flush();
  const ev = h.of(SCANNER);
  assert.deepEqual(ev.map((e) => e.event), ['start', 'update', 'end']);
  assert.deepEqual(ev[0].technique, ['syn']);
  assert.deepEqual(ev[1].technique, ['syn', 'fin']);
  assert.ok(ev[1].ts < 1031, 'at the 5th FIN, not after --alert-update');
});

test('victims are never scanners: RSTs, SYN-ACKs and ICMP from a scanned host are answers', () => {
  const h = new Harness();
  h.feed(...synScan({ scanner: SCANNER, victim: VICTIM, ports: range(1, 200), open: [22, 80, 443], t0: 1000, gap: 0.01 })).flush();
  assert.equal(h.of(VICTIM).length, 0);
  assert.equal(h.counter('scan.sources'), 1);
});

test('multicast, broadcast and unspecified addresses are never sources or targets', () => {
  const h = new Harness();
  for (let i = 0; i < 50; i++) {
    h.feed(udp({ ts: 1000 + i, src: '10.0.0.5', dst: '239.255.255.250', dport: 1900 + i }));
    h.feed(udp({ ts: 1000 + i, src: '0.0.0.0', dst: '255.255.255.255', sport: 68, dport: 67 + i }));
    h.feed(tcp({ ts: 1000 + i, src: '10.0.0.5', dst: '224.0.0.1', dport: i + 1, flags: SYN }));
    h.feed(udp({ ts: 1000 + i, src: 'fe80::1', dst: 'ff02::fb', dport: 5000 + i }));
  }
  h.flush();
  assert.equal(h.events.length, 0);
  assert.equal(h.counter('scan.sources'), 0);
  assert.equal(h.counter('scan.special_addresses'), 200);
});

test('--ignore: an allowed scanner is never judged, and its answers are skipped too', () => {
  const h = new Harness({ ignore: '10.0.0.0/25,2001:db8::/32' });
  h.feed(...synScan({ scanner: SCANNER, victim: '10.0.0.200', ports: range(1, 100), t0: 1000, gap: 0.01 })).flush();
  assert.equal(h.events.length, 0);
  assert.equal(h.counter('scan.ignored_sources'), 100);
  assert.equal(h.counter('scan.ignored_destinations'), 100);
});

test('connect scan: OS-stack SYNs with handshakes completed and torn down without data', () => {
  const h = new Harness();
  const views = synScan({ scanner: SCANNER, victim: VICTIM, ports: range(1, 100), t0: 1000, gap: 0.01, options: 'os', window: 64240 });
  for (const [i, port] of [121, 122, 180].entries()) {
    const t = 1001 + i;
    views.push(tcp({ ts: t, src: SCANNER, dst: VICTIM, sport: 40000 + i, dport: port, flags: SYN, options: 'os', window: 64240 }));
    views.push(tcp({ ts: t + 0.001, src: VICTIM, dst: SCANNER, sport: port, dport: 40000 + i, flags: SYN | ACK, options: 'os' }));
    views.push(tcp({ ts: t + 0.002, src: SCANNER, dst: VICTIM, sport: 40000 + i, dport: port, flags: ACK, window: 502 }));
    views.push(tcp({ ts: t + 0.003, src: SCANNER, dst: VICTIM, sport: 40000 + i, dport: port, flags: RST | ACK, window: 0 }));
  }
  h.feed(...views.sort((a, b) => a.ts - b.ts)).flush();
  const end = h.of(SCANNER, 'end')[0];
  assert.deepEqual(end.technique, ['connect']);
  assert.equal(end.tool, 'unknown');
  assert.equal(h.counter('scan.teardowns'), 3);
});

test('connect scan: the start waits (--alert-hold) for the first teardown, so it already says connect', () => {
  const h = new Harness();
  const views = synScan({ scanner: SCANNER, victim: VICTIM, ports: range(1, 8), t0: 1000, gap: 0.01, options: 'os', window: 64240 });
  // Port 22 answers at 1000.2: handshake, then nmap -sT's RST.
  views.push(tcp({ ts: 1000.2, src: SCANNER, dst: VICTIM, sport: 41000, dport: 22, flags: SYN, options: 'os', window: 64240 }));
  views.push(tcp({ ts: 1000.201, src: VICTIM, dst: SCANNER, sport: 22, dport: 41000, flags: SYN | ACK, options: 'os' }));
  views.push(tcp({ ts: 1000.202, src: SCANNER, dst: VICTIM, sport: 41000, dport: 22, flags: ACK, window: 502 }));
  views.push(tcp({ ts: 1000.203, src: SCANNER, dst: VICTIM, sport: 41000, dport: 22, flags: RST | ACK, window: 0 }));
  h.feed(...views.sort((a, b) => a.ts - b.ts)).flush();
  const ev = h.of(SCANNER);
  assert.deepEqual(ev.map((e) => e.event), ['start', 'end']);
  assert.deepEqual(ev[0].technique, ['connect']);
  assert.equal(ev[0].ts, 1000.203, 'released by the teardown');
  assert.equal(ev[0].probesToDetect, 5, 'counted at the decision, not at the release');
});

test('OS-stack SYN scan without any open port: the start goes out as syn when the hold ends', () => {
  const h = new Harness({ 'alert-hold': '2s' });
  h.feed(...synScan({ scanner: SCANNER, victim: VICTIM, ports: range(1, 8), t0: 1000, gap: 0.01, options: 'os', window: 64240 }));
  assert.equal(h.events.length, 0, 'held');
  h.engine.tick(1003);
  const [start] = h.of(SCANNER, 'start');
  assert.deepEqual(start.technique, ['syn']);
  assert.ok(Math.abs(start.ts - 1002.041) < 1e-9, `stamped at the end of the hold: ${start.ts}`);
  assert.equal(start.probesToDetect, 5);
});

test('syn scan: raw SYNs whose SYN-ACKs the scanner\'s kernel resets are syn, not connect', () => {
  const h = new Harness();
  h.feed(...synScan({ scanner: SCANNER, victim: VICTIM, ports: range(1, 100), open: [21, 22, 80], t0: 1000, gap: 0.01 })).flush();
  assert.deepEqual(h.of(SCANNER, 'end')[0].technique, ['syn']);
  assert.equal(h.counter('scan.teardowns'), 0);
});

test('zmap: IP ID 54321 to 5 hosts on one port, no answers, is named at the 5th probe', () => {
  const h = new Harness();
  for (let i = 0; i < 100; i++) {
    h.feed(tcp({ ts: 1000 + i * 0.0001, src: '192.168.37.132', dst: `100.64.${i >> 8}.${i & 255}`, sport: 33000 + i, dport: 80, flags: SYN, ipId: 54321, window: 65535, options: 'none' }));
  }
  h.flush();
  const [start] = h.of('192.168.37.132', 'start');
  assert.equal(start.tool, 'zmap');
  assert.equal(start.pattern, 'horizontal');
  assert.equal(start.probesToDetect, 5);
  assert.match(start.toolEvidence, /IP ID 54321.* on 5\/5 TCP probes/);
});

test('masscan: IP ID = (dst ^ dport ^ seq) & 0xffff, no answers, is named at the 5th probe', () => {
  const h = new Harness();
  const dst = (198 << 24) | (124 << 16) | (152 << 8) | 15;
  for (let p = 0; p < 50; p++) {
    const seq = (Math.random() * 0xffffffff) >>> 0;
    h.feed(tcp({ ts: 1000 + p * 0.01, src: '172.31.15.102', dst: '198.124.152.15', sport: 51406, dport: p, flags: SYN, seq, ipId: ((dst ^ p ^ seq) & 0xffff) >>> 0, options: 'none' }));
  }
  h.flush();
  const [start] = h.of('172.31.15.102', 'start');
  assert.equal(start.tool, 'masscan');
  assert.equal(start.pattern, 'vertical');
  assert.equal(start.probesToDetect, 5);
});

test('IPv6: a vertical SYN scan from an IPv6 source is named with its text address', () => {
  const h = new Harness();
  h.feed(...synScan({ scanner: '2001:db8::66', victim: '2001:db8::1', ports: range(1, 30), t0: 1000, gap: 0.01 })).flush();
  const [start] = h.of('2001:db8::66', 'start');
  assert.ok(start);
  assert.deepEqual(start.sampleTargets, ['2001:db8::1']);
  assert.equal(h.of('2001:db8::1').length, 0);
});

test('nmap --scan-delay 1s with OS-stack SYNs (no fingerprint) is named within 5 probes', () => {
  const h = new Harness({ 'alert-hold': 0 });
  h.feed(...synScan({ scanner: SCANNER, victim: VICTIM, ports: range(1000, 40), t0: 1000, gap: 1, options: 'os', window: 64240 })).flush();
  const [start] = h.of(SCANNER, 'start');
  assert.equal(start.probesToDetect, 5);
  assert.equal(start.ts, 1004.001);
});

test('filtered ports: no answer within --probe-timeout (packet time) is a failure', () => {
  const h = new Harness({ 'probe-timeout': '3s', 'alert-hold': 0 });
  h.feed(...synScan({ scanner: SCANNER, victim: VICTIM, ports: range(1, 8), silent: range(1, 8), t0: 1000, gap: 0.1, options: 'os', window: 64240 }));
  assert.equal(h.events.length, 0);
  h.engine.tick(1002.9);
  assert.equal(h.events.length, 0, 'not yet');
  h.engine.tick(1003.5);
  assert.equal(h.of(SCANNER, 'start').length, 1, 'the quiet-wire tick resolves timeouts too');
  assert.equal(h.counter('scan.failures_timeout'), 6);
});

test('web browsing: many hosts on 443, every handshake completed, is not a scan', () => {
  const h = new Harness();
  for (let i = 0; i < 60; i++) {
    const server = `151.101.${i}.1`;
    const t = 1000 + i * 0.3;
    h.feed(tcp({ ts: t, src: '192.168.42.128', dst: server, sport: 50000 + i, dport: i % 10 === 0 ? 80 : 443, flags: SYN, options: 'os', window: 64240 }));
    h.feed(tcp({ ts: t + 0.02, src: server, dst: '192.168.42.128', sport: i % 10 === 0 ? 80 : 443, dport: 50000 + i, flags: SYN | ACK, options: 'os' }));
    h.feed(tcp({ ts: t + 0.021, src: '192.168.42.128', dst: server, sport: 50000 + i, dport: i % 10 === 0 ? 80 : 443, flags: ACK, window: 502 }));
    h.feed(tcp({ ts: t + 0.022, src: '192.168.42.128', dst: server, sport: 50000 + i, dport: i % 10 === 0 ? 80 : 443, flags: ACK | 0x08, payload: 517, window: 502 }));
  }
  h.flush();
  assert.equal(h.events.length, 0);
});

test('a spoofed-source flood (1,000,000 random sources) keeps every table at its cap', () => {
  const h = new Harness({ 'max-sources': 5000, 'max-contacts': 20000, 'max-pending': 10000, 'slow-max-sources': 1000, 'udp-max-sources': 1000 });
  const v = tcp({ ts: 1000, src: '1.2.3.4', dst: VICTIM, dport: 80, flags: SYN, options: 'os', window: 64240 });
  const u = udp({ ts: 1000, src: '1.2.3.4', dst: VICTIM, dport: 53 });
  let x = 0x12345678;
  for (let i = 0; i < 1_000_000; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0; // LCG: a new source each packet
    const p = i % 4 === 0 ? u : v;
    p.ts = 1000 + i * 1e-5;
    p.src4 = x;
    p.dport = 1 + (i % 1000);
    h.engine.onPacket(p);
  }
  h.flush(1010);
  const c = h.stats.snapshot();
  assert.ok(c['scan.sources'] <= 5000 && c['scan.sources_max'] <= 5000, `${c['scan.sources_max']}`);
  assert.ok(c['scan.contacts'] <= 20000);
  // What waits now lives in the contact table or in admission records (65,536 slots):
  // bounded by them, not by --max-pending (a dropped timeout leaves its contact waiting).
  assert.ok(c['scan.pending'] <= 20000 + 65536, `${c['scan.pending']}`);
  assert.ok(c['scan.pending_dropped'] > 0);
  // One packet per source: an admission record each, no source state (issue 9).
  assert.ok(c['scan.admission_records'] >= 900_000, `${c['scan.admission_records']}`);
  assert.ok(c['scan.sources_max'] <= 10, `${c['scan.sources_max']} source states`);
  // Their one contact each stays in the admission records (overwritten in turn), never in the contact table.
  assert.ok(c['scan.admission_overwritten'] > 0);
  assert.ok(c['slow.sources'] <= 1000 && c['udp.sources'] <= 1000);
  assert.equal(h.events.length, 0, 'one packet per source is never a scan');
});

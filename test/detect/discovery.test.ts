/**
 * The discovery detector (issue 8 items 2-4) on synthetic views: ping
 * sweeps, SCTP INIT/COOKIE ECHO scans, IP protocol scans, and the benign
 * look-alikes that must stay silent (a monitoring poller, SCTP clients,
 * tunnel endpoints).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Harness, ACK, icmp, ipOnly, SYN, sctp, tcp, unreachable, range } from './helpers/views.js';

const SCANNER = '10.0.0.1';
const host = (i: number) => `10.0.1.${i}`;

/** Echo requests from `src` to hosts 1..n, `gap` apart; hosts in `answer` reply after 1 ms. */
function sweep(h: Harness, src: string, n: number, t0: number, gap: number, answer: (i: number) => boolean, type = 8): void {
  for (let i = 1; i <= n; i++) {
    const t = t0 + i * gap;
    h.feed(icmp({ ts: t, src, dst: host(i), type }));
    if (answer(i)) h.feed(icmp({ ts: t + 0.001, src: host(i), dst: src, type: type === 8 ? 0 : type + 1 }));
  }
}

test('ping sweep: named after ping-min distinct hosts, answered or not, horizontal, technique ping', () => {
  for (const answer of [() => true, () => false, (i: number) => i % 3 === 0]) {
    const h = new Harness();
    sweep(h, SCANNER, 40, 1000, 0.01, answer);
    h.flush(1100);
    const start = h.of(SCANNER, 'start');
    assert.equal(start.length, 1, JSON.stringify(h.events));
    assert.deepEqual(start[0].technique, ['ping']);
    assert.equal(start[0].pattern, 'horizontal');
    assert.equal(start[0].probesToDetect, 8, 'ping-min default 8: named at the 8th distinct host');
    assert.equal(start[0].tool, 'unknown');
    assert.ok(start[0].detectors.some((d) => d.name === 'discovery'));
    const end = h.of(SCANNER, 'end')[0];
    assert.equal(end.targets, 40);
    assert.equal(end.ports, 0, 'pings probe no port');
    assert.equal(h.counter('discovery.ping_scanners'), 1);
  }
});

test('ping-min is a param; timestamp and address-mask requests are pings too', () => {
  const h = new Harness({ 'ping-min': 4 });
  sweep(h, SCANNER, 6, 1000, 0.01, () => false, 13);
  sweep(h, '10.0.0.9', 6, 1000, 0.01, () => true, 17);
  h.flush(1100);
  assert.equal(h.of(SCANNER, 'start')[0]?.probesToDetect, 4);
  assert.deepEqual(h.of('10.0.0.9', 'start')[0]?.technique, ['ping']);
});

test('ICMPv6 echo sweep is named', () => {
  const h = new Harness();
  for (let i = 1; i <= 12; i++) h.feed(icmp({ ts: 1000 + i * 0.01, src: 'fd00::1', dst: `fd00::1:${i}`, type: 128 }));
  h.flush(1010);
  const start = h.of('fd00::1', 'start');
  assert.equal(start.length, 1);
  assert.deepEqual(start[0].technique, ['ping']);
  assert.equal(start[0].probesToDetect, 8);
});

test('a monitoring poller pinging the same few hosts every few seconds is never a sweep', () => {
  const h = new Harness();
  const poller = '10.0.0.50';
  // 6 hosts (one of them down) every 3 s for 10 minutes: 1,200 requests.
  for (let round = 0; round < 200; round++) {
    for (let i = 1; i <= 6; i++) {
      const t = 1000 + round * 3 + i * 0.002;
      h.feed(icmp({ ts: t, src: poller, dst: host(i), type: 8 }));
      if (i !== 6) h.feed(icmp({ ts: t + 0.001, src: host(i), dst: poller, type: 0 }));
    }
  }
  h.flush(1700);
  assert.deepEqual(h.of(poller), [], JSON.stringify(h.events));
  assert.ok(h.counter('discovery.ping_repeats') > 900, `repeats ${h.counter('discovery.ping_repeats')}`);
});

test('a poller seen after its first named round never comes back as news', () => {
  // A poller of 10 hosts, first seen fresh: its first round is a sweep
  // (no way to tell it from nmap -sn), then its rounds are repeats.
  const h = new Harness({ 'scan-idle': 10 });
  const poller = '10.0.0.51';
  for (let round = 0; round < 60; round++) sweep(h, poller, 10, 1000 + round * 3, 0.002, () => true);
  h.flush(1200);
  assert.equal(h.of(poller, 'start').length, 1, JSON.stringify(h.of(poller)));
  assert.equal(h.of(poller, 'end').length, 1);
});

test("nmap's discovery set (echo + SYN 443 + ACK 80 + timestamp) names the tool nmap, ping first", () => {
  const h = new Harness();
  for (let i = 1; i <= 16; i++) {
    const t = 1000 + i * 0.01;
    h.feed(icmp({ ts: t, src: SCANNER, dst: host(i), type: 8 }));
    // A raw SYN with a window nmap's port scans do not use: the set alone must name the tool.
    h.feed(tcp({ ts: t + 0.001, src: SCANNER, dst: host(i), dport: 443, flags: SYN, window: 29200, options: 'none' }));
    h.feed(tcp({ ts: t + 0.002, src: SCANNER, dst: host(i), dport: 80, flags: ACK, window: 29200 }));
    h.feed(icmp({ ts: t + 0.003, src: SCANNER, dst: host(i), type: 13 }));
  }
  h.flush(1100);
  const start = h.of(SCANNER, 'start')[0];
  assert.ok(start, JSON.stringify(h.events));
  assert.equal(start.technique[0], 'ping');
  assert.equal(start.tool, 'nmap');
  const end = h.of(SCANNER, 'end')[0];
  assert.equal(end.tool, 'nmap');
  assert.match(end.toolEvidence, /discovery set/);
  assert.equal(h.counter('discovery.nmap_sets'), 16);
});

test('echo requests without payload (nmap -sn, -PE) name nmap from the start; 56-byte pings (ping, fping) do not', () => {
  const h = new Harness();
  for (let i = 1; i <= 12; i++) h.feed(icmp({ ts: 1000 + i * 0.01, src: SCANNER, dst: host(i), type: 8, payload: 0 }));
  for (let i = 1; i <= 12; i++) h.feed(icmp({ ts: 1000 + i * 0.01, src: '10.0.0.8', dst: host(i), type: 8, payload: 56 }));
  h.flush(1100);
  const start = h.of(SCANNER, 'start')[0];
  assert.equal(start.tool, 'nmap');
  assert.match(start.toolEvidence, /without payload on 8\/8/);
  assert.equal(h.of('10.0.0.8', 'start')[0].tool, 'unknown');
});

test('echo requests from flow records (no IP header behind the view: TTL 0) say nothing about payload: no nmap', () => {
  const h = new Harness();
  for (let i = 1; i <= 12; i++) h.feed(icmp({ ts: 1000 + i * 0.01, src: SCANNER, dst: host(i), type: 8, payload: 0, ttl: 0 }));
  h.flush(1100);
  const start = h.of(SCANNER, 'start')[0];
  assert.equal(start.technique[0], 'ping');
  assert.equal(start.tool, 'unknown');
});

test('HTTPS clients that also ping are not nmap', () => {
  const h = new Harness();
  for (let i = 1; i <= 3; i++) {
    h.feed(icmp({ ts: 1000 + i, src: '10.0.0.7', dst: host(i), type: 8 }));
    h.feed(tcp({ ts: 1000 + i + 0.1, src: '10.0.0.7', dst: host(i), dport: 443, flags: SYN, options: 'os', window: 64240 }));
  }
  h.flush(1010);
  assert.equal(h.counter('discovery.nmap_sets'), 0);
  assert.deepEqual(h.of('10.0.0.7'), []);
});

test('SCTP INIT scan: ABORT = closed, INIT ACK = open, ICMP unreachable = closed; technique sctp-init, vertical', () => {
  const h = new Harness();
  const victim = host(1);
  range(1, 30).forEach((port, i) => {
    const t = 1000 + i * 0.01;
    h.feed(sctp({ ts: t, src: SCANNER, dst: victim, dport: port, chunk: 1 }));
    if (port === 7 || port === 9) h.feed(sctp({ ts: t + 0.001, src: victim, dst: SCANNER, sport: port, dport: 40000, chunk: 2 }));
    else if (port % 2 === 0) h.feed(sctp({ ts: t + 0.001, src: victim, dst: SCANNER, sport: port, dport: 40000, chunk: 6 }));
    else h.feed(unreachable({ ts: t + 0.001, from: victim, to: SCANNER, probeSrc: SCANNER, probeDst: victim, probeSport: 40000, probeDport: port, probeProto: 132 }));
  });
  h.flush(1100);
  const start = h.of(SCANNER, 'start')[0];
  assert.ok(start, JSON.stringify(h.events));
  assert.deepEqual(start.technique, ['sctp-init']);
  assert.equal(start.pattern, 'vertical');
  assert.equal(start.probesToDetect, 5);
  const end = h.of(SCANNER, 'end')[0];
  assert.equal(end.ports, 30);
  assert.equal(end.targets, 1);
  assert.equal(end.failures, 28, 'every ABORT and ICMP unreachable is a failure');
  assert.equal(h.counter('discovery.sctp_open'), 2);
  assert.equal(h.counter('discovery.sctp_closed'), 28);
  assert.equal(h.counter('scan.failures_icmp'), 0, 'SCTP quotes are not the TCP tracker\'s');
});

test('SCTP COOKIE ECHO scan (nmap -sZ) is sctp-cookie; open ports stay silent', () => {
  const h = new Harness();
  range(100, 20).forEach((port, i) => {
    h.feed(sctp({ ts: 1000 + i * 0.01, src: SCANNER, dst: host(2), dport: port, chunk: 10 }));
    if (port % 5 !== 0) h.feed(sctp({ ts: 1000 + i * 0.01 + 0.001, src: host(2), dst: SCANNER, sport: port, dport: 40000, chunk: 6 }));
  });
  h.flush(1100);
  const start = h.of(SCANNER, 'start')[0];
  assert.ok(start);
  assert.deepEqual(start.technique, ['sctp-cookie']);
});

test('SCTP clients that associate (INIT, INIT ACK, COOKIE ECHO) with many peers are silent', () => {
  const h = new Harness();
  const client = '10.0.0.30';
  for (let i = 1; i <= 12; i++) {
    const t = 1000 + i;
    h.feed(sctp({ ts: t, src: client, dst: host(i), sport: 5000 + i, dport: 3868, chunk: 1 }));
    h.feed(sctp({ ts: t + 0.001, src: host(i), dst: client, sport: 3868, dport: 5000 + i, chunk: 2 }));
    h.feed(sctp({ ts: t + 0.002, src: client, dst: host(i), sport: 5000 + i, dport: 3868, chunk: 10 }));
    h.feed(sctp({ ts: t + 0.003, src: host(i), dst: client, sport: 3868, dport: 5000 + i, chunk: 11 }));
    for (let k = 0; k < 20; k++) h.feed(sctp({ ts: t + 0.01 + k * 0.01, src: client, dst: host(i), sport: 5000 + i, dport: 3868, chunk: 0 }));
  }
  h.flush(1100);
  assert.deepEqual(h.of(client), [], JSON.stringify(h.events));
  assert.equal(h.counter('discovery.sctp_open'), 12);
});

test('IP protocol scan: many protocol numbers to one host, ICMP protocol unreachable; technique ipproto, vertical', () => {
  const h = new Harness();
  const victim = host(3);
  let n = 0;
  for (let p = 0; p < 256; p++) {
    if (p === 1 || p === 6 || p === 17 || p === 58 || p === 132) continue;
    const t = 1000 + n++ * 0.005;
    h.feed(ipOnly({ ts: t, src: SCANNER, dst: victim, proto: p }));
    h.feed(unreachable({ ts: t + 0.001, from: victim, to: SCANNER, probeSrc: SCANNER, probeDst: victim, probeDport: 0, probeProto: p, code: 2 }));
  }
  h.flush(1100);
  const start = h.of(SCANNER, 'start')[0];
  assert.ok(start, JSON.stringify(h.events));
  assert.deepEqual(start.technique, ['ipproto']);
  assert.equal(start.pattern, 'vertical');
  assert.equal(start.probesToDetect, 6, 'ipproto-min default 6');
  const end = h.of(SCANNER, 'end')[0];
  assert.equal(end.failures, 251);
  assert.equal(end.targets, 1);
  assert.equal(h.counter('discovery.proto_unreachable'), 251);
});

test('IPv6 protocol scan answered by ICMPv6 parameter problem', () => {
  const h = new Harness();
  for (let p = 130; p < 140; p++) {
    if (p === 132) continue;
    h.feed(ipOnly({ ts: 1000 + p * 0.01, src: 'fd00::1', dst: 'fd00::2', proto: p }));
    const u = unreachable({ ts: 1000 + p * 0.01 + 0.001, from: 'fd00::2', to: 'fd00::1', probeSrc: 'fd00::1', probeDst: 'fd00::2', probeDport: 0, probeProto: p });
    u.icmpType = 4;
    u.icmpCode = 1;
    h.feed(u);
  }
  h.flush(1100);
  const end = h.of('fd00::1', 'end')[0];
  assert.ok(end, JSON.stringify(h.events));
  assert.deepEqual(end.technique, ['ipproto']);
  assert.equal(end.failures, 9);
});

test('tunnel endpoints (GRE, ESP to many peers, many packets) are silent', () => {
  const h = new Harness();
  const gw = '10.0.0.40';
  for (let k = 0; k < 200; k++) {
    for (let i = 1; i <= 20; i++) {
      h.feed(ipOnly({ ts: 1000 + k * 0.5 + i * 0.001, src: gw, dst: host(i), proto: i % 2 === 0 ? 47 : 50 }));
      h.feed(ipOnly({ ts: 1000 + k * 0.5 + i * 0.001 + 0.0005, src: host(i), dst: gw, proto: i % 2 === 0 ? 47 : 50 }));
    }
  }
  h.flush(1200);
  assert.deepEqual(h.events, []);
  assert.ok(h.counter('discovery.proto_repeats') > 7000);
});

test('the contact table is bounded: evictions counted', () => {
  const h = new Harness({ 'discovery-max-contacts': 16 });
  sweep(h, SCANNER, 100, 1000, 0.001, () => true);
  h.flush(1010);
  assert.equal(h.counter('discovery.contacts'), 16);
  assert.equal(h.counter('discovery.contacts_evicted'), 84);
  assert.equal(h.of(SCANNER, 'start').length, 1);
});

test('--no-discovery leaves the detector out; --ignore silences a sweep', () => {
  const off = new Harness({ discovery: false, osscan: false });
  sweep(off, SCANNER, 40, 1000, 0.01, () => true);
  off.flush(1100);
  assert.deepEqual(off.events, []);
  const ign = new Harness({ ignore: ['10.0.0.0/30'] });
  sweep(ign, SCANNER, 40, 1000, 0.01, () => true);
  ign.flush(1100);
  assert.deepEqual(ign.events, []);
  assert.equal(ign.counter('discovery.skipped'), 80);
});

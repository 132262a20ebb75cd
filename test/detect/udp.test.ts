import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import test from 'node:test';
import { Holt } from '../../src/detect/udp/holt.js';
import { UdpPart } from '../../src/detect/udp/detector.js';
import { Harness, range, udp, unreachable } from './helpers/views.js';

test('Holt: a straight line is forecast exactly (PortScanDetector\'s series 3..12: 13, where its simple smoothing gives 7.912)', () => {
  for (const [a, b] of [
    [0.1, 0.1],
    [0.5, 0.3],
    [0.9, 0.9],
  ]) {
    const h = new Holt(a, b);
    for (let x = 3; x <= 12; x++) h.observe(x);
    assert.ok(Math.abs(h.forecast() - 13) < 1e-9, `alpha ${a} beta ${b}: ${h.forecast()}`);
    assert.ok(Math.abs(h.forecast(3) - 15) < 1e-9);
  }
});

test('Holt: hand-computed level and trend (alpha 0.5, beta 0.5, series 10 12 15 13)', () => {
  const h = new Holt(0.5, 0.5);
  h.observe(10);
  assert.equal(h.forecast(), 10);
  h.observe(12); // level 12, trend 2
  assert.equal(h.level, 12);
  assert.equal(h.trend, 2);
  h.observe(15); // level .5*15 + .5*(12+2) = 14.5; trend .5*(14.5-12) + .5*2 = 2.25
  assert.equal(h.level, 14.5);
  assert.equal(h.trend, 2.25);
  h.observe(13); // level .5*13 + .5*16.75 = 14.875; trend .5*0.375 + .5*2.25 = 1.3125
  assert.equal(h.level, 14.875);
  assert.equal(h.trend, 1.3125);
  assert.equal(h.forecast(), 16.1875);
  assert.equal(h.forecast(2), 17.5);
});

test('Holt: the trend reacts, unlike simple smoothing', () => {
  const h = new Holt(0.1, 0.1);
  for (const x of [2, 2, 2, 2, 2, 2]) h.observe(x);
  assert.equal(h.forecast(), 2);
  h.observe(10);
  assert.ok(h.forecast() > 2.8 && h.forecast() < 3.1, `${h.forecast()}`); // level 2.8, trend 0.08
});

const BASE = 1_700_000_000;

/** 20 quiet UDP clients, one DNS query each per 10 s interval, each answered. */
function background(h: Harness, from: number, to: number): void {
  for (let t = from; t < to; t += 10) {
    for (let c = 0; c < 20; c++) {
      const client = `10.0.1.${c + 1}`;
      h.feed(udp({ ts: t + c * 0.1, src: client, dst: '10.0.0.53', sport: 40000 + c, dport: 53 }));
      h.feed(udp({ ts: t + c * 0.1 + 0.01, src: '10.0.0.53', dst: client, sport: 53, dport: 40000 + c }));
    }
  }
}

/** A UDP vertical scan of `n` ports from t, each answered ICMP port unreachable. */
function udpScan(h: Harness, t: number, n: number): void {
  for (let i = 0; i < n; i++) {
    h.feed(udp({ ts: t + i * 0.05, src: '10.0.2.66', dst: '10.0.2.1', sport: 61000, dport: 1000 + i }));
    h.feed(unreachable({ ts: t + i * 0.05 + 0.001, from: '10.0.2.1', to: '10.0.2.66', probeSrc: '10.0.2.66', probeDst: '10.0.2.1', probeSport: 61000, probeDport: 1000 + i }));
  }
}

test('UDP DES: a vertical UDP scan above the forecast x 1.75 is named by udp alone after warm-up', () => {
  const h = new Harness({ trw: false, slow: false });
  background(h, BASE, BASE + 60);
  const part = (h.engine as unknown as { parts: UdpPart[] }).parts.find((p) => p.name === 'udp')!;
  assert.ok(part.holt.n >= 2, 'warmed up on the background');
  assert.ok(Math.abs(part.forecast - 1) < 1e-9, `forecast ${part.forecast}`);
  udpScan(h, BASE + 60.5, 30);
  h.flush();
  const [start] = h.of('10.0.2.66', 'start');
  assert.ok(start);
  assert.deepEqual(start.technique, ['udp']);
  assert.equal(start.pattern, 'vertical');
  assert.deepEqual(start.detectors.map((d) => d.name), ['udp']);
  assert.equal(start.probesToDetect, 10, '--udp-min-targets 10; 10 > 1 x 1.75 and 5 ICMP failures on one host');
  for (let c = 1; c <= 20; c++) assert.equal(h.of(`10.0.1.${c}`).length, 0);
  assert.equal(h.of('10.0.0.53').length, 0, 'the DNS server answering is not a scanner');
});

test('UDP DES: no forecast before the warm-up, so no udp verdict (TRW still names the scan)', () => {
  const alone = new Harness({ trw: false, slow: false });
  udpScan(alone, BASE + 1, 30);
  alone.flush();
  assert.equal(alone.events.length, 0, 'udp alone needs a forecast');
  const all = new Harness();
  udpScan(all, BASE + 1, 30);
  all.flush();
  const [start] = all.of('10.0.2.66', 'start');
  assert.ok(start, 'ICMP port unreachable quoting the probes are failures: TRW + concentration');
  assert.equal(start.probesToDetect, 5);
});

test('UDP DES: erase resets the counts, not the series', () => {
  const h = new Harness({ trw: false, slow: false, 'erase-interval': '30s' });
  background(h, BASE, BASE + 100);
  const part = (h.engine as unknown as { parts: UdpPart[] }).parts.find((p) => p.name === 'udp')!;
  assert.ok(part.erases >= 3);
  assert.ok(part.intervals >= 9, `${part.intervals} points`);
  assert.ok(part.holt.n === part.intervals);
});

test('UDP: a one-target source holds no entry, only a single; its second target makes it one, and the average counts both', () => {
  const h = new Harness({ trw: false, slow: false });
  const part = (h.engine as unknown as { parts: UdpPart[] }).parts.find((p) => p.name === 'udp')!;
  // 300 sources, one datagram each (spoofed / backscatter style), 3 of them twice to the same target.
  for (let i = 0; i < 300; i++) h.feed(udp({ ts: BASE + i * 0.01, src: `10.9.${i >> 8}.${i & 255}`, dst: '10.0.0.1', sport: 5000, dport: 7 }));
  for (let i = 0; i < 3; i++) h.feed(udp({ ts: BASE + 4, src: `10.9.0.${i}`, dst: '10.0.0.1', sport: 5000, dport: 7 }));
  assert.equal(h.counter('udp.sources'), 0, 'no full entry for a source with one target');
  assert.equal(h.counter('udp.singles'), 300);
  // Two of them send to a second target: promoted, with both targets counted.
  for (let i = 0; i < 2; i++) h.feed(udp({ ts: BASE + 5, src: `10.9.0.${i}`, dst: '10.0.0.2', sport: 5000, dport: 7 }));
  assert.equal(h.counter('udp.sources'), 2);
  assert.equal(h.counter('udp.singles'), 298);
  assert.equal(part.table.peek(part.table.values().next().value!.key)!.targets.count, 2);
  // The interval closing at BASE + 10 averages (2 + 2 + 298 x 1) / 300 sources.
  h.feed(udp({ ts: BASE + 10.5, src: '10.9.0.0', dst: '10.0.0.1', sport: 5000, dport: 7 }));
  assert.equal(part.intervals, 1);
  assert.equal(part.lastAverage, 302 / 300);
  // An erase forgets every single at once.
  h.feed(udp({ ts: BASE + 181, src: '10.9.0.0', dst: '10.0.0.1', sport: 5000, dport: 7 }));
  assert.ok(part.erases >= 1);
  assert.equal(h.counter('udp.singles'), 0);
  assert.equal(part.singles.find(1), -1);
});

test('UDP: singles are bounded (4-way buckets, least recently touched out, counted)', () => {
  const h = new Harness({ trw: false, slow: false, 'udp-max-sources': 64 });
  for (let i = 0; i < 5000; i++) h.feed(udp({ ts: BASE + i * 0.001, src: `10.9.${i >> 8}.${i & 255}`, dst: '10.0.0.1', sport: 5000, dport: 7 }));
  assert.ok(h.counter('udp.singles') <= 64, `${h.counter('udp.singles')}`);
  assert.ok(h.counter('udp.sources_evicted') >= 5000 - 64);
  assert.equal(h.counter('udp.singles') + h.counter('udp.sources_evicted'), 5000);
});

test('UDP: a resolver querying 40 servers on port 53, all answering, is not a scan', () => {
  const h = new Harness();
  background(h, BASE, BASE + 60);
  for (let i = 0; i < 40; i++) {
    const server = `198.51.100.${i + 1}`;
    h.feed(udp({ ts: BASE + 60 + i, src: '10.0.0.53', dst: server, sport: 30000 + i, dport: 53 }));
    h.feed(udp({ ts: BASE + 60.03 + i, src: server, dst: '10.0.0.53', sport: 53, dport: 30000 + i }));
  }
  h.flush();
  assert.equal(h.events.length, 0);
});

test('UDP: silent peers on one port (a P2P client) are not failures unless --udp-timeout-fails', () => {
  const peers = (h: Harness) => {
    for (let i = 0; i < 60; i++) h.feed(udp({ ts: BASE + i, src: '10.0.0.15', dst: `203.0.113.${i + 1}`, sport: 28681, dport: 6346, payload: 23 }));
    h.flush(BASE + 100);
  };
  const quiet = new Harness();
  peers(quiet);
  assert.equal(quiet.events.length, 0);
  assert.equal(quiet.counter('scan.udp_unanswered'), 60);
  const strict = new Harness({ 'udp-timeout-fails': true });
  peers(strict);
  assert.equal(strict.of('10.0.0.15', 'start').length, 1, 'with silence as failure it looks like a horizontal sweep');
  assert.equal(strict.of('10.0.0.15', 'start')[0].pattern, 'horizontal');
});

test('UDP: a victim answering from another port (TFTP-style) is not a scanner of the prober', () => {
  const h = new Harness();
  const ports = range(40000, 10);
  ports.forEach((sp, i) => {
    h.feed(udp({ ts: BASE + i, src: '10.0.2.66', dst: '10.0.2.1', sport: sp, dport: 69 }));
    h.feed(udp({ ts: BASE + i + 0.01, src: '10.0.2.1', dst: '10.0.2.66', sport: 50000 + i, dport: sp, payload: 19 }));
  });
  h.flush(BASE + 100);
  assert.equal(h.of('10.0.2.1').length, 0);
});

test('packet times past 4e18 s (a 10 s step no longer moves a double) do not hang any detector', () => {
  // Regression: the UDP detector's `nextDes += 10` stopped advancing there: 100% CPU, signals ignored.
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'helpers/huge-time.ts')], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.error, undefined, `the detectors did not return within 60 s: ${r.error?.message}`);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^done \d+ frames \d+ events$/m);
});

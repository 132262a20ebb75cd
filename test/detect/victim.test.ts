import assert from 'node:assert/strict';
import test from 'node:test';
import { coerceParam } from '../../src/config/params.js';
import { CidrSet } from '../../src/decode/cidr-set.js';
import { HalfOpenTable } from '../../src/detect/victim/half-open.js';
import { HllBank, hashWords } from '../../src/detect/victim/hll.js';
import { victimModule } from '../../src/detect/victim/module.js';
import type { VictimDetector } from '../../src/detect/victim/detector.js';
import type { DistributedEvent, SensorRecord } from '../../src/sink/schema.js';
import { StatsRegistry } from '../../src/stats/counters.js';
import { setHashSeed } from '../../src/track/hash.js';
import { ACK, RST, SYN, tcp } from './helpers/views.js';

function make(params: Record<string, unknown> = {}): { d: VictimDetector; events: DistributedEvent[]; stats: StatsRegistry } {
  const values: Record<string, ReturnType<typeof coerceParam>> = {};
  for (const p of victimModule.params) values[p.name] = coerceParam(p, params[p.name]);
  const events: DistributedEvent[] = [];
  const stats = new StatsRegistry();
  const d = victimModule.create({
    params: values,
    emit: (r: SensorRecord) => {
      if (r.kind === 'distributed') events.push(r);
    },
    stats,
    localNets: new CidrSet(),
    verbose: 0,
    trace: () => {},
    warn: () => {},
    sensorName: 't',
    sourceName: 't',
  }) as VictimDetector;
  return { d, events, stats };
}

/** A deterministic stream of pseudo-random IPv4 sources (xorshift), never special addresses. */
function sources(seed: number): () => string {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    const a = 1 + (x % 223);
    return `${a}.${(x >>> 8) & 255}.${(x >>> 16) & 255}.${1 + ((x >>> 24) % 254)}`;
  };
}

test('HyperLogLog: within 3 sigma (10%) at 100k distinct keys, the same estimate every run (fixed seed)', () => {
  const est = () => {
    const h = new HllBank(2, 10);
    for (let i = 0; i < 100_000; i++) h.add(1, hashWords(0x5eed, i, 0, 0, 0));
    return [h.estimate(0), h.estimate(1)];
  };
  const [empty, n] = est();
  assert.equal(empty, 0);
  assert.ok(Math.abs(n - 100_000) / 100_000 < 0.1, `estimate ${n}`); // 3 sigma at p=10
  assert.equal(est()[1], n);
  const small = new HllBank(1, 10);
  for (let i = 0; i < 20; i++) small.add(0, hashWords(0x5eed, i, 0, 0, 0));
  assert.ok(Math.abs(small.estimate(0) - 20) <= 1.5, 'linear counting is within a register collision at small counts');
});

test('half-open table: completed, refused, timed out, pushed out by a newer SYN in its slot', () => {
  const lost: number[] = [];
  const t = new HalfOpenTable(16, (slot) => lost.push(slot));
  t.open(1, 0, 0, 10);
  t.open(2, 1, 0, 10);
  assert.ok(t.has(1));
  assert.ok(t.complete(1));
  assert.equal(t.lastSlot, 0);
  assert.ok(!t.complete(1), 'a second ACK completes nothing');
  t.giveUp(2);
  assert.deepEqual(lost, [1]);
  t.open(3, 2, 0, 11);
  t.expire(13.9, 3);
  assert.equal(t.size, 1);
  t.expire(14, 3);
  assert.deepEqual(lost, [1, 2]);
  t.open(4, 3, 0, 20);
  t.open(4 + 16, 4, 0, 20); // same slot
  assert.equal(t.evictions, 1);
  assert.deepEqual(lost, [1, 2, 3]);
  assert.ok(!t.has(4) && t.has(20));
  t.drainAll();
  assert.deepEqual(lost, [1, 2, 3, 4]);
  assert.equal(t.size, 0);
});

test('spoofed SYN flood: the victim is named with the flood flag, sources estimated, memory bounded', () => {
  const { d, events, stats } = make({ 'half-open-max': 4096, 'distributed-max-victims': 64 });
  const next = sources(7);
  const n = 20_000;
  for (let i = 0; i < n; i++) {
    d.onPacket(tcp({ ts: 1000 + i / 10_000, src: next(), dst: '10.9.0.2', sport: 1024 + (i % 60000), dport: 80, flags: SYN, options: 'none' }));
  }
  d.flush(1002.1);
  const start = events.find((e) => e.event === 'start');
  assert.ok(start, 'a start event');
  assert.equal(start.victim, '10.9.0.2');
  assert.equal(start.flood, true);
  assert.deepEqual(start.topPorts, [80]);
  assert.ok(start.rate >= 100, `rate ${start.rate}`);
  assert.ok(start.ts < 1001.1, `named within about a second of packet time (at ${start.ts})`);
  const end = events.at(-1)!;
  assert.equal(end.event, 'end');
  assert.equal(end.id, start.id);
  assert.ok(Math.abs(end.sources - n) / n < 0.06, `sources ${end.sources}`);
  assert.equal(end.ports, 1);
  assert.equal(end.syns, n);
  assert.equal(end.unanswered, n);
  const c = stats.snapshot();
  assert.ok(c['distributed.half_open_evicted'] > 0, 'the half-open table stayed at its cap');
  assert.equal(c['distributed.half_open'], 0, 'drained at end of input');
  assert.equal(c['distributed.events_start'], 1);
});

test('distributed scan: ten sources share the ports of one host, refused by RST: not a flood', () => {
  const { d, events } = make();
  let ts = 2000;
  for (let port = 1; port <= 300; port++) {
    const src = `198.51.100.${1 + (port % 10)}`;
    d.onPacket(tcp({ ts, src, dst: '10.9.0.3', sport: 50000, dport: port, flags: SYN }));
    d.onPacket(tcp({ ts: ts + 0.0002, src: '10.9.0.3', dst: src, sport: port, dport: 50000, flags: RST | ACK }));
    ts += 0.005;
  }
  d.flush(ts + 1);
  const start = events.find((e) => e.event === 'start');
  assert.ok(start, 'a start event');
  assert.equal(start.victim, '10.9.0.3');
  assert.equal(start.flood, false);
  assert.ok(start.sources >= 9 && start.sources <= 11, `sources ${start.sources}`);
  assert.ok(start.ports >= 100, `ports ${start.ports}`);
  assert.equal(events.at(-1)!.event, 'end');
});

test('a busy server whose clients complete their handshakes is never a victim', () => {
  const { d, events, stats } = make();
  let ts = 3000;
  for (let round = 0; round < 200; round++) {
    for (let c = 1; c <= 40; c++) {
      const src = `192.0.2.${c}`;
      const sport = 30000 + round;
      d.onPacket(tcp({ ts, src, dst: '10.9.0.4', sport, dport: 443, flags: SYN, options: 'os' }));
      d.onPacket(tcp({ ts: ts + 0.0001, src: '10.9.0.4', dst: src, sport: 443, dport: sport, flags: SYN | ACK }));
      d.onPacket(tcp({ ts: ts + 0.0002, src, dst: '10.9.0.4', sport, dport: 443, flags: ACK }));
      ts += 0.001;
    }
  }
  d.flush(ts + 5);
  assert.deepEqual(events, []);
  assert.equal(stats.snapshot()['distributed.handshakes'], 8000);
});

test('one client retrying a dead service, many times, is not many-to-one', () => {
  const { d, events } = make();
  for (let i = 0; i < 500; i++) {
    d.onPacket(tcp({ ts: 4000 + i * 0.1, src: '192.0.2.9', dst: '10.9.0.5', sport: 40000 + i, dport: 8080, flags: SYN, options: 'os' }));
    d.onPacket(tcp({ ts: 4000 + i * 0.1 + 0.0001, src: '10.9.0.5', dst: '192.0.2.9', sport: 8080, dport: 40000 + i, flags: RST | ACK }));
  }
  d.flush(4100);
  assert.deepEqual(events, []);
});

test('a replay gives the same events every time', () => {
  const run = () => {
    const { d, events } = make({ 'half-open-max': 1024 });
    const next = sources(11);
    const v6 = () => `2001:db8:${next().split('.').map((x) => Number(x).toString(16)).join(':')}::1`;
    for (let i = 0; i < 5000; i++) d.onPacket(tcp({ ts: 5000 + i / 2000, src: v6(), dst: '2001:db8::7', sport: 2000 + i, dport: 22, flags: SYN }));
    d.flush(5003);
    return events;
  };
  const a = run();
  assert.ok(a.length >= 2);
  assert.equal(a[0].victim, '2001:db8::7');
  assert.deepEqual(run(), a);
});

test('the victim table is bounded: least recently hit out first, counted', () => {
  // Without the admission stage: every destination takes a slot at its first SYN.
  const { d, stats } = make({ 'distributed-max-victims': 16, 'distributed-admit-syns': 0 });
  for (let i = 0; i < 100; i++) d.onPacket(tcp({ ts: 6000 + i * 0.01, src: '192.0.2.1', dst: `10.8.0.${i + 1}`, dport: 80, flags: SYN }));
  const c = stats.snapshot();
  assert.equal(c['distributed.victims'], 16);
  assert.equal(c['distributed.victims_evicted'], 84);
});

test('a flood across a window boundary, answered by nobody (timeouts only): counted whole, unanswered <= syns', () => {
  const { d, events } = make({ 'half-open-max': 1 << 20 });
  const next = sources(3);
  for (let i = 0; i < 2000; i++) d.onPacket(tcp({ ts: 1009 + i / 1000, src: next(), dst: '10.9.0.6', sport: 1024 + i, dport: 443, flags: SYN }));
  // Quiet wire: live ticks move the clock so the handshakes time out.
  for (let t = 1012; t <= 1020; t++) d.tick(t);
  d.flush(1021);
  const start = events.find((e) => e.event === 'start')!;
  assert.ok(start, 'a start event');
  assert.equal(start.flood, true);
  const end = events.at(-1)!;
  assert.equal(end.event, 'end');
  assert.equal(end.syns, 2000);
  assert.equal(end.unanswered, 2000);
  assert.ok(Math.abs(end.sources - 2000) / 2000 < 0.06, `sources ${end.sources}`);
  assert.equal(end.firstSeen, 1009);
});

test('one scanner among a server\'s real clients is one-to-one: no distributed event (distributed-max-source-share)', () => {
  const { d, events } = make();
  let ts = 7000;
  for (let port = 1; port <= 600; port++) {
    d.onPacket(tcp({ ts, src: '198.51.100.7', dst: '10.9.0.8', sport: 40000, dport: port, flags: SYN }));
    d.onPacket(tcp({ ts: ts + 0.0001, src: '10.9.0.8', dst: '198.51.100.7', sport: port, dport: 40000, flags: RST | ACK }));
    // Real clients completing handshakes, and a little spoofed noise nobody answers.
    const c = `192.0.2.${1 + (port % 50)}`;
    d.onPacket(tcp({ ts: ts + 0.0002, src: c, dst: '10.9.0.8', sport: 30000 + port, dport: 80, flags: SYN, options: 'os' }));
    d.onPacket(tcp({ ts: ts + 0.0003, src: c, dst: '10.9.0.8', sport: 30000 + port, dport: 80, flags: ACK }));
    if (port % 5 === 0) d.onPacket(tcp({ ts: ts + 0.0004, src: `203.0.113.${port % 250}`, dst: '10.9.0.8', sport: 1000 + port, dport: 80, flags: SYN }));
    ts += 0.01;
  }
  d.flush(ts + 5);
  assert.deepEqual(events, []);
});

test('admission: a sweep of one SYN per destination takes no victim slot, only records', () => {
  const { d, stats } = make({ 'distributed-max-victims': 16 });
  for (let i = 0; i < 1000; i++) d.onPacket(tcp({ ts: 6000 + i * 0.001, src: '192.0.2.1', dst: `10.8.${i >> 7}.${(i & 127) + 1}`, dport: 80, flags: SYN }));
  const c = stats.snapshot();
  assert.equal(c['distributed.victims_max'], 0);
  assert.equal(c['distributed.victims_evicted'], 0);
  assert.equal(c['distributed.admission_records'], 1000);
  assert.equal(c['distributed.syns'], 1000);
});

test('admission: events, counts and estimates are the same as with a slot from the first SYN', () => {
  // Floods and distributed scans to a few victims (across windows, some
  // handshakes completed, RSTs, retransmissions), among one-SYN destinations.
  // A fixed hash seed: with the process's random one, 2 of the 253 destinations
  // shared a record in about 1 run of 10 (0.12 collisions expected in 2^18 slots).
  setHashSeed(1);
  const run = (admit: number) => {
    // The default table (4,096 victims) never fills here: with it full, a destination
    // evicted between its SYNs loses them, while its record would keep them.
    // Records sized so no two destinations share one (an overwritten record loses its SYNs: counted apart).
    const { d, events, stats } = make({ 'distributed-admit-syns': admit, 'distributed-admission-slots': 1 << 18 });
    const next = sources(11);
    let t = 2005;
    for (let i = 0; i < 6000; i++) {
      t += 0.004;
      const src = next();
      const victim = `10.9.0.${1 + (i % 3)}`;
      const sport = 1024 + (i % 60000);
      const dport = i % 3 === 0 ? 443 : 1 + (i % 700);
      d.onPacket(tcp({ ts: t, src, dst: victim, sport, dport, flags: SYN }));
      if (i % 17 === 0) d.onPacket(tcp({ ts: t, src, dst: victim, sport, dport, flags: SYN })); // retransmission
      if (i % 11 === 0) {
        d.onPacket(tcp({ ts: t + 0.001, src: victim, dst: src, sport: dport, dport: sport, flags: SYN | ACK }));
        d.onPacket(tcp({ ts: t + 0.002, src, dst: victim, sport, dport, flags: ACK }));
      } else if (i % 5 === 0) d.onPacket(tcp({ ts: t + 0.001, src: victim, dst: src, sport: dport, dport: sport, flags: RST | ACK }));
      // One-SYN destinations, and a few with two or three SYNs.
      if (i % 3 === 0) d.onPacket(tcp({ ts: t + 0.003, src, dst: `10.10.${(i >> 8) & 1}.${(i % 125) + 1}`, sport, dport: 80, flags: SYN }));
      if (i % 400 === 0) for (let t2 = Math.floor(t) + 1; t2 < t + 3; t2++) d.tick(t2);
    }
    d.flush(t + 10);
    const c = stats.snapshot();
    assert.equal(c['distributed.admission_overwritten'], 0);
    return { events, unanswered: c['distributed.unanswered'], syns: c['distributed.syns'], retransmits: c['distributed.syn_retransmits'], records: c['distributed.admission_records'] };
  };
  const a = run(0);
  const b = run(8);
  assert.ok(a.events.length >= 3, JSON.stringify(a.events));
  assert.ok(b.records > 200, 'destinations went through admission');
  assert.deepEqual(b.events, a.events);
  assert.equal(b.syns, a.syns);
  assert.equal(b.retransmits, a.retransmits);
  assert.equal(b.unanswered, a.unanswered);
});

test('admission: a record replayed into its slot holds the same window counts and source heavy hitters', () => {
  const state = (admit: number) => {
    const { d } = make({ 'distributed-admit-syns': admit });
    // 8 SYNs, each reset (unanswered inside the record, one source three times), then the 9th admits.
    const srcs = ['192.0.2.1', '192.0.2.2', '192.0.2.1', '192.0.2.3', '192.0.2.1', '192.0.2.4', '192.0.2.5', '192.0.2.6', '192.0.2.7'];
    srcs.forEach((src, k) => {
      const t = 3001 + k * 0.01;
      d.onPacket(tcp({ ts: t, src, dst: '10.9.0.1', sport: 5000 + k, dport: 20 + (k % 3), flags: SYN }));
      if (k < 8) d.onPacket(tcp({ ts: t + 0.001, src: '10.9.0.1', dst: src, sport: 20 + (k % 3), dport: 5000 + k, flags: RST | ACK }));
    });
    const e = d.victims.peek(0x0a090001)!;
    assert.ok(e, 'the destination has its slot');
    const s = d.slots;
    const i = e.slot;
    const hh = (a: Float64Array | Int32Array, n: number) => Array.from(a.subarray(i * n, (i + 1) * n));
    return {
      syns: s.winSyns[i], unanswered: s.winUnanswered[i], first: s.winFirst[i], start: s.winStart[i], srcTotal: s.srcTotal[i],
      top: s.topSourceCount(i), ports: s.winPorts.estimate(i), sources: s.winSources.estimate(i), hhPort: hh(s.hhPort, s.k), hhCount: hh(s.hhCount, s.k),
    };
  };
  const off = state(0);
  assert.equal(off.unanswered, 8);
  assert.equal(off.srcTotal, 8);
  assert.deepEqual(state(8), off);
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FlowRecord, Role, epochSecondsByMagnitude } from '../../../src/capture/flows/flow-record.js';
import { FlowViews, type FlowViewOptions, type HoldClock } from '../../../src/capture/flows/flow-views.js';
import { dportIsService, splitCumulativeFlags } from '../../../src/capture/flows/flow-roles.js';
import { ipv4ToString, ipv6ToString, parseIpv4, parseIpv6 } from '../../../src/decode/address.js';
import { Layer, type PacketView } from '../../../src/decode/packet-view.js';

const S = 0x02;
const A = 0x10;
const R = 0x04;
const F = 0x01;
const P = 0x08;

interface Seen {
  ts: number;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  flags: number;
  layers: number;
  icmpType: number;
  quote: string;
}

/** A hold clock the test moves by hand: `advance(ms)` runs the timers that come due. */
class ManualClock implements HoldClock {
  t = 0;
  private timers: { at: number; fn: () => void }[] = [];
  now = () => this.t;
  setTimer = (fn: () => void, ms: number) => {
    const timer = { at: this.t + ms, fn };
    this.timers.push(timer);
    return timer;
  };
  clearTimer = (timer: unknown) => {
    this.timers = this.timers.filter((x) => x !== timer);
  };
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = due.at;
      due.fn();
    }
    this.t = end;
  }
}

function setup(o: Partial<FlowViewOptions> = {}, clock?: HoldClock) {
  const views = new FlowViews({ time: 'flow', holdMs: 0, maxHeld: 10_000, maxRepeat: 8, ...o }, clock);
  const seen: Seen[] = [];
  views.handler = (v: PacketView) => {
    const v6 = v.ipVersion === 6;
    seen.push({
      ts: v.ts,
      src: v6 ? ipv6ToString(v.src6) : ipv4ToString(v.src4),
      dst: v6 ? ipv6ToString(v.dst6) : ipv4ToString(v.dst4),
      sport: v.sport,
      dport: v.dport,
      flags: v.tcpFlags,
      layers: v.layers,
      icmpType: v.icmpType,
      quote: (v.layers & Layer.ICMP_QUOTE) !== 0 ? `${ipv4ToString(v.innerSrc4)}:${v.innerSport}>${ipv4ToString(v.innerDst4)}:${v.innerDport}/${v.innerProto}` : '',
    });
  };
  return { views, seen };
}

interface Spec {
  src: string;
  dst: string;
  proto?: number;
  sport?: number;
  dport?: number;
  flags?: number;
  packets?: number;
  bytes?: number;
  start?: number;
  end?: number;
  role?: Role;
  revPackets?: number;
  revFlags?: number;
}

const rec = new FlowRecord();
function flow(s: Spec): FlowRecord {
  rec.reset();
  if (s.src.includes(':')) {
    rec.ipVersion = 6;
    rec.src6.set(parseIpv6(s.src)!);
    rec.dst6.set(parseIpv6(s.dst)!);
  } else {
    rec.ipVersion = 4;
    rec.src4 = parseIpv4(s.src);
    rec.dst4 = parseIpv4(s.dst);
  }
  rec.proto = s.proto ?? 6;
  rec.sport = s.sport ?? 0;
  rec.dport = s.dport ?? 0;
  rec.tcpFlags = s.flags ?? 0;
  rec.packets = s.packets ?? 1;
  rec.bytes = s.bytes ?? 0;
  rec.start = s.start ?? NaN;
  rec.end = s.end ?? s.start ?? NaN;
  rec.role = s.role ?? Role.UNKNOWN;
  rec.revPackets = s.revPackets ?? 0;
  rec.revFlags = s.revFlags ?? -1;
  return rec;
}

const show = (seen: Seen[]) => seen.map((v) => `${v.src}:${v.sport}>${v.dst}:${v.dport} 0x${v.flags.toString(16)}`);

describe('flows to packet views', () => {
  test("an answer that arrives first still comes after its probe (same time: the opener's packet first)", () => {
    const { views, seen } = setup();
    views.add(flow({ src: '10.0.0.2', dst: '10.0.0.1', sport: 22, dport: 40000, flags: R | A, start: 100 }), 0);
    views.add(flow({ src: '10.0.0.1', dst: '10.0.0.2', sport: 40000, dport: 22, flags: S, start: 100 }), 0);
    views.settle();
    assert.deepEqual(show(seen), ['10.0.0.1:40000>10.0.0.2:22 0x2', '10.0.0.2:22>10.0.0.1:40000 0x14']);
    assert.equal(views.paired, 2);
  });

  test('a connect scan on an open port: SYN, SYN-ACK, ACK, then the teardown (also when the answer starts later)', () => {
    for (const later of [0, 0.001]) {
      const { views, seen } = setup();
      views.add(flow({ src: '10.0.0.2', dst: '10.0.0.1', sport: 80, dport: 45000, flags: S | A, start: 100 + later, end: 100 + later }), 0);
      views.add(flow({ src: '10.0.0.1', dst: '10.0.0.2', sport: 45000, dport: 80, flags: S | A | R, packets: 3, start: 100, end: 100.002 }), 0);
      views.settle();
      assert.deepEqual(show(seen), ['10.0.0.1:45000>10.0.0.2:80 0x2', '10.0.0.2:80>10.0.0.1:45000 0x12', '10.0.0.1:45000>10.0.0.2:80 0x10', '10.0.0.1:45000>10.0.0.2:80 0x14']);
      assert.ok(seen.every((v, i) => i === 0 || v.ts >= seen[i - 1].ts));
    }
  });

  test('probes are repeated per packet (retries), spread over the flow, up to the cap; nmap -sS resets after', () => {
    const { views, seen } = setup({ maxRepeat: 2 });
    views.add(flow({ src: '10.0.0.1', dst: '10.0.0.2', sport: 1, dport: 443, flags: S | R, packets: 4, start: 10, end: 12 }), 0);
    views.add(flow({ src: '10.0.0.1', dst: '10.0.0.2', sport: 1, dport: 444, flags: F | P | 0x20, packets: 2, start: 10, end: 11 }), 0);
    views.add(flow({ src: '10.0.0.1', dst: '10.0.0.3', proto: 17, sport: 5, dport: 161, packets: 1, start: 10 }), 0);
    views.settle();
    const syn = seen.filter((v) => v.dport === 443);
    assert.deepEqual(
      syn.map((v) => [v.flags, v.ts]),
      [
        [S, 10],
        [S, 11],
        [R, 12],
      ],
    );
    assert.deepEqual(
      seen.filter((v) => v.dport === 444).map((v) => [v.flags, v.ts]),
      [
        [0x29, 10],
        [0x29, 10.5],
      ],
    );
    assert.equal(seen.filter((v) => (v.layers & Layer.UDP) !== 0).length, 1);
    assert.equal(views.repeatedViews, 2);
  });

  test("nProbe biflows with only the OR of both sides' flags are split by the packet counts", () => {
    const out = new Int32Array(1);
    // refused SYN: client SYN, server RST|ACK
    assert.equal(splitCumulativeFlags(S | R | A, 1, 1, out), R | A);
    assert.equal(out[0], S);
    // nmap -sS on an open port: client SYN then RST, server SYN-ACK
    assert.equal(splitCumulativeFlags(S | R | A, 2, 1, out), S | A);
    assert.equal(out[0], S | R);
    // a handshake with data
    assert.equal(splitCumulativeFlags(S | A | P | F, 5, 4, out), S | A | F);
    assert.equal(out[0], S | A | P | F);
    // NULL / Xmas probe refused
    assert.equal(splitCumulativeFlags(R | A, 1, 1, out), R | A);
    assert.equal(out[0], 0);
    assert.equal(splitCumulativeFlags(0x29 | R | A, 1, 1, out), R | A);
    assert.equal(out[0], 0x29);
    // no answer: no server packet
    assert.equal(splitCumulativeFlags(S, 2, 0, out), -1);

    const { views, seen } = setup();
    views.add(flow({ src: '10.0.0.1', dst: '10.0.0.2', sport: 40000, dport: 25, flags: S | R | A, role: Role.INITIATOR, revPackets: 1, start: 5 }), 0);
    views.settle();
    assert.deepEqual(show(seen), ['10.0.0.1:40000>10.0.0.2:25 0x2', '10.0.0.2:25>10.0.0.1:40000 0x14']);
    assert.equal(views.flagsSplit, 1);
    assert.equal(views.biflows, 1);
  });

  test('an ICMP port unreachable flow fails the unanswered UDP probes, one per error packet', () => {
    const { views, seen } = setup();
    for (const port of [53, 123, 161, 500]) views.add(flow({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, sport: 5000, dport: port, start: 100 + port / 1000 }), 0);
    // 123 answers: not a failure.
    views.add(flow({ src: '10.0.0.2', dst: '10.0.0.1', proto: 17, sport: 123, dport: 5000, start: 100.2 }), 0);
    // Two port unreachables (type 3 code 3 in the destination port, NetFlow's way).
    views.add(flow({ src: '10.0.0.2', dst: '10.0.0.1', proto: 1, dport: 0x0303, packets: 2, start: 100.05, end: 100.6 }), 0);
    views.settle();
    const quotes = seen.filter((v) => v.quote !== '');
    assert.equal(quotes.length, 2);
    for (const q of quotes) {
      assert.equal(q.icmpType, 3);
      assert.match(q.quote, /^10\.0\.0\.1:5000>10\.0\.0\.2:(53|161|500)\/17$/);
    }
    assert.equal(new Set(quotes.map((q) => q.quote)).size, 2);
    assert.equal(views.quotedProbes, 2);
    // Each quote after its probe.
    for (const q of quotes) {
      const port = Number(/:(\d+)\/17$/.exec(q.quote)![1]);
      const probe = seen.findIndex((v) => v.dport === port && (v.layers & Layer.UDP) !== 0);
      assert.ok(probe < seen.indexOf(q));
    }
  });

  test('views stay in time order across batches: a late flow is stamped with the latest time (counted)', () => {
    const { views, seen } = setup();
    views.add(flow({ src: '10.0.0.1', dst: '10.0.0.2', sport: 1, dport: 2, flags: S, start: 100 }), 0);
    views.settle();
    views.add(flow({ src: '10.0.0.3', dst: '10.0.0.2', sport: 1, dport: 2, flags: S, start: 40 }), 0);
    views.add(flow({ src: '10.0.0.2', dst: '10.0.0.3', sport: 2, dport: 1, flags: R | A, start: 40 }), 0);
    views.settle();
    assert.deepEqual(
      seen.map((v) => v.ts),
      [100, 100, 100],
    );
    assert.deepEqual(show(seen).slice(1), ['10.0.0.3:1>10.0.0.2:2 0x2', '10.0.0.2:2>10.0.0.3:1 0x14']);
    assert.equal(views.lateViews, 2);
  });

  test('time: the flow\'s own, arrival without it, with one in the future, or with --flow-time arrival', () => {
    const a = setup();
    a.views.add(flow({ src: '10.0.0.1', dst: '10.0.0.2', sport: 1, dport: 2, flags: S, start: 50 }), 70);
    a.views.add(flow({ src: '10.0.0.1', dst: '10.0.0.2', sport: 1, dport: 3, flags: S }), 70);
    a.views.settle();
    assert.deepEqual(
      a.seen.map((v) => v.ts),
      [50, 70],
    );
    assert.deepEqual([a.views.flowTimed, a.views.arrivalTimed], [1, 1]);
    // A start far after arrival is a wrong exporter clock: arrival time, so the clock is not dragged ahead.
    a.views.add(flow({ src: '10.0.0.1', dst: '10.0.0.2', sport: 1, dport: 4, flags: S, start: 70 + 3600 }), 80);
    a.views.settle();
    assert.equal(a.seen[2].ts, 80);
    assert.equal(a.views.futureTimed, 1);
    const b = setup({ time: 'arrival' });
    b.views.add(flow({ src: '10.0.0.1', dst: '10.0.0.2', sport: 1, dport: 2, flags: S, start: 50 }), 70);
    b.views.settle();
    assert.equal(b.seen[0].ts, 70);
  });

  test('held for --flow-hold after input stops, flushed early at --flow-max-held', () => {
    const clock = new ManualClock();
    const { views, seen } = setup({ holdMs: 40, maxHeld: 3 }, clock);
    views.add(flow({ src: '10.0.0.1', dst: '10.0.0.2', sport: 1, dport: 2, flags: S, start: 1 }), 0);
    views.settle();
    assert.equal(seen.length, 0);
    assert.equal(views.held, 1);
    clock.advance(39);
    assert.equal(seen.length, 0, 'still held 39 ms after the input stopped');
    clock.advance(1);
    assert.equal(seen.length, 1, 'handed on when the 40 ms hold is over');
    for (let i = 0; i < 3; i++) views.add(flow({ src: '10.0.0.1', dst: '10.0.0.2', sport: 1, dport: 10 + i, flags: S, start: 2 }), 0);
    assert.equal(seen.length, 4, 'the third add flushed');
    views.close();
  });

  test('IPv6, ICMPv6 and other protocols', () => {
    const { views, seen } = setup();
    views.add(flow({ src: '2001:db8::1', dst: '2001:db8::2', sport: 40000, dport: 443, flags: S, start: 1 }), 0);
    views.add(flow({ src: '2001:db8::1', dst: '2001:db8::2', proto: 58, dport: 128 * 256, start: 1 }), 0);
    views.add(flow({ src: '10.0.0.1', dst: '10.0.0.2', proto: 47, start: 1 }), 0);
    views.settle();
    assert.deepEqual(
      seen.map((v) => [v.src, v.dst, v.layers, v.icmpType]),
      [
        ['2001:db8::1', '2001:db8::2', Layer.IPV6 | Layer.TCP, -1],
        ['2001:db8::1', '2001:db8::2', Layer.IPV6 | Layer.ICMP6, 128],
        ['10.0.0.1', '10.0.0.2', Layer.IPV4, -1],
      ],
    );
  });

  test('a batch of one repeated direction (or a flood of them) pairs in linear time', () => {
    const { views, seen } = setup({ maxHeld: 100_000, maxRepeat: 1 });
    for (let i = 0; i < 50_000; i++) views.add(flow({ src: '10.0.0.1', dst: '10.0.0.2', sport: 1, dport: 2, flags: S, start: 1 }), 0);
    views.add(flow({ src: '10.0.0.2', dst: '10.0.0.1', sport: 2, dport: 1, flags: R | A, start: 1 }), 0);
    views.settle();
    // Counted, not timed: indexing the repeats again would probe ~n^2/2 = 1.25e9 slots.
    assert.ok(views.pairSteps < 10 * 50_001, `no quadratic probing: ${views.pairSteps} slots looked at`);
    assert.equal(seen.length, 50_001);
    assert.equal(seen[seen.length - 1].flags, R | A, 'the answer after every probe');
    assert.equal(views.paired, 50_001, 'every repeat finds the answer, and the answer its probe');
  });

  test('which side is the service, and flow times by magnitude', () => {
    assert.equal(dportIsService(443, 51000), true);
    assert.equal(dportIsService(51000, 443), false);
    assert.equal(dportIsService(8080, 60000), true);
    assert.equal(dportIsService(3000, 8080), true);
    assert.equal(epochSecondsByMagnitude(1_700_000_000), 1_700_000_000);
    assert.equal(epochSecondsByMagnitude(1_700_000_000_500), 1_700_000_000.5);
    assert.equal(epochSecondsByMagnitude(1_700_000_000_500_000), 1_700_000_000.5);
    assert.equal(epochSecondsByMagnitude(1_700_000_000_500_000_000), 1_700_000_000.5);
    assert.ok(Number.isNaN(epochSecondsByMagnitude(123_456)), 'uptime-like numbers are not times');
    assert.ok(Number.isNaN(epochSecondsByMagnitude(0)));
  });
});

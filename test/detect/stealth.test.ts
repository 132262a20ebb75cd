import assert from 'node:assert/strict';
import test from 'node:test';
import type { PacketView } from '../../src/decode/packet-view.js';
import { ACK, FIN, Harness, PSH, range, RST, tcp, URG } from './helpers/views.js';

const SCANNER = '192.168.1.10';
const VICTIM = '192.168.1.25';

/** Stealth probes with flags `flags` to `ports`, each answered RST (closed) unless `silent`. */
function probes(flags: number, ports: number[], t0 = 100, silent = false, window = 2048): PacketView[] {
  const out: PacketView[] = [];
  ports.forEach((p, i) => {
    out.push(tcp({ ts: t0 + i * 0.01, src: SCANNER, dst: VICTIM, sport: 60604, dport: p, flags, window }));
    if (!silent) out.push(tcp({ ts: t0 + i * 0.01 + 0.001, src: VICTIM, dst: SCANNER, sport: p, dport: 60604, flags: RST | ACK, window: 0 }));
  });
  return out;
}

for (const [name, flags] of [
  ['null', 0],
  ['fin', FIN],
  ['xmas', FIN | PSH | URG],
  ['maimon', FIN | ACK],
  ['ack', ACK],
] as const) {
  test(`stealth: ${name} probes to 5 ports of one host name a ${name} scan, 4 do not`, () => {
    const few = new Harness({ 'fingerprint-min': 1000 });
    few.feed(...probes(flags, range(1, 4))).flush();
    assert.equal(few.events.length, 0, 'four ports are not enough');
    const h = new Harness({ 'fingerprint-min': 1000 });
    h.feed(...probes(flags, range(1, 8))).flush();
    const [start] = h.of(SCANNER, 'start');
    assert.ok(start);
    assert.deepEqual(start.technique, [name]);
    assert.equal(start.pattern, 'vertical');
    assert.equal(start.probesToDetect, 5);
    assert.ok(start.detectors.some((d) => d.name === 'stealth' && d.score === 5 && d.threshold === 5));
    assert.equal(h.of(VICTIM).length, 0, 'the RSTs never make the victim a scanner');
  });
}

test('stealth: one stray FIN, repeated, never alerts', () => {
  const h = new Harness();
  for (let i = 0; i < 20; i++) h.feed(tcp({ ts: 100 + i, src: SCANNER, dst: VICTIM, dport: 80, flags: FIN }));
  h.flush();
  assert.equal(h.events.length, 0);
});

test('stealth: FIN+ACK and ACK of connections already running (answered with data) are not probes', () => {
  const h = new Harness();
  const client = '10.0.0.5';
  for (let i = 0; i < 8; i++) {
    const server = `93.184.216.${i + 1}`;
    const t = 100 + i;
    h.feed(tcp({ ts: t, src: client, dst: server, sport: 50000 + i, dport: 443, flags: ACK, window: 501 }));
    h.feed(tcp({ ts: t + 0.02, src: server, dst: client, sport: 443, dport: 50000 + i, flags: ACK | PSH, payload: 1200, window: 501 }));
    h.feed(tcp({ ts: t + 0.5, src: client, dst: server, sport: 50000 + i, dport: 443, flags: FIN | ACK, window: 501 }));
    h.feed(tcp({ ts: t + 0.52, src: server, dst: client, sport: 443, dport: 50000 + i, flags: FIN | ACK, window: 501 }));
  }
  h.flush(200);
  assert.equal(h.events.length, 0);
});

test('stealth: nmap -sA against a filtered host (no answers) is named after the probe timeout', () => {
  const h = new Harness({ 'probe-timeout': 2, 'fingerprint-min': 1000 });
  h.feed(...probes(ACK, range(20, 10), 100, true));
  assert.equal(h.events.length, 0, 'no decision before the timeout');
  h.feed(tcp({ ts: 103, src: '10.9.9.9', dst: '10.9.9.8', dport: 1, flags: ACK | PSH, payload: 10 })); // packet time moves on
  const [start] = h.of(SCANNER, 'start');
  assert.ok(start);
  assert.deepEqual(start.technique, ['ack']);
  assert.equal(start.probesToDetect, 10, 'all ten probes were sent before the first timeout');
  h.flush();
  assert.equal(h.of(SCANNER, 'end')[0].failures, 10);
});

test('stealth: window scan probes are reported as ack (nmap -sW sends the -sA probes)', () => {
  const h = new Harness();
  h.feed(...probes(ACK, range(1, 6), 100, false, 1024)).flush();
  assert.deepEqual(h.of(SCANNER, 'start')[0].technique, ['ack']);
  assert.equal(h.of(SCANNER, 'start')[0].tool, 'nmap');
});

/**
 * The OS-detection detector (issue 8 item 5): nmap -O's probes built byte for
 * byte as osscan2.cc builds them (prbWindowSz, prbOpts, sendT1_7Probe,
 * sendTIcmpProbe, send_closedudp_probe), decoded by the real decoder.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode } from '../../src/decode/decode.js';
import { PacketView } from '../../src/decode/packet-view.js';
import { DecodeStatus } from '../../src/decode/status.js';
import { osProbe, OS_PROBE_NAMES } from '../../src/detect/osscan/os-probes.js';
import { ethernet, icmp, ipv4, tcp, udp } from '../../src/decode/craft.js';
import { Harness } from './helpers/views.js';

const SCANNER = '10.0.0.1';
const VICTIM = '10.0.0.2';

// prbOpts[] of osscan2.cc, as bytes.
const TS = [8, 10, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0];
const OPTS: number[][] = [
  [3, 3, 10, 1, 2, 4, 5, 180, ...TS, 4, 2],
  [2, 4, 5, 120, 3, 3, 0, 4, 2, ...TS, 0],
  [...TS, 1, 1, 3, 3, 5, 1, 2, 4, 2, 128],
  [4, 2, ...TS, 3, 3, 10, 0],
  [2, 4, 2, 24, 4, 2, ...TS, 3, 3, 10, 0],
  [2, 4, 1, 9, 4, 2, ...TS],
  [3, 3, 10, 1, 2, 4, 5, 180, 4, 2, 1, 1],
  ...Array.from({ length: 5 }, () => [3, 3, 10, 1, 2, 4, 1, 9, ...TS, 4, 2]),
  [3, 3, 15, 1, 2, 4, 1, 9, ...TS, 4, 2],
];
const WINDOWS = [1, 63, 4, 4, 16, 512, 3, 128, 256, 1024, 31337, 32768, 65535];
const S = 0x02, F = 0x01, P = 0x08, A = 0x10, U = 0x20, E = 0x40, C = 0x80;
/** Flags of slots 0..12 (SEQ1-6, ECN, T2-T7). */
const FLAGS = [S, S, S, S, S, S, S | E | C, 0, S | F | U | P, A, S, A, F | P | U];

let clock = 1000;
function view(frame: Uint8Array): PacketView {
  const v = new PacketView();
  clock += 0.01;
  v.setRaw(frame, 0, frame.length, frame.length, 1, Math.floor(clock), Math.round((clock % 1) * 1e9));
  assert.equal(decode(v), DecodeStatus.OK);
  return v;
}

function tcpProbe(slot: number, dport: number, src = SCANNER): PacketView {
  return view(ethernet(ipv4(tcp({ sport: 45000 + slot, dport, flags: FLAGS[slot], window: WINDOWS[slot], options: OPTS[slot] }), { src, dst: VICTIM, proto: 6 })));
}

function ie(n: 1 | 2): PacketView {
  const ip = ipv4(icmp(8, n === 1 ? 9 : 0, new Uint8Array(n === 1 ? 120 : 150)), { src: SCANNER, dst: VICTIM, proto: 1 });
  if (n === 2) ip[1] = 4; // TOS IP_TOS_RELIABILITY
  return view(ethernet(ip));
}

function u1(): PacketView {
  return view(ethernet(ipv4(udp(45100, 31337, Array(300).fill(0x43)), { src: SCANNER, dst: VICTIM, proto: 17, id: 0x1042 })));
}

/** Every probe of one nmap -O run: SEQ1-6, ECN, T2-T7 (open port 22, closed 1), U1, IE1, IE2. */
function allProbes(): PacketView[] {
  const out: PacketView[] = [];
  for (let slot = 0; slot < 13; slot++) out.push(tcpProbe(slot, slot >= 10 ? 1 : 22));
  out.push(u1(), ie(1), ie(2));
  return out;
}

test('each of the 16 probes is recognised as itself', () => {
  const got = allProbes().map((v) => OS_PROBE_NAMES[osProbe(v)]);
  assert.deepEqual(got, ['SEQ1', 'SEQ2', 'SEQ3', 'SEQ4', 'SEQ5', 'SEQ6', 'ECN', 'T2', 'T3', 'T4', 'T5', 'T6', 'T7', 'U1', 'IE1', 'IE2']);
});

test('ordinary packets are no OS probe', () => {
  const linuxSyn = [2, 4, 5, 180, 4, 2, ...TS, 1, 3, 3, 7];
  const others = [
    view(ethernet(ipv4(tcp({ flags: S, window: 64240, options: linuxSyn }), { src: SCANNER, dst: VICTIM }))),
    view(ethernet(ipv4(tcp({ flags: S, window: 1024, options: [2, 4, 5, 180] }), { src: SCANNER, dst: VICTIM }))), // nmap -sS
    view(ethernet(ipv4(tcp({ flags: A, window: 1024 }), { src: SCANNER, dst: VICTIM }))), // nmap -sA
    view(ethernet(ipv4(tcp({ flags: A | P, window: 501, options: [1, 1, ...TS], payload: [1, 2, 3] }), { src: SCANNER, dst: VICTIM }))),
    view(ethernet(ipv4(tcp({ flags: S | A, window: 65160, options: linuxSyn }), { src: SCANNER, dst: VICTIM }))),
    view(ethernet(ipv4(icmp(8, 0, new Uint8Array(56)), { src: SCANNER, dst: VICTIM, proto: 1 }))), // ping
    view(ethernet(ipv4(udp(5353, 53, Array(300).fill(0x43)), { src: SCANNER, dst: VICTIM, proto: 17, id: 77 }))),
  ];
  for (const v of others) assert.equal(osProbe(v), -1);
});

test('nmap -O on two ports is named os, tool nmap, from its probes', () => {
  const h = new Harness();
  // The port scan part of the run: 22 open, 1 closed (nmap's MSS-only SYNs).
  h.feed(view(ethernet(ipv4(tcp({ sport: 44000, dport: 22, flags: S, window: 1024, options: [2, 4, 5, 180] }), { src: SCANNER, dst: VICTIM }))));
  h.feed(view(ethernet(ipv4(tcp({ sport: 22, dport: 44000, flags: S | A, window: 64240, options: [2, 4, 5, 180] }), { src: VICTIM, dst: SCANNER }))));
  h.feed(view(ethernet(ipv4(tcp({ sport: 44000, dport: 1, flags: S, window: 1024, options: [2, 4, 5, 180] }), { src: SCANNER, dst: VICTIM }))));
  h.feed(view(ethernet(ipv4(tcp({ sport: 1, dport: 44000, flags: 0x14, window: 0 }), { src: VICTIM, dst: SCANNER }))));
  assert.deepEqual(h.events, [], 'two ports alone are no scan');
  h.feed(...allProbes());
  h.flush(clock + 100);
  const start = h.of(SCANNER, 'start')[0];
  assert.ok(start, JSON.stringify(h.events));
  assert.equal(start.technique[0], 'os');
  assert.equal(start.tool, 'nmap');
  assert.ok(start.detectors.some((d) => d.name === 'osscan' && d.threshold === 4));
  const end = h.of(SCANNER, 'end')[0];
  assert.equal(end.technique[0], 'os');
  assert.equal(end.tool, 'nmap');
  assert.equal(end.pattern, 'vertical');
  assert.match(end.toolEvidence, /OS-detection/);
  assert.equal(h.counter('osscan.scanners'), 1);
  assert.equal(h.counter('osscan.probes'), 16);
});

test('retransmissions count once; three distinct probes stay below os-min', () => {
  const h = new Harness();
  for (let k = 0; k < 5; k++) h.feed(tcpProbe(0, 22), tcpProbe(1, 22), tcpProbe(2, 22));
  h.flush(clock + 100);
  assert.deepEqual(h.events, []);
  assert.equal(h.counter('osscan.probes'), 15);
  const low = new Harness({ 'os-min': 3 });
  low.feed(tcpProbe(0, 22), tcpProbe(1, 22), tcpProbe(2, 22));
  low.flush(clock + 100);
  assert.equal(low.of(SCANNER, 'start')[0]?.technique[0], 'os');
});

/**
 * IP fragment reassembly from literal bytes: nmap -f/-ff splits (the header
 * cut every 8 or 16 bytes, as libnetutil's send_frag_ip_packet does), out of
 * order, RFC 1858 overlaps, duplicates, IPv6 fragment headers, bounds
 * (entries, timeout), and decoding without a table.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode } from '../../src/decode/decode.js';
import { Reassembler } from '../../src/decode/fragments.js';
import { defaultReassembler } from '../../src/decode/module.js';
import { Evasion, Layer, PacketView } from '../../src/decode/packet-view.js';
import { DecodeStatus } from '../../src/decode/status.js';
import { cat, ethernet, ipv4, ipv6, tcp, udp } from '../../src/decode/craft.js';

const MSS = [2, 4, 0x05, 0xb4];
const SYN = tcp({ sport: 41000, dport: 22, flags: 0x02, window: 1024, options: MSS, seq: 0x01020304 }); // 24 bytes

/** IPv4 fragments of `payload` cut every `mtu` bytes (last one gets the rest), as nmap does. */
function fragments4(payload: Uint8Array, mtu: number, id = 777, proto = 6): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let off = 0; off < payload.length; off += mtu) {
    const part = payload.subarray(off, Math.min(off + mtu, payload.length));
    const more = off + mtu < payload.length ? 0x2000 : 0;
    out.push(ethernet(ipv4(part, { id, proto, fragOffset: more | (off / 8), src: '10.9.0.1', dst: '10.9.0.2' })));
  }
  return out;
}

/** One raw fragment: data for bytes [off, off + data.length). */
function frag4(data: number[] | Uint8Array, off: number, more: boolean, id = 777): Uint8Array {
  return ethernet(ipv4(new Uint8Array(data), { id, proto: 6, fragOffset: (more ? 0x2000 : 0) | (off / 8), src: '10.9.0.1', dst: '10.9.0.2' }));
}

function feed(r: Reassembler | null, pkts: Uint8Array[], t0 = 1700000000, dt = 0): { v: PacketView; statuses: number[] } {
  const v = new PacketView();
  const statuses: number[] = [];
  pkts.forEach((p, i) => {
    const buf = cat(new Uint8Array(3), p); // not at offset 0, as the readers do
    v.setRaw(buf, 3, p.length, p.length, 1, t0 + i * dt, 0);
    statuses.push(decode(v, r));
  });
  return { v, statuses };
}

test('nmap -f: a SYN cut into 8-byte fragments is decoded once, from the last, as the whole SYN', () => {
  const r = defaultReassembler();
  const { v, statuses } = feed(r, fragments4(SYN, 8));
  assert.deepEqual(statuses, [DecodeStatus.FRAGMENT, DecodeStatus.FRAGMENT, DecodeStatus.OK]);
  assert.ok(v.layers & Layer.TCP && v.layers & Layer.REASSEMBLED && v.layers & Layer.FRAGMENT);
  assert.equal(v.sport, 41000);
  assert.equal(v.dport, 22);
  assert.equal(v.tcpFlags, 0x02);
  assert.equal(v.tcpWindow, 1024);
  assert.equal(v.tcpMss, 1460);
  assert.equal(v.tcpOptionsLength, 4);
  assert.equal(v.tcpSeq, 0x01020304);
  assert.equal(v.payloadLength, 0);
  assert.equal(v.payloadOffset, -1);
  assert.equal(v.ipId, 777);
  assert.equal(v.evasion, Evasion.TINY_FRAGMENT);
  assert.deepEqual([r.fragments, r.reassembled, r.tiny, r.firstHeld], [3, 1, 1, 0]);
  assert.equal(r.table!.entries, 0, 'a complete datagram leaves the table');
});

test('nmap -ff (16 bytes) and out-of-order arrival: decoded when the header completes, whichever fragment that is', () => {
  const r = defaultReassembler();
  const [a, b] = fragments4(SYN, 16);
  assert.deepEqual(feed(r, [a, b]).statuses, [DecodeStatus.FRAGMENT, DecodeStatus.OK]);
  const [x, y, z] = fragments4(SYN, 8, 778);
  const { v, statuses } = feed(r, [z, x, y]);
  assert.deepEqual(statuses, [DecodeStatus.FRAGMENT, DecodeStatus.FRAGMENT, DecodeStatus.OK]);
  assert.equal(v.dport, 22);
  assert.equal(v.tcpMss, 1460);
  assert.equal(r.reassembled, 2);
});

test('a later fragment after the decoded datagram, or a duplicate, is skipped; a duplicate is not evasion', () => {
  const r = defaultReassembler();
  const f = fragments4(SYN, 8);
  const { statuses } = feed(r, [f[0], f[0], f[1], f[2]]);
  assert.deepEqual(statuses, [DecodeStatus.FRAGMENT, DecodeStatus.FRAGMENT, DecodeStatus.FRAGMENT, DecodeStatus.OK]);
  assert.equal(r.table!.duplicates, 1);
  assert.equal(r.table!.overlaps, 0);
});

test('RFC 1858 overlap: a harmless ACK header, then a fragment at offset 8 turning it into a SYN: decoded twice, OVERLAP evasion', () => {
  const r = defaultReassembler();
  const ack = tcp({ sport: 41000, dport: 80, flags: 0x10, window: 1024 }); // 20 bytes
  const syn = tcp({ sport: 41000, dport: 80, flags: 0x02, window: 1024 });
  const first = frag4(cat(ack, new Uint8Array(4)), 0, true); // 24 bytes: header + 4 of data, more follow
  const rewrite = frag4(syn.subarray(8, 24 > syn.length ? syn.length : 24), 8, false); // bytes 8..19: flags at 13
  const { v, statuses } = feed(r, [first]);
  assert.deepEqual(statuses, [DecodeStatus.OK]);
  assert.equal(v.tcpFlags, 0x10);
  assert.equal(v.layers & Layer.REASSEMBLED, 0, 'the first fragment held the header');
  const again = feed(r, [rewrite]).v;
  assert.equal(again.status, DecodeStatus.OK);
  assert.equal(again.tcpFlags, 0x02, 'the rewritten header is handed on');
  assert.ok(again.layers & Layer.REASSEMBLED);
  assert.equal(again.evasion & Evasion.OVERLAP, Evasion.OVERLAP);
  assert.deepEqual([r.table!.overlaps, r.reemitted], [1, 1]);
});

test('overlap before the header is complete: decoded once with the newest bytes and both evasion bits', () => {
  const r = defaultReassembler();
  const syn = tcp({ sport: 41000, dport: 80, flags: 0x02 });
  const fin = tcp({ sport: 41000, dport: 80, flags: 0x01 });
  const { v, statuses } = feed(r, [frag4(fin.subarray(0, 16), 0, true), frag4(syn.subarray(8, 16), 8, true), frag4(syn.subarray(16, 20), 16, false)]);
  assert.deepEqual(statuses, [DecodeStatus.FRAGMENT, DecodeStatus.FRAGMENT, DecodeStatus.OK]);
  assert.equal(v.tcpFlags, 0x02);
  assert.equal(v.evasion, Evasion.TINY_FRAGMENT | Evasion.OVERLAP);
});

test('ordinary fragmentation (first fragment holds the header): decoded from the packet, payload length of the fragment, no evasion', () => {
  const r = defaultReassembler();
  const big = udp(5353, 53, Array.from({ length: 2000 }, (_, i) => i & 255));
  const frags = fragments4(big, 1480, 9, 17);
  const { statuses } = feed(r, frags);
  assert.deepEqual(statuses, [DecodeStatus.OK, DecodeStatus.FRAGMENT]);
  const v = new PacketView();
  const r2 = defaultReassembler();
  v.setRaw(frags[0], 0, frags[0].length, frags[0].length, 1, 1, 0);
  decode(v, r2);
  assert.equal(v.dport, 53);
  assert.ok(v.layers & Layer.FRAGMENT);
  assert.equal(v.layers & Layer.REASSEMBLED, 0);
  assert.equal(v.evasion, 0);
  assert.equal(r2.firstHeld, 1);
  assert.equal(r.table!.entries, 0);
});

test('IPv6 fragment headers: a TCP SYN in 8-byte fragments is decoded once; a first fragment holding the header is direct', () => {
  const r = defaultReassembler();
  const fh = (off: number, more: boolean, id: number) => [6, 0, (off >> 5) & 0xff, ((off << 3) & 0xf8) | (more ? 1 : 0), 0, 0, (id >> 8) & 0xff, id & 0xff];
  const pkts = [0, 8, 16].map((off) => ethernet(ipv6(SYN.subarray(off, off + 8), { proto: 6, ext: [[44, fh(off / 8, off < 16, 0x1234)]] }), 0x86dd));
  const { v, statuses } = feed(r, pkts);
  assert.deepEqual(statuses, [DecodeStatus.FRAGMENT, DecodeStatus.FRAGMENT, DecodeStatus.OK]);
  assert.equal(v.ipVersion, 6);
  assert.equal(v.proto, 6);
  assert.equal(v.dport, 22);
  assert.equal(v.tcpMss, 1460);
  assert.equal(v.evasion, Evasion.TINY_FRAGMENT);
  const whole = ethernet(ipv6(SYN, { proto: 6, ext: [[44, fh(0, true, 0x99)]] }), 0x86dd);
  const d = feed(r, [whole]).v;
  assert.equal(d.status, DecodeStatus.OK);
  assert.equal(d.layers & Layer.REASSEMBLED, 0);
  assert.equal(d.dport, 22);
});

test('bounds: a full table evicts the oldest (counted); a datagram older than the timeout is dropped (counted)', () => {
  const r = new Reassembler({ maxEntries: 4, cap: 64, timeout: 30 });
  const firsts = Array.from({ length: 10 }, (_, i) => fragments4(SYN, 8, 1000 + i)[0]);
  feed(r, firsts);
  assert.equal(r.table!.entries, 4);
  assert.equal(r.table!.evictions, 6);
  // 31 s of packet time later, a new datagram: the four waiting ones time out as the sweep meets them.
  feed(r, [fragments4(SYN, 8, 5000)[0]], 1700000031);
  assert.equal(r.table!.timeouts, 4);
  assert.equal(r.table!.entries, 1);
  // The late rest of a timed-out datagram completes nothing.
  const late = fragments4(SYN, 8, 1009);
  assert.deepEqual(feed(r, [late[1], late[2]], 1700000031).statuses, [DecodeStatus.FRAGMENT, DecodeStatus.FRAGMENT]);
});

test('without a table: a first fragment holding the header is decoded, tiny ones are skipped, a cut capture is truncated', () => {
  const f = fragments4(SYN, 8);
  assert.deepEqual(feed(null, f).statuses, [DecodeStatus.FRAGMENT, DecodeStatus.FRAGMENT, DecodeStatus.FRAGMENT]);
  const off = new Reassembler({ maxEntries: 0, cap: 64, timeout: 30 });
  assert.equal(off.table, null);
  const first = fragments4(SYN, 24 + 8)[0];
  assert.deepEqual(feed(off, [first]).statuses, [DecodeStatus.OK]);
  const v = new PacketView();
  const big = frag4(cat(SYN, new Uint8Array(40)), 0, true);
  v.setRaw(big, 0, 14 + 20 + 10, big.length, 1, 1, 0); // snap length cuts the TCP header
  assert.equal(decode(v, null), DecodeStatus.TRUNCATED);
  assert.equal(decode(v, defaultReassembler()), DecodeStatus.TRUNCATED);
});

test('fuzz: random fragments never throw, statuses stay known, the table stays within its bounds', () => {
  const r = new Reassembler({ maxEntries: 8, cap: 32, timeout: 5 });
  let seed = 12345;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const v = new PacketView();
  for (let i = 0; i < 5000; i++) {
    const data = new Uint8Array(1 + Math.floor(rnd() * 40)).map(() => Math.floor(rnd() * 256));
    const off = Math.floor(rnd() * 8) * 8;
    const p = ethernet(ipv4(data, { id: Math.floor(rnd() * 4), proto: [6, 17, 132, 1, 47][Math.floor(rnd() * 5)], fragOffset: (rnd() < 0.7 ? 0x2000 : 0) | (off / 8) }));
    v.setRaw(p, 0, p.length, p.length, 1, 1700000000 + i * 0.01, 0);
    const s = decode(v, r);
    assert.ok(s >= 0 && s <= 6);
    assert.ok(r.table!.entries >= 0 && r.table!.entries <= 8);
  }
  assert.ok(r.reassembled + r.firstHeld > 0);
});

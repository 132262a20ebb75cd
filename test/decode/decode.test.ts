import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ipv4ToString, ipv6ToString } from '../../src/decode/address.js';
import { decode } from '../../src/decode/decode.js';
import { Layer, PacketView } from '../../src/decode/packet-view.js';
import { DecodeStatus } from '../../src/decode/status.js';
import { bsdNull, cat, ethernet, icmp, ipv4, ipv6, sll, sll2, tcp, udp } from '../../src/decode/craft.js';

function run(bytes: Uint8Array, linkType: number): PacketView {
  const v = new PacketView();
  // Put the packet at a non-zero offset of a larger buffer, as the readers do.
  const buf = cat(new Uint8Array(7), bytes, new Uint8Array(5));
  v.setRaw(buf, 7, bytes.length, bytes.length, linkType, 1700000000, 5);
  decode(v);
  return v;
}

const MSS_ONLY = [2, 4, 0x05, 0xb4];

test('Ethernet IPv4 TCP SYN: addresses, ports, flags, window, options, IP id', () => {
  const v = run(ethernet(ipv4(tcp({ sport: 51000, dport: 443, flags: 0x02, window: 1024, options: MSS_ONLY, seq: 0xdeadbeef }), { src: '192.168.1.10', dst: '192.168.1.25', id: 54321 })), 1);
  assert.equal(v.status, DecodeStatus.OK);
  assert.equal(v.ipVersion, 4);
  assert.equal(ipv4ToString(v.src4), '192.168.1.10');
  assert.equal(ipv4ToString(v.dst4), '192.168.1.25');
  assert.equal(v.sport, 51000);
  assert.equal(v.dport, 443);
  assert.equal(v.tcpFlags, 0x02);
  assert.equal(v.tcpWindow, 1024);
  assert.equal(v.tcpMss, 1460);
  assert.equal(v.tcpOptionKinds, 1 << 2);
  assert.equal(v.tcpSeq, 0xdeadbeef);
  assert.equal(v.ipId, 54321);
  assert.ok(v.layers & Layer.TCP && v.layers & Layer.IPV4);
  assert.equal(v.ts, 1700000000 + 5e-9);
});

test('VLAN: 802.1Q and QinQ (802.1ad outer) tags are walked', () => {
  const inner = ipv4(udp(5353, 53), { proto: 17 });
  const one = run(ethernet(inner, 0x0800, [42]), 1);
  assert.equal(one.status, DecodeStatus.OK);
  assert.equal(one.vlan, 42);
  assert.equal(one.dport, 53);
  const qinq = ethernet(inner, 0x0800, [100, 200]);
  qinq[12] = 0x88;
  qinq[13] = 0xa8; // outer tag 802.1ad
  const two = run(qinq, 1);
  assert.equal(two.status, DecodeStatus.OK);
  assert.equal(two.vlan, 100);
  assert.ok(two.layers & Layer.VLAN);
});

test('every link type: SLL, SLL2, raw IPv4/IPv6, BSD null (both orders), DLT_LOOP, LINKTYPE_IPV4/IPV6', () => {
  const p4 = ipv4(tcp({ dport: 22 }));
  const p6 = ipv6(tcp({ dport: 8443 }));
  const cases: [string, Uint8Array, number, number][] = [
    ['sll', sll(p4), 113, 22],
    ['sll v6', sll(p6, 0x86dd), 113, 8443],
    ['sll2', sll2(p4), 276, 22],
    ['sll2 v6', sll2(p6, 0x86dd), 276, 8443],
    ['raw v4', p4, 101, 22],
    ['raw v6', p6, 101, 8443],
    ['raw 12', p4, 12, 22],
    ['null LE', bsdNull(p4, 2), 0, 22],
    ['null BE', bsdNull(p4, 2, false), 0, 22],
    ['null v6 macOS', bsdNull(p6, 30), 0, 8443],
    ['null v6 linux', bsdNull(p6, 10), 0, 8443],
    ['loop', bsdNull(p6, 24, false), 108, 8443],
    ['ipv4', p4, 228, 22],
    ['ipv6', p6, 229, 8443],
  ];
  for (const [name, bytes, lt, port] of cases) {
    const v = run(bytes, lt);
    assert.equal(v.status, DecodeStatus.OK, name);
    assert.equal(v.dport, port, name);
  }
});

test('IPv6 extension headers are walked to TCP; a non-first fragment is skipped (status FRAGMENT)', () => {
  const hbh = [0, 0, 1, 4, 0, 0, 0, 0]; // next, len 0, PadN
  const dst = [0, 0, 1, 4, 0, 0, 0, 0];
  const v = run(ethernet(ipv6(tcp({ dport: 25 }), { ext: [[0, hbh], [60, dst]], src: '2001:db8::a', dst: '2001:db8::b' }), 0x86dd), 1);
  assert.equal(v.status, DecodeStatus.OK);
  assert.equal(v.proto, 6);
  assert.equal(v.dport, 25);
  assert.equal(ipv6ToString(v.src6), '2001:db8::a');
  const firstFrag = run(ipv6(udp(1, 53), { proto: 17, ext: [[44, [0, 0, 0, 1, 0, 0, 0, 7]]] }), 101);
  // A first fragment that holds the whole header is decoded as the datagram.
  assert.equal(firstFrag.status, DecodeStatus.OK);
  assert.equal(firstFrag.dport, 53);
  assert.ok(firstFrag.layers & Layer.FRAGMENT);
  const later = run(ipv6(udp(1, 53), { proto: 17, ext: [[44, [0, 0, 0x05, 0x00, 0, 0, 0, 7]]] }), 101);
  assert.equal(later.status, DecodeStatus.FRAGMENT);
  assert.ok(later.layers & Layer.FRAGMENT);
  assert.equal(later.layers & Layer.UDP, 0);
  const v4frag = run(ipv4(tcp(), { fragOffset: 0x0010 }), 101);
  assert.equal(v4frag.status, DecodeStatus.FRAGMENT);
  assert.ok(v4frag.layers & Layer.FRAGMENT);
  assert.equal(v4frag.dport, 0);
});

test('ICMP and ICMPv6 unreachable: the quoted probe is decoded', () => {
  const probe = ipv4(udp(33333, 161), { src: '10.0.0.1', dst: '10.0.0.9', proto: 17 });
  const v = run(ipv4(icmp(3, 3, probe.subarray(0, 28)), { src: '10.0.0.9', dst: '10.0.0.1', proto: 1 }), 101);
  assert.equal(v.status, DecodeStatus.OK);
  assert.equal(v.icmpType, 3);
  assert.equal(v.icmpCode, 3);
  assert.ok(v.layers & Layer.ICMP_QUOTE);
  assert.equal(v.innerProto, 17);
  assert.equal(ipv4ToString(v.innerSrc4), '10.0.0.1');
  assert.equal(ipv4ToString(v.innerDst4), '10.0.0.9');
  assert.equal(v.innerSport, 33333);
  assert.equal(v.innerDport, 161);
  const probe6 = ipv6(tcp({ sport: 1234, dport: 80 }), { src: '2001:db8::1', dst: '2001:db8::9' });
  const v6 = run(ipv6(icmp(1, 4, probe6.subarray(0, 48)), { proto: 58, src: '2001:db8::9', dst: '2001:db8::1' }), 101);
  assert.equal(v6.icmpType, 1);
  assert.ok(v6.layers & Layer.ICMP_QUOTE);
  assert.equal(v6.innerDport, 80);
  assert.equal(ipv6ToString(v6.innerDst6), '2001:db8::9');
  const echo = run(ipv4(icmp(8, 0), { proto: 1 }), 101);
  assert.equal(echo.layers & Layer.ICMP_QUOTE, 0);
});

test('damage is counted by reason: truncation, bad IP header, bad TCP header; non-IP and unknown links', () => {
  const good = ethernet(ipv4(tcp({ options: MSS_ONLY })));
  for (let len = 0; len < good.length; len++) {
    const v = run(good.subarray(0, len), 1);
    // The MSS option may be cut: the header proper is what matters.
    const want = len >= 14 + 20 + 20 ? DecodeStatus.OK : DecodeStatus.TRUNCATED;
    assert.equal(v.status, want, `cut at ${len}`);
  }
  assert.equal(run(ipv4(tcp(), { ihlWords: 4 }), 101).status, DecodeStatus.BAD_IP);
  assert.equal(run(ipv4(tcp(), { totalLength: 10 }), 101).status, DecodeStatus.BAD_IP);
  assert.equal(run(ipv4(tcp({ dataOffsetWords: 3 })), 101).status, DecodeStatus.BAD_TRANSPORT);
  const wrongVersion = ipv4(tcp());
  wrongVersion[0] = 0x55;
  assert.equal(run(ethernet(wrongVersion), 1).status, DecodeStatus.BAD_IP);
  assert.equal(run(ethernet(new Uint8Array(28), 0x0806), 1).status, DecodeStatus.NOT_IP);
  assert.equal(run(ipv4(tcp()), 147).status, DecodeStatus.UNSUPPORTED_LINK);
  assert.equal(run(ipv4(tcp()), 100000).status, DecodeStatus.UNSUPPORTED_LINK);
});

test('fuzz: random and mutated bytes on every link type never throw and always give a known status', () => {
  let seed = 12345;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const seeds = [ethernet(ipv4(tcp({ options: MSS_ONLY }))), ethernet(ipv6(icmp(1, 4, ipv6(tcp()))), 0x86dd), sll2(ipv4(icmp(3, 3, ipv4(udp(1, 2)))))];
  const counts = new Map<number, number>();
  for (let i = 0; i < 20000; i++) {
    const base = seeds[i % seeds.length];
    const bytes = i % 4 === 0 ? new Uint8Array(Math.floor(rnd() * 80)).map(() => Math.floor(rnd() * 256)) : base.slice(0, Math.floor(rnd() * (base.length + 1)));
    for (let k = 0; k < 3; k++) if (bytes.length) bytes[Math.floor(rnd() * bytes.length)] = Math.floor(rnd() * 256);
    const lt = [0, 1, 101, 108, 113, 228, 229, 276][i % 8];
    const v = run(bytes, lt);
    assert.ok(v.status >= 0 && v.status <= 6);
    counts.set(v.status, (counts.get(v.status) ?? 0) + 1);
  }
  assert.equal([...counts.values()].reduce((a, b) => a + b, 0), 20000);
  assert.ok((counts.get(DecodeStatus.OK) ?? 0) > 0 && (counts.get(DecodeStatus.TRUNCATED) ?? 0) > 0);
});

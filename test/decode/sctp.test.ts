/** SCTP decoding (src/decode/sctp.ts) and quotes of SCTP and protocol probes in ICMP errors. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode } from '../../src/decode/decode.js';
import { Layer, PacketView } from '../../src/decode/packet-view.js';
import { DecodeStatus } from '../../src/decode/status.js';
import { ethernet, icmp, ipv4, ipv6 } from '../../src/decode/craft.js';

/** Common header (ports, tag, checksum) and one chunk of `type` with a 4-byte body. */
const sctp = (sport: number, dport: number, type: number) =>
  new Uint8Array([sport >> 8, sport & 255, dport >> 8, dport & 255, 0, 0, 0, 0, 0, 0, 0, 0, type, 0, 0, 8, 0, 0, 0, 0]);

function run(frame: Uint8Array): PacketView {
  const v = new PacketView();
  v.setRaw(frame, 0, frame.length, frame.length, 1, 1000, 0);
  decode(v);
  return v;
}

test('SCTP INIT: ports and first chunk type', () => {
  const v = run(ethernet(ipv4(sctp(40000, 80, 1), { proto: 132 })));
  assert.equal(v.status, DecodeStatus.OK);
  assert.ok((v.layers & Layer.SCTP) !== 0);
  assert.equal(v.sport, 40000);
  assert.equal(v.dport, 80);
  assert.equal(v.sctpChunk, 1);
  assert.equal(v.proto, 132);
});

test('SCTP over IPv6, and a header with no chunk', () => {
  const v = run(ethernet(ipv6(sctp(1, 2, 10), { proto: 132 }), 0x86dd));
  assert.equal(v.sctpChunk, 10);
  const bare = run(ethernet(ipv4(sctp(1, 2, 1).subarray(0, 12), { proto: 132 })));
  assert.equal(bare.status, DecodeStatus.OK);
  assert.equal(bare.sctpChunk, -1);
});

test('a datagram shorter than its SCTP header is bad_transport (damage, not a snap length); the next packet resets sctpChunk', () => {
  const v = run(ethernet(ipv4(sctp(1, 2, 1).subarray(0, 8), { proto: 132 })));
  assert.equal(v.status, DecodeStatus.BAD_TRANSPORT);
  const w = new PacketView();
  const a = ethernet(ipv4(sctp(1, 2, 6), { proto: 132 }));
  w.setRaw(a, 0, a.length, a.length, 1, 1, 0);
  decode(w);
  assert.equal(w.sctpChunk, 6);
  const b = ethernet(ipv4(new Uint8Array(8), { proto: 17 }));
  w.setRaw(b, 0, b.length, b.length, 1, 1, 0);
  decode(w);
  assert.equal(w.sctpChunk, -1);
});

test('ICMP unreachable quoting an SCTP probe: inner ports read', () => {
  const probe = ipv4(sctp(40000, 2905, 1), { src: '10.0.0.1', dst: '10.0.0.2', proto: 132 });
  const v = run(ethernet(ipv4(icmp(3, 2, probe.subarray(0, 28)), { src: '10.0.0.2', dst: '10.0.0.1', proto: 1 })));
  assert.ok((v.layers & Layer.ICMP_QUOTE) !== 0);
  assert.equal(v.innerProto, 132);
  assert.equal(v.innerDport, 2905);
});

test('ICMP protocol unreachable quoting an empty protocol probe: inner protocol and addresses, no ports', () => {
  const probe = ipv4(new Uint8Array(0), { src: '10.0.0.1', dst: '10.0.0.2', proto: 99 });
  const v = run(ethernet(ipv4(icmp(3, 2, probe), { src: '10.0.0.2', dst: '10.0.0.1', proto: 1 })));
  assert.equal(v.status, DecodeStatus.OK);
  assert.equal(v.innerProto, 99);
  assert.equal(v.innerSrc4, 0x0a000001);
  assert.equal((v.layers & Layer.ICMP_QUOTE), 0);
});

test('ICMPv6 parameter problem quoting an empty extension header: the first next header is the inner protocol', () => {
  // Destination options (60) with no bytes behind the IPv6 header: the walk cannot go on.
  const probe = ipv6(new Uint8Array(0), { src: 'fd00::1', dst: 'fd00::2', proto: 60 });
  const v = run(ethernet(ipv6(icmp(4, 1, probe), { src: 'fd00::2', dst: 'fd00::1', proto: 58 }), 0x86dd));
  assert.equal(v.status, DecodeStatus.OK);
  assert.equal(v.innerProto, 60);
  const probe2 = ipv6(new Uint8Array(0), { src: 'fd00::1', dst: 'fd00::2', proto: 99 });
  assert.equal(run(ethernet(ipv6(icmp(4, 1, probe2), { src: 'fd00::2', dst: 'fd00::1', proto: 58 }), 0x86dd)).innerProto, 99);
});

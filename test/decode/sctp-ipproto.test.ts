/**
 * SCTP (RFC 9260) and IP protocol scan probes (nmap -sO) from literal bytes.
 * The INIT below is byte for byte what nmap 7.93 -sY sent in the lab
 * (captures/nmap-sY.pcap: sctp_pack_chunkhdr_init with a_rwnd 32768, 10
 * outbound streams, 2048 inbound).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode } from '../../src/decode/decode.js';
import { defaultReassembler } from '../../src/decode/module.js';
import { Layer, PacketView, SctpChunk } from '../../src/decode/packet-view.js';
import { DecodeStatus } from '../../src/decode/status.js';
import { ethernet, icmp, ipv4, ipv6, tcp, udp } from '../../src/decode/craft.js';

const tcpWith = (options: number[]) => tcp({ flags: 0x02, options });

function run(bytes: Uint8Array, caplen = bytes.length): PacketView {
  const v = new PacketView();
  v.setRaw(bytes, 0, caplen, bytes.length, 1, 1700000000, 0);
  decode(v, defaultReassembler());
  return v;
}

// sport 44708, dport 1, vtag 0, crc32c; INIT chunk: type 1, flags 0, length 20, init tag, a_rwnd, OS, MIS, TSN.
const INIT = new Uint8Array([
  0xae, 0xa4, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x6a, 0x1c, 0x22, 0x37,
  0x01, 0x00, 0x00, 0x14, 0xf6, 0xdc, 0x2c, 0x05, 0x00, 0x00, 0x80, 0x00, 0x00, 0x0a, 0x08, 0x00, 0x6c, 0xe0, 0x6b, 0x1e,
]);
// nmap -sZ: COOKIE ECHO (type 10) with a 4-byte chunk header only, vtag 0.
const COOKIE_ECHO = new Uint8Array([0xc4, 0x94, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x11, 0x22, 0x33, 0x44, 0x0a, 0x00, 0x00, 0x04]);
const sctp4 = (payload: Uint8Array) => ethernet(ipv4(payload, { proto: 132, src: '10.91.0.1', dst: '10.91.0.2' }));

test('SCTP INIT over IPv4: ports, verification tag, first chunk type', () => {
  const v = run(sctp4(INIT));
  assert.equal(v.status, DecodeStatus.OK);
  assert.ok(v.layers & Layer.SCTP);
  assert.equal(v.proto, 132);
  assert.equal(v.sport, 44708);
  assert.equal(v.dport, 1);
  assert.equal(v.sctpVtag, 0);
  assert.equal(v.sctpChunk, SctpChunk.INIT);
  assert.equal(v.payloadLength, 20);
});

test('SCTP COOKIE ECHO (nmap -sZ), and over IPv6', () => {
  const v = run(sctp4(COOKIE_ECHO));
  assert.equal(v.sctpChunk, SctpChunk.COOKIE_ECHO);
  assert.equal(v.dport, 5);
  const v6 = run(ethernet(ipv6(INIT, { proto: 132 }), 0x86dd));
  assert.equal(v6.status, DecodeStatus.OK);
  assert.ok(v6.layers & Layer.SCTP);
  assert.equal(v6.sctpChunk, SctpChunk.INIT);
  assert.equal(v6.dport, 1);
});

test('SCTP answers: INIT-ACK (open) and ABORT (closed) carry the probe\'s tag', () => {
  const answer = (type: number, vtag: number) =>
    new Uint8Array([0x00, 0x01, 0xae, 0xa4, vtag >>> 24, (vtag >> 16) & 255, (vtag >> 8) & 255, vtag & 255, 0, 0, 0, 0, type, type === SctpChunk.ABORT ? 1 : 0, 0, 4]);
  const ack = run(sctp4(answer(SctpChunk.INIT_ACK, 0xf6dc2c05)));
  assert.equal(ack.sctpChunk, SctpChunk.INIT_ACK);
  assert.equal(ack.sctpVtag, 0xf6dc2c05);
  assert.equal(ack.sport, 1);
  const abort = run(sctp4(answer(SctpChunk.ABORT, 0xf6dc2c05)));
  assert.equal(abort.sctpChunk, SctpChunk.ABORT);
});

test('SCTP damage: a cut capture is truncated, a chunk length below 4 or a datagram shorter than the common header is bad', () => {
  const whole = sctp4(INIT);
  assert.equal(run(whole, 14 + 20 + 8).status, DecodeStatus.TRUNCATED);
  const chunkOnly = run(whole, 14 + 20 + 12); // common header captured, chunk cut: still SCTP
  assert.equal(chunkOnly.status, DecodeStatus.OK);
  assert.equal(chunkOnly.sctpChunk, -1);
  const bad = INIT.slice();
  bad[15] = 2;
  assert.equal(run(sctp4(bad)).status, DecodeStatus.BAD_TRANSPORT);
  assert.equal(run(sctp4(INIT.subarray(0, 8))).status, DecodeStatus.BAD_TRANSPORT);
});

test('ICMP protocol unreachable quoting an SCTP probe names its ports', () => {
  const probe = ipv4(INIT, { proto: 132, src: '10.91.0.1', dst: '10.91.0.2' });
  const v = run(ethernet(ipv4(icmp(3, 2, probe.subarray(0, 28)), { proto: 1, src: '10.91.0.2', dst: '10.91.0.1' })));
  assert.ok(v.layers & Layer.ICMP_QUOTE);
  assert.equal(v.innerProto, 132);
  assert.equal(v.innerSport, 44708);
  assert.equal(v.innerDport, 1);
  const probe6 = ipv6(INIT, { proto: 132, src: 'fd91::1', dst: 'fd91::2' });
  const v6 = run(ethernet(ipv6(icmp(4, 1, probe6.subarray(0, 48)), { proto: 58, src: 'fd91::2', dst: 'fd91::1' }), 0x86dd));
  assert.ok(v6.layers & Layer.ICMP_QUOTE);
  assert.equal(v6.innerProto, 132);
  assert.equal(v6.innerDport, 1);
});

test('nmap -sO: empty probes of any protocol (IP-in-IP, GRE, ESP, even TCP/UDP/ICMP with no bytes) are OK with proto set', () => {
  for (const proto of [4, 41, 47, 50, 6, 17, 1, 58, 132]) {
    const v = run(ethernet(ipv4(new Uint8Array(0), { proto })));
    assert.equal(v.status, DecodeStatus.OK, `IPv4 proto ${proto}`);
    assert.equal(v.proto, proto);
    assert.equal(v.layers & (Layer.TCP | Layer.UDP | Layer.SCTP | Layer.ICMP4 | Layer.ICMP6), 0);
    const v6 = run(ethernet(ipv6(new Uint8Array(0), { proto }), 0x86dd));
    assert.equal(v6.status, DecodeStatus.OK, `IPv6 proto ${proto}`);
    assert.equal(v6.proto, proto);
  }
});

test('a short transport header is damage when the datagram says so, truncation when the capture cut it', () => {
  const short = ethernet(ipv4(new Uint8Array([0, 53, 0, 53]), { proto: 17 }));
  assert.equal(run(short).status, DecodeStatus.BAD_TRANSPORT);
  const cut = ethernet(ipv4(udp(1, 53), { proto: 17 }));
  assert.equal(run(cut, 14 + 20 + 4).status, DecodeStatus.TRUNCATED);
  assert.equal(run(cut, 14 + 20).status, DecodeStatus.TRUNCATED, 'cut right after the IP header is not an empty probe');
});

test('UDP checksum, IPv4 flags and the TCP timestamp option are read (tool fingerprints use them)', () => {
  const d = udp(1, 53, [1, 2]);
  d[6] = 0xbe;
  d[7] = 0xef;
  const p = ethernet(ipv4(d, { proto: 17, fragOffset: 0x4000 }));
  const v = run(p);
  assert.equal(v.udpChecksum, 0xbeef);
  assert.equal(v.ipFlags, 2, 'DF');
  const ts = [1, 1, 8, 10, 0x65, 0x4f, 0x00, 0x01, 0, 0, 0, 0];
  const syn = run(ethernet(ipv4(tcpWith(ts), { proto: 6 })));
  assert.equal(syn.tcpTsval, 0x654f0001);
  assert.equal(syn.tcpTsecr, 0);
});

/**
 * bench/shard: the pieces whose mistakes would make its event comparison lie.
 * The shard key must send both directions of a probe/answer pair to one
 * worker; the batch ring must hand back every record byte for byte, across
 * slot boundaries. (Speed is bench/shard.ts's business, never asserted here.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shardOf } from '../../bench/shard/key.js';
import { consume, RingProducer, ringBuffer, SLOT_BYTES, type RawPacket } from '../../bench/shard/ring.js';
import { CidrSet } from '../../src/decode/cidr-set.js';
import { decode } from '../../src/decode/decode.js';
import { PacketView } from '../../src/decode/packet-view.js';

const LOCAL = new CidrSet(['10.1.0.0/16']);

/** An Ethernet + IPv4 frame: TCP (flags), UDP, or ICMP port unreachable quoting a UDP datagram dst -> src. */
function frame(src: number, dst: number, proto: 1 | 6 | 17, sport: number, dport: number, flags = 0): Buffer {
  const l4 = proto === 6 ? 20 : proto === 17 ? 8 : 36;
  const b = Buffer.alloc(14 + 20 + l4);
  b.writeUInt16BE(0x0800, 12);
  b[14] = 0x45;
  b.writeUInt16BE(20 + l4, 16);
  b[22] = 64;
  b[23] = proto;
  b.writeUInt32BE(src >>> 0, 26);
  b.writeUInt32BE(dst >>> 0, 30);
  const t = 34;
  if (proto === 1) {
    b[t] = 3;
    b[t + 1] = 3;
    const q = t + 8;
    b[q] = 0x45;
    b.writeUInt16BE(28, q + 2);
    b[q + 8] = 64;
    b[q + 9] = 17;
    b.writeUInt32BE(dst >>> 0, q + 12);
    b.writeUInt32BE(src >>> 0, q + 16);
    b.writeUInt16BE(dport, q + 20);
    b.writeUInt16BE(sport, q + 22);
    b.writeUInt16BE(8, q + 24);
    return b;
  }
  b.writeUInt16BE(sport, t);
  b.writeUInt16BE(dport, t + 2);
  if (proto === 6) {
    b[t + 12] = 0x50;
    b[t + 13] = flags;
  } else b.writeUInt16BE(8, t + 4);
  return b;
}

function shard(b: Buffer, workers: number): number {
  const v = new PacketView();
  v.setRaw(b, 0, b.length, b.length, 1, 1_700_000_000, 0);
  assert.equal(decode(v), 0, 'test frame decodes');
  return shardOf(v, LOCAL, workers);
}

test('a probe and its answer go to the same worker, inbound and between local hosts', () => {
  let seed = 7;
  const rnd = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0);
  const spread = new Set<number>();
  for (let i = 0; i < 300; i++) {
    const scanner = 0xc0000000 + (rnd() & 0x3fffffff); // 192.0.0.0/2: never inside 10.1/16
    const local = 0x0a010000 + (rnd() & 0xffff);
    const local2 = 0x0a010000 + (rnd() & 0xffff);
    const hi = 32768 + (rnd() % 30000);
    const lo = 1 + (rnd() % 1024);
    for (const workers of [2, 3, 4]) {
      const pairs: [Buffer, Buffer][] = [
        [frame(scanner, local, 6, hi, lo, 0x02), frame(local, scanner, 6, lo, hi, 0x14)], // SYN, RST+ACK
        [frame(scanner, local, 6, hi, hi + 1, 0x29), frame(local, scanner, 6, hi + 1, hi, 0x04)], // Xmas to a higher port, RST
        [frame(scanner, local, 17, hi, hi + 7), frame(local, scanner, 1, hi, hi + 7)], // UDP, ICMP unreachable
        [frame(local, local2, 6, hi, lo, 0x02), frame(local2, local, 6, lo, hi, 0x12)], // local SYN, SYN-ACK
        [frame(local, local2, 6, hi, lo, 0x18), frame(local2, local, 6, lo, hi, 0x18)], // data both ways
        [frame(local, local2, 17, hi, lo), frame(local2, local, 1, hi, lo)], // local UDP probe, ICMP unreachable
      ];
      for (const [probe, answer] of pairs) assert.equal(shard(answer, workers), shard(probe, workers));
      spread.add(shard(pairs[0][0], workers));
    }
  }
  assert.ok(spread.size > 1, 'sources are spread over the workers');
});

test('the ring hands back every record, byte for byte, across slots', () => {
  const sab = ringBuffer();
  const producer = new RingProducer(sab);
  const sent: RawPacket[] = [];
  let total = 0;
  for (let i = 0; total < 2.5 * SLOT_BYTES; i++) {
    const n = i % 7 === 0 ? 1500 : 40 + (i % 90); // both copy paths (loop up to 96 bytes, set() above)
    const bytes = new Uint8Array(n + 10);
    for (let j = 0; j < bytes.length; j++) bytes[j] = (i * 31 + j) & 255;
    const p: RawPacket = { bytes, offset: 10, caplen: n, wirelen: n + i, linkType: 1 + (i % 3), tsSec: 1_700_000_000 + i, tsNsec: i * 1000 };
    producer.push(p);
    sent.push(p);
    total += n + 24;
  }
  producer.end(1234.5);
  assert.ok(producer.batches >= 3, `spans slots (${producer.batches} batches)`);
  let k = 0;
  const last = consume(sab, (r) => {
    const s = sent[k++];
    assert.deepEqual([r.tsSec, r.tsNsec, r.caplen, r.wirelen, r.linkType], [s.tsSec, s.tsNsec, s.caplen, s.wirelen, s.linkType]);
    assert.deepEqual(r.bytes.subarray(r.offset, r.offset + r.caplen), s.bytes.subarray(s.offset, s.offset + s.caplen));
  });
  assert.equal(k, sent.length);
  assert.equal(last, 1234.5);
});

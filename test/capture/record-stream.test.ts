/**
 * RecordStream: the cap engine's packet records read back from a pipe whose
 * chunks end anywhere (src/capture/record-stream.ts). No root, no capture.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PacketView } from '../../src/decode/packet-view.js';
import { RecordStream } from '../../src/capture/record-stream.js';

interface Rec {
  sec: number;
  nsec: number;
  bytes: number[];
}

/** Records as cap-child-main.ts writes them: four u32 (native order), then the bytes padded to 4. */
function encode(recs: Rec[]): Uint8Array {
  const size = recs.reduce((a, r) => a + 16 + ((r.bytes.length + 3) & ~3), 0);
  const ab = new ArrayBuffer(size);
  const words = new Uint32Array(ab);
  const bytes = new Uint8Array(ab);
  let off = 0;
  for (const r of recs) {
    words.set([r.sec, r.nsec, r.bytes.length, r.bytes.length], off >>> 2);
    bytes.set(r.bytes, off + 16);
    off += 16 + ((r.bytes.length + 3) & ~3);
  }
  return bytes;
}

function sample(n: number): Rec[] {
  // Lengths 0..69: every padding case, and records both shorter and longer than a header.
  return Array.from({ length: n }, (_, i) => ({
    sec: 1_700_000_000 + i,
    nsec: (i * 7919) % 1e9,
    bytes: Array.from({ length: (i * 13) % 70 }, (_, j) => (i + j) & 255),
  }));
}

function collect(initialBytes?: number): { stream: RecordStream; got: Rec[] } {
  const got: Rec[] = [];
  const stream = new RecordStream(
    new PacketView(),
    1,
    (v) => {
      assert.equal(v.linkType, 1);
      assert.equal(v.wirelen, v.caplen);
      got.push({ sec: v.tsSec, nsec: v.tsNsec, bytes: Array.from(v.bytes.subarray(v.offset, v.offset + v.caplen)) });
    },
    initialBytes,
  );
  return { stream, got };
}

test('every record comes out whole, whatever the cut between two chunks', () => {
  const recs = sample(12);
  const wire = encode(recs);
  for (let cut = 0; cut <= wire.length; cut++) {
    const { stream, got } = collect();
    stream.feed(wire.subarray(0, cut));
    stream.feed(wire.subarray(cut));
    assert.deepEqual(got, recs, `cut at byte ${cut}`);
    assert.equal(stream.pending, 0);
    assert.equal(stream.delivered, recs.length);
  }
});

test('one byte at a time, and records larger than the starting buffer', () => {
  const recs = sample(40);
  const wire = encode(recs);
  const { stream, got } = collect(64); // grows (once per need) past 64 bytes
  for (let i = 0; i < wire.length; i++) stream.feed(wire.subarray(i, i + 1));
  assert.deepEqual(got, recs);
  assert.equal(stream.pending, 0);
});

test('halted from inside onPacket: nothing more is delivered, later chunks ignored', () => {
  const recs = sample(10);
  const wire = encode(recs);
  let n = 0;
  const stream: RecordStream = new RecordStream(new PacketView(), 1, () => {
    if (++n === 3) stream.halted = true;
  });
  stream.feed(wire.subarray(0, wire.length - 5));
  stream.feed(wire.subarray(wire.length - 5));
  assert.equal(n, 3);
  assert.equal(stream.delivered, 3);
});

test('a handler that throws: the error goes out, the stream stays in step', () => {
  const recs = sample(6);
  const wire = encode(recs);
  const seen: number[] = [];
  const stream = new RecordStream(new PacketView(), 1, (v) => {
    seen.push(v.tsSec);
    if (seen.length === 2) throw new Error('detector bug');
  });
  assert.throws(() => stream.feed(wire), /detector bug/);
  // The record that threw was consumed; the rest are still there, aligned.
  stream.feed(new Uint8Array(0));
  assert.deepEqual(seen, recs.map((r) => r.sec));
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CidrSet } from '../../src/decode/cidr-set.js';
import { PacketView, Layer, TcpFlag } from '../../src/decode/packet-view.js';
import { binEntropy, PortBitmap, totalEntropy } from '../../src/detect/entropy/bitmap.js';
import { EntropyDetector } from '../../src/detect/entropy/detector.js';
import { bitsPerBin, pengHash, spreadHash } from '../../src/detect/entropy/hash.js';
import { validateGeometry } from '../../src/detect/entropy/module.js';
import type { FrameStat } from '../../src/sink/schema.js';

const DEFAULT = { bins: 16, size: 1024 };

function entropyOf(ports: Iterable<number>, g = DEFAULT, hash = pengHash(g)): { total: number; bins: number[] } {
  const bm = new PortBitmap(g.bins, bitsPerBin(g), hash);
  for (const p of ports) bm.addPort(p);
  const bins = bm.binEntropies();
  return { total: totalEntropy(bins), bins };
}

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

test("Peng's hash: bin = floor(port/1024) mod 16, bit = floor(port/16) mod 64 with the defaults", () => {
  const h = pengHash(DEFAULT);
  for (const port of [0, 1, 15, 16, 80, 443, 1023, 1024, 8080, 16384, 65535]) {
    const bin = Math.floor(port / 1024) % 16;
    const bit = Math.floor(port / 16) % 64;
    assert.equal(h(port), bin * 64 + bit, `port ${port}`);
  }
  assert.equal(h(80), h(80 + 16384), 'ports p and p+16384 collide');
});

test('per-bin entropy: 0, exactly 1 at half, 2 when full, and the 2 - h flip', () => {
  assert.equal(binEntropy(0, 64), 0);
  assert.equal(binEntropy(32, 64), 1);
  assert.equal(binEntropy(64, 64), 2);
  assert.equal(binEntropy(33, 64), 1.0007045556378453);
  assert.ok(binEntropy(31, 64) < 1 && binEntropy(40, 64) > 1);
});

test('reference table of peng.md to 6 decimals (B=16, S=1024)', () => {
  const cases: [number[], string][] = [
    [[80], '0.007257'],
    [[22, 80, 443], '0.017061'],
    [range(1, 1000), '0.117743'],
    [range(1024, 4500), '0.435906'],
    [range(1, 65535), '2.000000'],
  ];
  for (const [ports, want] of cases) assert.equal(entropyOf(ports).total.toFixed(6), want, `ports ${ports.length}`);
  assert.equal(entropyOf([80]).bins[0].toFixed(6), '0.116115');
  assert.equal(entropyOf(range(1, 1000)).bins[0].toFixed(6), '1.883885');
  const mid = entropyOf(range(1024, 4500)).bins;
  assert.deepEqual(mid.slice(1, 4), [2, 2, 2]);
  assert.equal(mid[4].toFixed(6), '0.974489');
});

test('spread hash reaches every bit of any geometry; Peng hash does not with -bin 128', () => {
  const g = { bins: 128, size: 1024 };
  assert.ok(entropyOf(range(0, 65535), g).total <= 1.0 + 1e-12, "Peng's hash leaves half the bins empty");
  assert.equal(entropyOf(range(0, 65535), g, spreadHash(g)).total, 2);
  const s = spreadHash(DEFAULT);
  assert.equal(s(0), 0);
  assert.equal(s(65535), 1023);
});

test('geometry validation explains instead of crashing', () => {
  assert.throws(() => validateGeometry(2048, 1024), /larger than -size/);
  assert.throws(() => validateGeometry(16, 1000), /not a multiple of -bin 16.*try -size 992 or 1008/);
  assert.deepEqual(validateGeometry(16, 65536), { bins: 16, size: 65536 });
  // Peng panics at -size 65536; here its hash fills bin 0 (ports/16 < 4096 bits) and stops.
  assert.equal(entropyOf(range(0, 65535), { bins: 16, size: 65536 }).total, 2 / 16);
});

function syn(view: PacketView, ts: number, dst4: number, dport: number, flags = TcpFlag.SYN): PacketView {
  view.resetDecoded();
  view.ts = ts;
  view.ipVersion = 4;
  view.layers = Layer.IPV4 | Layer.TCP;
  view.src4 = 0x0a000001;
  view.dst4 = dst4;
  view.dport = dport;
  view.tcpFlags = flags;
  return view;
}

function detector(frames: FrameStat[], timeFrame = 60) {
  return new EntropyDetector({
    bins: 16,
    bitsPerBin: 64,
    hash: pengHash(DEFAULT),
    timeFrame,
    localNets: new CidrSet(['192.168.1.0/24']),
    withBitmaps: false,
    closeGrace: 2,
    emit: (f) => frames.push(f),
  });
}

test('frames follow packet time, aligned to the frame length; SYN-ACKs are not counted', () => {
  const frames: FrameStat[] = [];
  const d = detector(frames);
  const v = new PacketView();
  const victim = 0xc0a80119;
  d.onPacket(syn(v, 1000, victim, 80)); // frame [960, 1020)
  d.onPacket(syn(v, 1010, victim, 443, TcpFlag.SYN | TcpFlag.ACK));
  d.onPacket(syn(v, 1019.999, 0x08080808, 53)); // CLIENT
  d.onPacket(syn(v, 1020, victim, 22)); // closes [960,1020)
  assert.equal(frames.length, 1);
  assert.deepEqual([frames[0].start, frames[0].end], [960, 1020]);
  assert.equal(frames[0].server.toFixed(6), '0.007257');
  assert.equal(frames[0].serverSyns, 1);
  assert.equal(frames[0].clientSyns, 1);
  // A gap of two empty frames is reported frame by frame, as a live sensor would.
  d.onPacket(syn(v, 1200, victim, 22));
  assert.deepEqual(
    frames.map((f) => f.end),
    [1020, 1080, 1140, 1200],
  );
  d.flush(1210);
  assert.equal(frames.length, 5);
  assert.equal(frames[4].end, 1210, 'the partial frame ends at the last packet');
});

test('no SYN is lost at a frame boundary, and the quiet-wire tick closes frames after a grace', () => {
  const frames: FrameStat[] = [];
  const d = detector(frames, 10);
  const v = new PacketView();
  for (let i = 0; i < 1000; i++) d.onPacket(syn(v, 100 + i * 0.02, 0xc0a80101, i)); // 100..119.98 s
  d.tick(121); // within the grace of frame [110,120)
  assert.equal(frames.length, 1);
  d.tick(122.5);
  assert.equal(frames.length, 2);
  assert.equal(
    frames.reduce((n, f) => n + f.serverSyns, 0),
    1000,
  );
});

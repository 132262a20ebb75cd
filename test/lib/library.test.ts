import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CidrSet, EntropyDetector, FileSource, Output, Sensor, StatsRegistry, type FrameStat, type PortHash } from '../../src/index.js';
import { SAMPLE } from '../helpers/cli.js';

test('a pipeline assembled from the exported parts, with an injected hash, as the README shows', async () => {
  // Every port into bin 0, bit (port mod 64): a user's own hash, as Peng's HashFunc allows.
  const myHash: PortHash = (port) => port % 64;
  const frames: FrameStat[] = [];
  const stats = new StatsRegistry();
  const output = new Output(stats);
  output.add({ name: 'mine', write: (r) => void (r.kind === 'frame' && frames.push(r)), flush: async () => {}, close: async () => {} });
  const entropy = new EntropyDetector({
    bins: 16,
    bitsPerBin: 64,
    hash: myHash,
    timeFrame: 60,
    localNets: new CidrSet(['10.99.0.0/24']),
    withBitmaps: false,
    closeGrace: 2,
    emit: output.emit,
  });
  await new Sensor({ source: new FileSource(SAMPLE), detectors: [entropy], output, stats }).run();
  assert.ok(frames.length >= 1);
  const server = frames.reduce((m, f) => Math.max(m, f.server), 0);
  // 1000 ports fill all 64 bits of bin 0 (entropy 2) and nothing else: 2/16.
  assert.equal(server, 2 / 16);
  assert.ok(stats.snapshot()['packets.decoded'] > 2000);
});

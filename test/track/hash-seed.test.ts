import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DistinctCounter } from '../../src/track/distinct-counter.js';
import { setHashSeed } from '../../src/track/hash.js';
import { runCli } from '../helpers/cli.js';
import { ethernet, ipv4, pcapFile, tcp } from '../../src/decode/craft.js';

const dir = mkdtempSync(join(tmpdir(), 'peng-seed-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** One distinct count past the sketch's exact range, with a given seed. */
function sketchCount(seed: number, n: number): number {
  setHashSeed(seed);
  const c = new DistinctCounter(64, 7);
  for (let i = 0; i < n; i++) c.add(0x0a000000 + i * 7919);
  return c.count;
}

test('the sketch gives the same estimate for the same seed, and another for another seed', () => {
  const a = sketchCount(1, 5000);
  assert.equal(sketchCount(1, 5000), a);
  const others = [2, 3, 4, 5].map((s) => sketchCount(s, 5000));
  assert.ok(others.some((x) => x !== a), `the seed reaches the sketch: ${a} vs ${others}`);
});

test('a replay gives the same counts every run (fixed default seed); --hash-seed picks another', () => {
  // A zmap-like horizontal sweep: 3,000 hosts on port 80, past every exact counter.
  const recs = [];
  for (let i = 0; i < 3000; i++) {
    const dst = `10.1.${i >> 8}.${i & 255}`;
    recs.push({ sec: 1_700_000_000 + Math.floor(i / 100), frac: (i % 100) * 10_000, data: ethernet(ipv4(tcp({ dport: 80, sport: 40000 + (i % 1000) }), { src: '192.0.2.7', dst, id: 54321 })) });
  }
  const path = join(dir, 'sweep.pcap');
  writeFileSync(path, pcapFile(1, recs));
  const targets = (extra: string[] = []) => {
    const r = runCli(['-r', path, '--local-net', '10.0.0.0/8', '-verbose', '0', '--alerts', '-', ...extra]);
    assert.equal(r.code, 0, r.stderr);
    const end = r.stdout.trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.event === 'end');
    assert.ok(end, r.stdout);
    return end.targets as number;
  };
  const runs = [targets(), targets(), targets()];
  assert.deepEqual(runs, [runs[0], runs[0], runs[0]], 'same capture, same count');
  assert.ok(Math.abs(runs[0] - 3000) < 3000 * 0.2, `${runs[0]} close to 3000`);
  const seeded = [targets(['--hash-seed', '7']), targets(['--hash-seed', '7'])];
  assert.equal(seeded[0], seeded[1]);
});

/**
 * A few seconds of fuzzing in every test run: seeded mutants of the sample
 * capture through the readers, decode, every detector and every formatter.
 * A failure names the seed and iteration and keeps the input in
 * $TMPDIR/peng-fuzz-failure-*.bin; replay it with
 * `node --import tsx test/fuzz/run.ts --file PATH`.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { seedCorpus } from './corpus.js';
import { checkCounters, fuzzCapture, mutate, rng } from './fuzz-capture.js';

const SECONDS = Number(process.env.PENG_FUZZ_SECONDS ?? 3);
const SEED = Number(process.env.PENG_FUZZ_SEED ?? 20261201);

test('every seed reads whole and clean', () => {
  for (const s of seedCorpus()) {
    const r = fuzzCapture(s.bytes);
    assert.equal(r.damaged, false, s.name);
    assert.equal(r.packets, 120, s.name);
    assert.equal(checkCounters(r), null, s.name);
    assert.ok(r.records > 0, `${s.name}: frames and events were made`);
  }
});

test(`mutated captures (${SECONDS} s, seed ${SEED}): no throw, counters add up`, () => {
  const corpus = seedCorpus();
  const r = rng(SEED);
  const end = Date.now() + SECONDS * 1000;
  const tally = { runs: 0, damaged: 0, rejected: 0, badTime: 0 };
  // At least 50 iterations whatever the machine; the time bound keeps the suite short.
  for (let i = 0; i < 100_000 && (i < 50 || Date.now() < end); i++) {
    const seed = corpus[i % corpus.length];
    const input = mutate(seed.bytes, r);
    let res;
    try {
      res = fuzzCapture(input);
    } catch (e) {
      const path = join(tmpdir(), `peng-fuzz-failure-${SEED}-${i}.bin`);
      writeFileSync(path, input);
      assert.fail(`iteration ${i} (${seed.name} mutant, kept in ${path}) threw: ${(e as Error).stack}`);
    }
    const bad = checkCounters(res);
    if (bad) {
      const path = join(tmpdir(), `peng-fuzz-failure-${SEED}-${i}.bin`);
      writeFileSync(path, input);
      assert.fail(`iteration ${i} (${seed.name} mutant, kept in ${path}): ${bad}`);
    }
    tally.runs++;
    if (res.damaged) tally.damaged++;
    if (res.format === 'rejected') tally.rejected++;
    if (res.counters['packets.bad_time'] > 0) tally.badTime++;
  }
  assert.ok(tally.runs >= 50);
  // The mutator reaches the interesting paths: damage stops, and stamps out of range.
  assert.ok(tally.damaged > 0, JSON.stringify(tally));
});

/**
 * A fuzzing campaign outside the test suite:
 *   node --import tsx test/fuzz/run.ts [SECONDS] [SEED] [MAX_INPUTS]   mutants of the seed corpus
 *   node --import tsx test/fuzz/run.ts --file PATH         one input, e.g. a kept failure
 * Prints a tally: inputs, clean reads, damaged, rejected, with packets out of
 * the time range, throws (by first line of the message) and counter mismatches.
 */
import { readFileSync } from 'node:fs';
import { seedCorpus } from './corpus.js';
import { checkCounters, fuzzCapture, mutate, rng } from './fuzz-capture.js';

const args = process.argv.slice(2);
if (args[0] === '--file') {
  const r = fuzzCapture(new Uint8Array(readFileSync(args[1])));
  process.stdout.write(JSON.stringify({ ...r, check: checkCounters(r) }, null, 1) + '\n');
} else {
  const seconds = Number(args[0] ?? 30);
  const r = rng(Number(args[1] ?? 1));
  const corpus = seedCorpus();
  const end = Date.now() + seconds * 1000;
  const maxInputs = Number(args[2] ?? Infinity);
  const tally = { inputs: 0, clean: 0, damaged: 0, rejected: 0, badTime: 0, mismatches: 0, throws: 0 };
  const throws = new Map<string, number>();
  for (let i = 0; i < maxInputs && Date.now() < end; i++) {
    const input = mutate(corpus[i % corpus.length].bytes, r);
    tally.inputs++;
    try {
      const res = fuzzCapture(input);
      if (checkCounters(res)) tally.mismatches++;
      if (res.format === 'rejected') tally.rejected++;
      else if (res.damaged) tally.damaged++;
      else tally.clean++;
      if (res.counters['packets.bad_time'] > 0) tally.badTime++;
    } catch (e) {
      tally.throws++;
      const k = String((e as Error)?.message ?? e).split('\n')[0].slice(0, 80);
      throws.set(k, (throws.get(k) ?? 0) + 1);
    }
  }
  process.stdout.write(JSON.stringify({ ...tally, throwsBy: Object.fromEntries(throws) }, null, 1) + '\n');
}

/**
 * Issue 9's second core: the tracker sharded by scanner side across worker
 * threads (bench/shard/, design and figures in bench/SHARD.md). For the
 * realistic, adversarial and flood captures (bench/make-capture.ts), one
 * process per run: the single-threaded product, the main thread's share alone
 * (`0 workers`: read, decode, entropy, victim detector, no copy), then 1 and
 * 2 workers; wall seconds, CPU seconds (all threads), packets/s, peak RSS,
 * and whether the events (count per scanner and per victim) are the same as
 * the single-threaded replay's. A figure, never an assertion.
 *   node --import tsx bench/shard.ts
 * BENCH_PACKETS: capture size (default 3,000,000; the flood is 2/3 of it).
 * BENCH_SHARD_RUNS: runs of each, interleaved, best kept (default 1).
 * SHARD_SNAP=128: the main thread copies only each frame's first 128 bytes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCapture, type CaptureMix } from './make-capture.js';

const here = import.meta.dirname;
const BIG = Number(process.env.BENCH_PACKETS ?? 3_000_000);
const RUNS = Math.max(1, Number(process.env.BENCH_SHARD_RUNS ?? 1));
const MODES = [['single'], ['shard', '0'], ['shard', '1'], ['shard', '2']] as const;

interface Run {
  mode: string;
  packets: number;
  seconds: number;
  cpuSeconds: number;
  maxRssMiB: number;
  perWorker: number[];
  producerWaits: number;
  mainCpu: number;
  workerCpu: number[];
  tally: Record<string, number>;
}

function run(mode: readonly string[], file: string): Run {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'shard', 'run-one.ts'), mode[0], file, ...mode.slice(1)], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${mode.join(' ')} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Run;
}

/** Differences between two tallies, as "key: a vs b" (empty when the same). */
function diff(a: Record<string, number>, b: Record<string, number>): string[] {
  const out: string[] = [];
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) if ((a[k] ?? 0) !== (b[k] ?? 0)) out.push(`${k}: ${a[k] ?? 0} vs ${b[k] ?? 0}`);
  return out.sort();
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const label = (m: readonly string[]) => (m[0] === 'single' ? 'single thread' : m[1] === '0' ? 'main thread only (0 workers)' : `${m[1]} worker${m[1] === '1' ? '' : 's'}`);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'peng-shard-'));
  try {
    const captures: [string, string][] = [];
    for (const [mix, n] of [['realistic', BIG], ['adversarial', BIG], ['flood', Math.round((BIG * 2) / 3)]] as [CaptureMix, number][]) {
      const path = join(dir, `${mix}.pcap`);
      process.stdout.write(`making ${mix} (${fmt(n)} packets)...\n`);
      await makeCapture(path, n, mix);
      captures.push([mix, path]);
    }
    console.log(`\n## Sharded tracker (bench/SHARD.md), best of ${RUNS} run(s), interleaved`);
    console.log('CPU s: user + system of the whole process (every thread, GC and compiler helpers too); main / workers: each JS thread\'s own.');
    console.log('Projected: wall seconds on 2 idle cores = max(busiest thread, process CPU / 2); on a shared machine the wall column is not the code\'s.');
    console.log('Events: scan events per scanner and distributed events per victim, against the single-threaded run.');
    console.log('| capture | run | wall s | CPU s | main thread CPU s | worker threads CPU s | projected s (2 idle cores) | projected packets/s | peak RSS | packets per worker | producer waits | events |');
    console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
    const notes: string[] = [];
    for (const [mix, file] of captures) {
      const best = new Map<string, Run>();
      for (let i = 0; i < RUNS; i++) {
        for (const m of MODES) {
          const r = run(m, file);
          const key = m.join(' ');
          const b = best.get(key);
          if (!b) best.set(key, r);
          else {
            b.seconds = Math.min(b.seconds, r.seconds);
            b.cpuSeconds = Math.min(b.cpuSeconds, r.cpuSeconds);
            b.maxRssMiB = Math.min(b.maxRssMiB, r.maxRssMiB);
            b.mainCpu = Math.min(b.mainCpu, r.mainCpu);
            b.workerCpu = b.workerCpu.map((c, j) => Math.min(c, r.workerCpu[j]));
          }
        }
      }
      const single = best.get('single')!;
      for (const m of MODES) {
        const r = best.get(m.join(' '))!;
        let events = '';
        if (m[0] === 'single') events = `${Object.values(r.tally).reduce((s, c) => s + c, 0)} events, ${new Set(Object.keys(r.tally).map((k) => k.split(' ')[1])).size} named`;
        else if (m[1] === '0') events = '(entropy, victims only)';
        else {
          const d = diff(single.tally, r.tally);
          events = d.length === 0 ? 'same' : `**${d.length} differ**`;
          if (d.length) notes.push(`${mix}, ${label(m)}: ${d.slice(0, 10).join('; ')}${d.length > 10 ? '; ...' : ''}`);
        }
        const projected = Math.max(r.mainCpu, ...r.workerCpu, r.cpuSeconds / 2);
        console.log(
          `| ${mix} | ${label(m)} | ${r.seconds.toFixed(2)} | ${r.cpuSeconds.toFixed(2)} | ${r.mainCpu.toFixed(2)} | ${r.workerCpu.length ? r.workerCpu.map((c) => c.toFixed(2)).join(' / ') : '-'} | ` +
            `${projected.toFixed(2)} | ${fmt(r.packets / projected)} | ` +
            `${r.maxRssMiB.toFixed(0)} MiB | ${r.perWorker.length ? r.perWorker.map(fmt).join(' / ') : '-'} | ${m[0] === 'shard' && m[1] !== '0' ? r.producerWaits : '-'} | ${events} |`,
        );
      }
    }
    for (const n of notes) console.log(`- differs (single vs sharded): ${n}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});

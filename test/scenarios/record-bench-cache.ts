/**
 * Records the lab scenarios of catalog.ts (real nmap, masscan, zmap, fping,
 * hping3 between two network namespaces, benign traffic alongside) into the
 * detection bench's cache: <slug>.pcap plus <slug>.json, which carries what
 * the bench judges the replay against (scanner, technique, pattern, tool, the
 * lab's benign and victim addresses), so bench/ needs nothing from test/.
 * Scenarios already cached are kept; PENG_BENCH_RERECORD=1 records all again.
 * Needs root; run it under the lab lock:
 *   flock /tmp/peng-lab.lock node --import tsx test/scenarios/record-bench-cache.ts [CACHE]
 * (CACHE defaults to PENG_BENCH_CACHE, else /tmp/peng-detect-bench-cache.)
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BENIGN4, BENIGN6, labUnavailable, LOCAL_NETS, ScanLab, which } from '../helpers/scan-lab.js';
import type { BenchMeta } from '../../bench/detect/bench-meta.js';
import { LAB_VICTIMS, runScenario, SCENARIOS } from './catalog.js';

async function main(cache: string): Promise<void> {
  mkdirSync(cache, { recursive: true });
  const rerecord = process.env.PENG_BENCH_RERECORD === '1';
  const todo = SCENARIOS.filter((s) => rerecord || !existsSync(join(cache, `${s.slug}.json`)) || !existsSync(join(cache, `${s.slug}.pcap`)));
  if (todo.length === 0) return;
  const why = labUnavailable();
  if (why) throw new Error(`lab scenarios not recorded: ${why}`);
  const lab = await ScanLab.create();
  try {
    for (const s of todo) {
      if (!which(s.binary)) {
        process.stderr.write(`${s.slug}: ${s.binary} not installed, not recorded\n`);
        continue;
      }
      process.stderr.write(`recording ${s.slug}...\n`);
      const run = await runScenario(lab, s, cache, { live: false });
      if (run.scan.code !== 0) process.stderr.write(`${s.slug}: scanner exited ${run.scan.code}: ${run.scan.stderr.trim().slice(-300)}\n`);
      // The command with this run's interface and MAC, for the record.
      const meta: BenchMeta = {
        slug: s.slug,
        command: run.command,
        recordedAt: new Date().toISOString(),
        packets: run.recorded.captured,
        scanner: s.scanner,
        technique: s.technique[0]!,
        pattern: s.pattern,
        tool: s.tool,
        benign: [BENIGN4, ...(s.ipv6 ? [BENIGN6] : [])],
        victims: [...LAB_VICTIMS],
        localNets: LOCAL_NETS,
      };
      writeFileSync(join(cache, `${s.slug}.json`), JSON.stringify(meta, null, 2) + '\n');
    }
  } finally {
    await lab.destroy();
  }
}

main(resolve(process.argv[2] ?? process.env.PENG_BENCH_CACHE ?? '/tmp/peng-detect-bench-cache')).catch((e: unknown) => {
  process.stderr.write(`record-bench-cache: ${(e as Error).message}\n`);
  process.exitCode = 1;
});

/**
 * `npm run bench`: figures for the README, never assertions.
 * 1. Replay throughput of the full pipeline on a large synthetic capture,
 *    against `tcpdump -r FILE -w /dev/null` on the same file, in the same run.
 * 2. Peak RSS at two capture sizes (memory must stay flat in capture size).
 * 3. The pcap-parser package on the same file, for the reader choice.
 * Then the detection table and the flow rates, when those benches exist.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCapture } from './make-capture.js';

const here = import.meta.dirname;
const dir = mkdtempSync(join(tmpdir(), 'peng-bench-'));
const BIG = Number(process.env.BENCH_PACKETS ?? 2_000_000);

interface ChildResult {
  packets: number;
  seconds: number;
  maxRssMiB: number;
  detectors: string[];
  scanEvents: number;
}

function replay(file: string, only?: string): ChildResult {
  const env = { ...process.env, ...(only ? { BENCH_ONLY: only } : {}) };
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'replay-child.ts'), file], { encoding: 'utf8', maxBuffer: 16 << 20, env });
  if (r.status !== 0) throw new Error(`replay failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildResult;
}

function tcpdumpSeconds(file: string): number | null {
  try {
    execFileSync('which', ['tcpdump']);
  } catch {
    return null;
  }
  const t0 = process.hrtime.bigint();
  execFileSync('tcpdump', ['-r', file, '-w', '/dev/null'], { stdio: 'ignore' });
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function pcapParserSeconds(file: string): Promise<{ seconds: number; packets: number }> {
  const { default: pcapParser } = (await import('pcap-parser')) as unknown as { default: { parse: (s: NodeJS.ReadableStream) => NodeJS.EventEmitter } };
  const t0 = process.hrtime.bigint();
  let packets = 0;
  await new Promise<void>((resolve, reject) => {
    const parser = pcapParser.parse(createReadStream(file));
    parser.on('packet', () => packets++);
    parser.on('end', () => resolve());
    parser.on('error', reject);
  });
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, packets };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const small = join(dir, 'half.pcap');
  const big = join(dir, 'full.pcap');
  const flood = join(dir, 'flood.pcap');
  process.stdout.write(`making captures of ${fmt(BIG / 2)} and ${fmt(BIG)} packets in ${dir}...\n`);
  await makeCapture(small, BIG / 2);
  await makeCapture(big, BIG);
  await makeCapture(flood, BIG / 2, 'flood');
  const mib = statSync(big).size / 2 ** 20;

  const half = replay(small);
  const full = replay(big);
  const spoofed = replay(flood);
  const pengOnly = replay(big, 'entropy');
  const tcpdump = tcpdumpSeconds(big);
  const ours = full.packets / full.seconds;
  console.log('\n## Replay throughput (full pipeline: decode + ' + full.detectors.join(', ') + ')');
  console.log(`capture: ${fmt(full.packets)} packets, ${mib.toFixed(0)} MiB: 500 clients in whole TCP/UDP conversations with 64 servers, a SYN scanner, 1% spoofed SYNs (bench/make-capture.ts)`);
  console.log(`| reader | seconds | packets/s |`);
  console.log(`|---|---|---|`);
  console.log(`| peng-ts, full pipeline | ${full.seconds.toFixed(2)} | ${fmt(ours)} |`);
  console.log(`| peng-ts, decode + entropy only (Peng's feature set) | ${pengOnly.seconds.toFixed(2)} | ${fmt(pengOnly.packets / pengOnly.seconds)} |`);
  if (tcpdump !== null) console.log(`| tcpdump -r FILE -w /dev/null | ${tcpdump.toFixed(2)} | ${fmt(full.packets / tcpdump)} |`);
  if (tcpdump !== null) {
    const rate = full.packets / tcpdump;
    console.log(`ratio to tcpdump: full pipeline ${(ours / rate).toFixed(2)}, entropy only ${(pengOnly.packets / pengOnly.seconds / rate).toFixed(2)}`);
  }
  console.log('\n## Peak RSS (flat in capture size)');
  console.log(`| packets | peak RSS |`);
  console.log(`|---|---|`);
  console.log(`| ${fmt(half.packets)} | ${half.maxRssMiB.toFixed(0)} MiB |`);
  console.log(`| ${fmt(full.packets)} | ${full.maxRssMiB.toFixed(0)} MiB |`);
  console.log('\n## Worst case: every packet a SYN from a new spoofed source');
  console.log(`${fmt(spoofed.packets)} packets: ${fmt(spoofed.packets / spoofed.seconds)} packets/s, peak RSS ${spoofed.maxRssMiB.toFixed(0)} MiB (tables stay at their caps)`);

  const pp = await pcapParserSeconds(small);
  console.log('\n## Capture-file reader: the pcap-parser package vs ours (read only, no decode)');
  console.log(`pcap-parser: ${fmt(pp.packets / pp.seconds)} packets/s on ${fmt(pp.packets)} packets (one object and Buffer per packet)`);

  for (const extra of ['detect/detection.bench.ts', 'flows.bench.ts', 'classifier/classifier.bench.ts']) {
    const path = join(here, extra);
    if (!existsSync(path)) continue;
    const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', path], { encoding: 'utf8', stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) console.log(`(${extra} failed with code ${r.status})`);
  }
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => rmSync(dir, { recursive: true, force: true }));

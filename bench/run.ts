/**
 * `npm run bench`: figures for the README, never assertions.
 * 1. Issue 9's two 3M-packet captures (bench/make-capture.ts: realistic and
 *    adversarial mixes): the full pipeline against `tcpdump -r FILE -w
 *    /dev/null` on the same file in the same run, and the cost of each stage
 *    (read, decode, entropy, tracker, detectors, sinks) as the difference
 *    between replays that stop after it (bench/replay-child.ts).
 * 2. A 2M-packet spoofed SYN flood (about 2M sources) with a real scanner
 *    hidden in it: packets/s, peak RSS, and whether the scanner is named.
 * 3. Peak RSS flat in capture size; the pcap-parser package as a reader.
 * Then the detection table and the flow rates, when those benches exist.
 * BENCH_PACKETS scales the 3M captures (the flood is 2/3 of it).
 * Optional, off by default (they add minutes): BENCH_SHARD=1 runs
 * bench/shard.ts (the tracker on 1 and 2 worker threads); BENCH_LIVE=1 runs
 * bench/live-drops.ts (kernel drops on a veth; root, under the lab lock).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HIDDEN_SCANNER, makeCapture, type CaptureMix } from './make-capture.js';

const here = import.meta.dirname;
const dir = mkdtempSync(join(tmpdir(), 'peng-bench-'));
const BIG = Number(process.env.BENCH_PACKETS ?? 3_000_000);
const STAGES = ['read', 'decode', 'entropy', 'tracker', 'detectors', 'sinks'] as const;

interface ChildResult {
  stage: string;
  packets: number;
  seconds: number;
  cpuSeconds: number;
  maxRssMiB: number;
  detectors: string[];
  scanEvents: number;
  named: string[];
  sources: number;
}

function replay(file: string, stage = 'detectors', extra: string[] = []): ChildResult {
  const env = { ...process.env, BENCH_STAGE: stage };
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'replay-child.ts'), file, ...extra], { encoding: 'utf8', maxBuffer: 16 << 20, env });
  if (r.status !== 0) throw new Error(`replay failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildResult;
}

const hasTcpdump = (() => {
  try {
    execFileSync('which', ['tcpdump'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function timed(args: string[]): number {
  const t0 = process.hrtime.bigint();
  execFileSync('tcpdump', args, { stdio: 'ignore' });
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** tcpdump's read time, its start-up (reading a 1-packet file) subtracted. */
function tcpdumpSeconds(file: string, tiny: string): number | null {
  if (!hasTcpdump) return null;
  const startup = Math.min(timed(['-r', tiny, '-w', '/dev/null']), timed(['-r', tiny, '-w', '/dev/null']));
  return Math.max(1e-3, timed(['-r', file, '-w', '/dev/null']) - startup);
}

/** tcpdump's CPU time (user + system, from the shell's `times`), its start-up subtracted. */
function tcpdumpCpu(file: string, tiny: string): number | null {
  if (!hasTcpdump) return null;
  const cpu = (f: string) => {
    const out = execFileSync('bash', ['-c', 'tcpdump -r "$1" -w /dev/null 2>/dev/null; times', '_', f], { encoding: 'utf8' });
    const [u, s] = out.trim().split('\n')[1].split(/\s+/).map((t) => {
      const m = /(\d+)m([\d.]+)s/.exec(t)!;
      return Number(m[1]) * 60 + Number(m[2]);
    });
    return u + s;
  };
  return Math.max(1e-3, cpu(file) - cpu(tiny));
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
const mpps = (packets: number, seconds: number) => (packets / seconds / 1e6).toFixed(2);

async function capture(name: string, packets: number, mix: CaptureMix): Promise<string> {
  const path = join(dir, `${name}.pcap`);
  await makeCapture(path, packets, mix);
  return path;
}

async function main(): Promise<void> {
  process.stdout.write(`making captures (${fmt(BIG)} packets each) in ${dir}...\n`);
  const tiny = await capture('tiny', 1, 'realistic');
  const realistic = await capture('realistic', BIG, 'realistic');
  const adversarial = await capture('adversarial', BIG, 'adversarial');
  const flood = await capture('flood', Math.round((BIG * 2) / 3), 'flood');
  const icmpFlood = await capture('icmp-flood', Math.round((BIG * 2) / 9), 'icmp-flood');

  console.log('\n## Full pipeline against tcpdump, same file, same run (issue 9)');
  console.log('Rates from wall-clock time, and from CPU time (user + system: steadier when other processes share the cores).');
  console.log('| capture | tcpdump -r FILE -w /dev/null | peng-ts full pipeline | ratio | tcpdump, CPU | peng-ts, CPU | ratio, CPU | peak RSS |');
  console.log('|---|---|---|---|---|---|---|---|');
  const stageRows: string[] = [];
  for (const [name, file] of [
    ['realistic', realistic],
    ['adversarial', adversarial],
  ] as const) {
    const byStage = new Map<string, ChildResult>();
    for (const s of STAGES) byStage.set(s, replay(file, s));
    const full = byStage.get('detectors')!;
    const td = tcpdumpSeconds(file, tiny);
    const tdCpu = tcpdumpCpu(file, tiny);
    const ours = full.packets / full.seconds;
    const tdRate = td === null ? NaN : full.packets / td;
    const ratioCpu = tdCpu === null ? '-' : (tdCpu / full.cpuSeconds).toFixed(2);
    console.log(
      `| ${name} (${fmt(full.packets)} packets, ${(statSync(file).size / 2 ** 20).toFixed(0)} MiB) | ${td === null ? 'no tcpdump' : `${mpps(full.packets, td)} Mpps`} | ${mpps(full.packets, full.seconds)} Mpps | ${td === null ? '-' : (ours / tdRate).toFixed(2)} | ` +
        `${tdCpu === null ? '-' : `${mpps(full.packets, tdCpu)} Mpps`} | ${mpps(full.packets, full.cpuSeconds)} Mpps | ${ratioCpu} | ${full.maxRssMiB.toFixed(0)} MiB |`,
    );
    let prev = 0;
    const cells: string[] = [];
    for (const s of STAGES) {
      const ns = (byStage.get(s)!.cpuSeconds / full.packets) * 1e9;
      cells.push(`${Math.max(0, ns - prev).toFixed(0)}`);
      prev = ns;
    }
    stageRows.push(`| ${name} | ${cells.join(' | ')} | ${prev.toFixed(0)} | ${full.named.length} |`);
  }
  console.log('\nCost per stage, CPU ns per packet (each the difference between replays stopping after it; noisy by +-10%):');
  console.log(`| capture | ${STAGES.join(' | ')} | total (with sinks) | scanners named |`);
  console.log(`|---|${STAGES.map(() => '---|').join('')}---|---|`);
  for (const r of stageRows) console.log(r);

  const f = replay(flood);
  console.log('\n## Spoofed SYN flood, a real scanner hidden in it');
  console.log(
    `${fmt(f.packets)} packets from about ${fmt(f.packets)} sources: ${fmt(f.packets / f.seconds)} packets/s (${fmt(f.packets / f.cpuSeconds)} per CPU second), peak RSS ${f.maxRssMiB.toFixed(0)} MiB, ` +
      `source states at most ${fmt(f.sources)}; hidden scanner ${HIDDEN_SCANNER} ${f.named.includes(HIDDEN_SCANNER) ? 'named' : 'NOT named'} (${f.named.length} sources named)`,
  );

  // ICMP, SCTP and IP-protocol first probes go through admission too (technique-admission.ts).
  const ic = replay(icmpFlood);
  console.log('\n## Spoofed ICMP echo flood, the same scanner hidden in it');
  console.log(
    `${fmt(ic.packets)} echo requests from random sources: ${fmt(ic.packets / ic.seconds)} packets/s (${fmt(ic.packets / ic.cpuSeconds)} per CPU second), peak RSS ${ic.maxRssMiB.toFixed(0)} MiB, ` +
      `source states at most ${fmt(ic.sources)}; hidden scanner ${HIDDEN_SCANNER} ${ic.named.includes(HIDDEN_SCANNER) ? 'named' : 'NOT named'}`,
  );

  const half = replay(realistic, 'detectors', []);
  const smaller = await capture('realistic-half', Math.round(BIG / 2), 'realistic');
  const halfRun = replay(smaller);
  console.log('\n## Peak RSS (flat in capture size), realistic mix');
  console.log('| packets | peak RSS |');
  console.log('|---|---|');
  console.log(`| ${fmt(halfRun.packets)} | ${halfRun.maxRssMiB.toFixed(0)} MiB |`);
  console.log(`| ${fmt(half.packets)} | ${half.maxRssMiB.toFixed(0)} MiB |`);

  const pp = await pcapParserSeconds(flood);
  console.log('\n## Capture-file reader: the pcap-parser package (read only, no decode)');
  console.log(`pcap-parser: ${fmt(pp.packets / pp.seconds)} packets/s on ${fmt(pp.packets)} packets (one object and Buffer per packet)`);

  for (const [flag, script, lock] of [
    ['BENCH_SHARD', 'shard.ts', false],
    ['BENCH_LIVE', 'live-drops.ts', true],
  ] as const) {
    if (process.env[flag] !== '1') continue;
    const node = [process.execPath, '--import', 'tsx', join(here, script)];
    const [cmd, ...args] = lock ? ['flock', '/tmp/peng-lab.lock', ...node] : node;
    const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) console.log(`(${script} failed with code ${r.status})`);
  }

  for (const extra of ['detect/detection.bench.ts', 'flows.bench.ts', 'classifier/classifier.bench.ts']) {
    if (process.env.BENCH_SKIP_EXTRA) break;
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

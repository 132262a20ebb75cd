/**
 * One measured replay, in its own process so its peak RSS is its own. Prints
 * one JSON line. BENCH_STAGE picks how much of the pipeline runs, so the cost
 * of each stage is the difference between two runs:
 *   read      the file reader only (records to a no-op handler)
 *   decode    + decoding
 *   entropy   + Peng's entropy detector
 *   tracker   + the scan engine with no detector parts (source tracker, alerts)
 *   detectors + the scan detectors (trw, stealth, slow, udp): the full pipeline,
 *               events counted but not written (the default)
 *   sinks     + the JSONL alert and CSV frame outputs, written to files
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sink } from '../src/sink/sink.js';

// BENCH_IMPL=dist measures the compiled JavaScript users run (after npm run
// build: tsc inlines const enums across modules); the default runs the
// TypeScript sources through tsx (a profile shows its export getters, e.g.
// for Kind; on the shared VM the two could not be told apart, 2 runs each).
const base = process.env.BENCH_IMPL === 'dist' ? '../dist/src' : '../src';
const load = <T>(path: string): Promise<T> => import(new URL(`${base}/${path}`, import.meta.url).href) as Promise<T>;
const { assemble } = await load<typeof import('../src/assemble/assemble.js')>('assemble/assemble.js');
const { ALL_MODULES } = await load<typeof import('../src/assemble/registry.js')>('assemble/registry.js');
const { FileSource } = await load<typeof import('../src/capture/file-source.js')>('capture/file-source.js');
const { parseCli } = await load<typeof import('../src/config/cli.js')>('config/cli.js');
const { decode } = await load<typeof import('../src/decode/decode.js')>('decode/decode.js');

const STAGES = ['read', 'decode', 'entropy', 'tracker', 'detectors', 'sinks'] as const;
const stage = (process.env.BENCH_STAGE ?? 'detectors') as (typeof STAGES)[number];
if (!STAGES.includes(stage)) throw new Error(`BENCH_STAGE: one of ${STAGES.join(', ')}`);

const [file, ...extra] = process.argv.slice(2);
const out = stage === 'sinks' ? mkdtempSync(join(tmpdir(), 'peng-bench-out-')) : '';
const sinkArgs = stage === 'sinks' ? ['--alerts', join(out, 'alerts.jsonl'), '-export', join(out, 'frames.csv')] : [];
const params = parseCli(['-r', file, '--local-net', '10.1.0.0/16', '-verbose', '0', ...sinkArgs, ...extra], ALL_MODULES);
let events = 0;
const named = new Set<string>();
const counter: Sink = {
  name: 'count',
  write: (r) => {
    if (r.kind !== 'scan') return;
    events++;
    if (r.event === 'start') named.add(r.scanner);
  },
  flush: async () => {},
  close: async () => {},
};
let packets = 0;
let detectors: string[] = [];
let snap: Record<string, number> = {};
const t0 = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
if (stage === 'read' || stage === 'decode') {
  const source = new FileSource(file);
  const decodeToo = stage === 'decode';
  await source.run((v) => {
    packets++;
    if (decodeToo) decode(v);
  });
} else {
  // The sensor as the CLI assembles it; a stage below 'detectors' leaves detector modules out by name.
  const keep = (name: string) => (stage === 'entropy' ? name === 'entropy' : stage === 'tracker' ? name === 'entropy' || name === 'scan' : true);
  const a = await assemble(params, { warn: () => {}, sinks: [counter], detectors: keep });
  detectors = a.detectors.map((d) => d.name);
  await a.sensor.run();
  snap = a.stats.snapshot();
  packets = snap['packets.seen'];
}
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(cpu0);
if (out) rmSync(out, { recursive: true, force: true });
console.log(
  JSON.stringify({
    stage,
    packets,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    detectors,
    scanEvents: events,
    named: [...named].slice(0, 50),
    sources: snap['scan.sources_max'] ?? 0,
  }),
);

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

// BENCH_IMPL=dist measures the compiled JavaScript users run (after npm run
// build: tsc inlines const enums across modules); the default runs the
// TypeScript sources through tsx (a profile shows its export getters, e.g.
// for Kind; on the shared VM the two could not be told apart, 2 runs each).
const base = process.env.BENCH_IMPL === 'dist' ? '../dist/src' : '../src';
const load = <T>(path: string): Promise<T> => import(new URL(`${base}/${path}`, import.meta.url).href) as Promise<T>;
const { FileSource } = await load<typeof import('../src/capture/file-source.js')>('capture/file-source.js');
const { parseCli } = await load<typeof import('../src/config/cli.js')>('config/cli.js');
const { ALL_MODULES, DETECTOR_MODULES, SINK_MODULES } = await load<typeof import('../src/config/modules.js')>('config/modules.js');
const { CidrSet } = await load<typeof import('../src/decode/cidr-set.js')>('decode/cidr-set.js');
const { decode } = await load<typeof import('../src/decode/decode.js')>('decode/decode.js');
const { Output } = await load<typeof import('../src/output.js')>('output.js');
const { Sensor } = await load<typeof import('../src/sensor.js')>('sensor.js');
const { csvSinkModule } = await load<typeof import('../src/sink/csv-module.js')>('sink/csv-module.js');
const { StatsRegistry } = await load<typeof import('../src/stats/counters.js')>('stats/counters.js');

const STAGES = ['read', 'decode', 'entropy', 'tracker', 'detectors', 'sinks'] as const;
const stage = (process.env.BENCH_STAGE ?? 'detectors') as (typeof STAGES)[number];
if (!STAGES.includes(stage)) throw new Error(`BENCH_STAGE: one of ${STAGES.join(', ')}`);

const [file, ...extra] = process.argv.slice(2);
const out = stage === 'sinks' ? mkdtempSync(join(tmpdir(), 'peng-bench-out-')) : '';
const sinkArgs = stage === 'sinks' ? ['--alerts', join(out, 'alerts.jsonl'), '-export', join(out, 'frames.csv')] : [];
const params = parseCli(['-r', file, '--local-net', '10.1.0.0/16', '-verbose', '0', ...sinkArgs, ...extra], ALL_MODULES);
const stats = new StatsRegistry();
const output = new Output(stats);
let events = 0;
const named = new Set<string>();
output.add({
  name: 'count',
  write: (r) => {
    if (r.kind !== 'scan') return;
    events++;
    if (r.event === 'start') named.add(r.scanner);
  },
  flush: async () => {},
  close: async () => {},
});
const ctx = {
  params,
  emit: output.emit,
  stats,
  localNets: new CidrSet(['10.1.0.0/16']),
  verbose: 0,
  warn: () => {},
  trace: () => {},
  sensorName: 'bench',
  sourceName: file,
};
if (stage === 'sinks') {
  for (const m of [csvSinkModule, ...SINK_MODULES]) {
    const sink = m.create(ctx);
    if (sink) output.add(sink);
  }
}
const source = new FileSource(file);
let packets = 0;
let detectors: string[] = [];
const t0 = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
if (stage === 'read' || stage === 'decode') {
  const decodeToo = stage === 'decode';
  await source.run((v) => {
    packets++;
    if (decodeToo) decode(v);
  });
} else {
  const wanted = DETECTOR_MODULES.filter((m) => stage !== 'entropy' || m.name === 'entropy').filter((m) => stage !== 'tracker' || m.name === 'entropy' || m.name === 'scan');
  const list = wanted.map((m) => m.create(ctx)).filter((d) => d !== null);
  detectors = list.map((d) => d.name);
  await new Sensor({ source, detectors: list, output, stats }).run();
  packets = stats.snapshot()['packets.seen'];
}
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(cpu0);
const snap = stats.snapshot();
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

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
import { FileSource } from '../src/capture/file-source.js';
import { parseCli } from '../src/config/cli.js';
import { ALL_MODULES, DETECTOR_MODULES, SINK_MODULES } from '../src/config/modules.js';
import { CidrSet } from '../src/decode/cidr-set.js';
import { decode } from '../src/decode/decode.js';
import { Output } from '../src/output.js';
import { Sensor } from '../src/sensor.js';
import { csvSinkModule } from '../src/sink/csv-module.js';
import { StatsRegistry } from '../src/stats/counters.js';

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

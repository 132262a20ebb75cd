/**
 * One measured replay, in its own process so its peak RSS is its own:
 * the full pipeline (decode, every registered detector, counters) with no
 * console output. Prints one JSON line.
 */
import { FileSource } from '../src/capture/file-source.js';
import { parseCli } from '../src/config/cli.js';
import { ALL_MODULES, DETECTOR_MODULES } from '../src/config/modules.js';
import { CidrSet } from '../src/decode/cidr-set.js';
import { Output } from '../src/output.js';
import { Sensor } from '../src/sensor.js';
import { StatsRegistry } from '../src/stats/counters.js';

const [file, ...extra] = process.argv.slice(2);
const params = parseCli(['-r', file, '--local-net', '10.1.0.0/16', '-verbose', '0', ...extra], ALL_MODULES);
const stats = new StatsRegistry();
const output = new Output(stats);
let events = 0;
output.add({ name: 'count', write: (r) => void (r.kind === 'scan' && events++), flush: async () => {}, close: async () => {} });
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
// BENCH_ONLY=entropy measures Peng's own feature set: decode + entropy.
const only = process.env.BENCH_ONLY;
const detectors = DETECTOR_MODULES.map((m) => m.create(ctx)).filter((d) => d !== null && (!only || d.name === only));
const source = new FileSource(file);
const t0 = process.hrtime.bigint();
await new Sensor({ source, detectors, output, stats }).run();
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const snap = stats.snapshot();
console.log(
  JSON.stringify({
    packets: snap['packets.seen'],
    seconds,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    detectors: detectors.map((d) => d.name),
    scanEvents: events,
  }),
);

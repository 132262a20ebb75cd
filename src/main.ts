import { hostname } from 'node:os';
import { FileSource } from './capture/file-source.js';
import { createFlowSources } from './capture/flows/module.js';
import type { CaptureSource } from './capture/source.js';
import { parseCli, renderCounters, renderHelp } from './config/cli.js';
import type { ModuleContext } from './config/module.js';
import { ALL_MODULES, DETECTOR_MODULES, SINK_MODULES } from './config/modules.js';
import { bool, list, num, str, type ParamValues } from './config/params.js';
import { CidrSet } from './decode/cidr-set.js';
import type { Detector } from './detect/detector.js';
import { isSensorError, SensorError } from './errors.js';
import { Output } from './output.js';
import { Sensor } from './sensor.js';
import { ConsoleSink, formatStats } from './sink/console.js';
import { csvSinkModule } from './sink/csv-module.js';
import { formatScanEventLine } from './sink/event-line.js';
import { StatsRegistry } from './stats/counters.js';
import { VERSION } from './version.js';
import { createReassembler } from './decode/module.js';

const warn = (line: string) => process.stderr.write(`peng-ts: ${line}\n`);

function engineOf(choice: string | undefined): 'native' | 'cap' | undefined {
  return choice === 'native' || choice === 'cap' ? choice : undefined;
}

/** The packet source asked for (file or interface), or null when only flows are listened to. */
async function openSource(p: ParamValues, flowsAsked: boolean): Promise<{ source: CaptureSource | null; localNets: CidrSet }> {
  const read = str(p, 'read');
  const network = str(p, 'network');
  const explicitLocal = CidrSet.parse(list(p, 'local-net'), '--local-net');
  if (read !== undefined && network !== undefined) {
    throw new SensorError('CFG_INVALID', 'give either -network (live) or -r (replay), not both');
  }
  if (read !== undefined) {
    if (explicitLocal.size === 0) {
      warn('no --local-net given: every SYN counts as CLIENT traffic (give the watched network, e.g. --local-net 10.1.0.0/16)');
    }
    return { source: new FileSource(read), localNets: explicitLocal };
  }
  if (network !== undefined) {
    const { LiveSource } = await import('./capture/live.js');
    const { localAddresses } = await import('./capture/interfaces.js');
    const source = new LiveSource({
      device: network,
      filter: str(p, 'filter'),
      snaplen: num(p, 'snaplen'),
      bufferSizeMiB: num(p, 'buffer-size'),
      promiscuous: bool(p, 'promisc'),
      engine: engineOf(str(p, 'capture-engine')),
      user: str(p, 'user'),
    });
    // Open now: a missing interface or no permission is one line at start,
    // before any output exists (and privileges are dropped from here on).
    source.open();
    // Peng counts SYNs to the host's own addresses as SERVER traffic.
    const localNets = explicitLocal.size > 0 ? explicitLocal : new CidrSet(localAddresses(network));
    return { source, localNets };
  }
  if (flowsAsked) return { source: null, localNets: explicitLocal };
  throw new SensorError(
    'CFG_INVALID',
    'nothing to watch: give -network IFACE (live capture, as root), -r FILE (replay), or --flows-listen/--netflow-listen (flows); peng-ts -interfaces lists interfaces',
  );
}

function flowsAsked(p: ParamValues): boolean {
  return ['flows-listen', 'flows-address', 'flows-port', 'netflow-listen'].some((k) => p[k] !== undefined);
}

async function main(argv: string[]): Promise<number> {
  if (argv.some((a) => a === '--help' || a === '-help' || a === '-h')) {
    process.stdout.write(renderHelp(ALL_MODULES) + '\n');
    return 0;
  }
  const p = parseCli(argv, ALL_MODULES);
  if (bool(p, 'help-config')) {
    process.stdout.write(renderHelp(ALL_MODULES, true) + '\n');
    return 0;
  }
  if (bool(p, 'help-counts')) {
    process.stdout.write(renderCounters([...ALL_MODULES]) + '\n');
    return 0;
  }
  if (bool(p, 'version')) {
    process.stdout.write(`peng-ts ${VERSION}\n`);
    return 0;
  }
  if (bool(p, 'interfaces')) {
    const { listInterfaces } = await import('./capture/interfaces.js');
    for (const i of listInterfaces()) {
      process.stdout.write(`${i.name}${i.description ? ` (${i.description})` : ''}: ${i.addresses.join(', ') || 'no addresses'}\n`);
    }
    return 0;
  }

  const verbose = num(p, 'verbose');
  const stats = new StatsRegistry();
  const output = new Output(stats);
  const { source, localNets } = await openSource(p, flowsAsked(p));
  const consoleSink = new ConsoleSink(verbose, (t) => process.stdout.write(t), formatScanEventLine);
  output.add(consoleSink);
  const ctx: ModuleContext = {
    params: p,
    emit: output.emit,
    stats,
    localNets,
    verbose,
    warn,
    trace: (line) => consoleSink.line(line),
    sensorName: str(p, 'sensor-name') ?? hostname(),
    sourceName: str(p, 'network') ?? str(p, 'read') ?? 'flows',
  };

  for (const m of [csvSinkModule, ...SINK_MODULES]) {
    const sink = m.create(ctx);
    if (sink) output.add(sink);
  }
  const detectors: Detector[] = [];
  for (const m of DETECTOR_MODULES) {
    const d = m.create(ctx);
    if (d) detectors.push(d);
  }

  const sources = [...(source ? [source] : []), ...createFlowSources(p, ctx)];
  const sensor = new Sensor({ sources, detectors, output, stats, reassembler: createReassembler(p) });
  let signals = 0;
  const onSignal = () => {
    // First signal: stop, close frames and scans, flush. Second: leave at once.
    if (++signals > 1) process.exit(130);
    sensor.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  if (verbose >= 1) warn(`watching ${sources.map((s) => s.description).join(' and ')}; outputs: ${output.names.join(', ')}`);
  await sensor.run();
  const final = stats.snapshot();
  process.stderr.write(formatStats({ kind: 'stats', ts: sensor.pipeline.now, counters: final }) + '\n');
  if (source?.damage) {
    warn(source.damage);
    return 2;
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (isSensorError(e)) {
      warn(e.message);
      process.exitCode = e.code.startsWith('CFG') ? 64 : 1;
    } else {
      warn(`internal error: ${(e as Error)?.stack ?? String(e)}`);
      process.exitCode = 70;
    }
  },
);

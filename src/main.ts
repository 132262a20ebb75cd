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
import { startProgress } from './progress.js';
import { csvSinkModule } from './sink/csv-module.js';
import { formatScanEventLine } from './sink/event-line.js';
import { stdoutOutput } from './sink/stdout.js';
import { StatsRegistry } from './stats/counters.js';
import { randomSeed, setHashSeed } from './track/hash.js';
import { setAddressSeed } from './decode/address.js';
import { setPairSeed } from './capture/flows/flow-pairs.js';
import { REPLAY_HASH_SEED } from './config/sensor-params.js';
import { VERSION } from './version.js';
import { createReassembler } from './decode/module.js';

const warn = (line: string) => process.stderr.write(`peng-ts: ${line}\n`);

function engineOf(choice: string | undefined): 'native' | 'cap' | undefined {
  return choice === 'native' || choice === 'cap' ? choice : undefined;
}

/** The packet source asked for (file or interface), or null when only flows are listened to. */
interface OpenedSource {
  source: CaptureSource | null;
  localNets: CidrSet;
  /** Become --user: called once the outputs are open too. */
  dropRoot: () => void;
}

const stayRoot = () => {};

async function openSource(p: ParamValues, flowsAsked: boolean): Promise<OpenedSource> {
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
    const source = new FileSource(read);
    // As for an interface: a file that cannot be read is one line, before any output exists.
    await source.open();
    return { source, localNets: explicitLocal, dropRoot: stayRoot };
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
    // before any output exists. Root is dropped (--user) once outputs are open.
    source.open();
    await source.ready(); // the cap engine opens in its own process
    // Peng counts SYNs to the host's own addresses as SERVER traffic.
    const localNets = explicitLocal.size > 0 ? explicitLocal : new CidrSet(localAddresses(network));
    return { source, localNets, dropRoot: () => source.dropPrivileges() };
  }
  if (flowsAsked) return { source: null, localNets: explicitLocal, dropRoot: stayRoot };
  throw new SensorError(
    'CFG_INVALID',
    'nothing to watch: give -network IFACE (live capture, as root), -r FILE (replay), or --flows-listen/--netflow-listen (flows); peng-ts -interfaces lists interfaces',
  );
}

function flowsAsked(p: ParamValues): boolean {
  return ['flows-listen', 'flows-address', 'flows-port', 'netflow-listen'].some((k) => p[k] !== undefined);
}

async function main(argv: string[]): Promise<number> {
  // Sub-commands of the session classifier (src/sessions/, src/ml/).
  if (argv[0] === 'sessions') return (await import('./sessions/cli.js')).sessionsMain(argv.slice(1));
  if (argv[0] === 'train') return (await import('./ml/train-cli.js')).trainMain(argv.slice(1));
  // Every stdout write goes through one guard: `peng-ts ... | head -1` is EPIPE, not a crash.
  const stdout = stdoutOutput();
  if (argv.some((a) => a === '--help' || a === '-help' || a === '-h')) {
    stdout.write(renderHelp(ALL_MODULES) + '\n');
    stdout.write('\nSub-commands: peng-ts sessions --help (a capture as a session dataset), peng-ts train --help (a session classifier).\n');
    return 0;
  }
  const p = parseCli(argv, ALL_MODULES);
  if (bool(p, 'help-config')) {
    stdout.write(renderHelp(ALL_MODULES, true) + '\n');
    return 0;
  }
  if (bool(p, 'help-counts')) {
    stdout.write(renderCounters([...ALL_MODULES]) + '\n');
    return 0;
  }
  if (bool(p, 'version')) {
    stdout.write(`peng-ts ${VERSION}\n`);
    return 0;
  }
  if (bool(p, 'interfaces')) {
    const { listInterfaces } = await import('./capture/interfaces.js');
    for (const i of listInterfaces()) {
      stdout.write(`${i.name}${i.description ? ` (${i.description})` : ''}: ${i.addresses.join(', ') || 'no addresses'}\n`);
    }
    return 0;
  }

  // Before any table exists: one seed for every hash, fixed for replays (same input, same counts).
  const given = p['hash-seed'];
  const seed = typeof given === 'number' ? given : str(p, 'read') !== undefined ? REPLAY_HASH_SEED : randomSeed();
  setHashSeed(seed);
  setAddressSeed(seed);
  setPairSeed(seed);

  // SIGHUP's default is to kill silently: from here on it never does (reopen once the outputs exist).
  let onHup = (): void => undefined;
  process.on('SIGHUP', () => onHup());
  const verbose = num(p, 'verbose');
  const stats = new StatsRegistry();
  const output = new Output(stats);
  const { source, localNets, dropRoot } = await openSource(p, flowsAsked(p));
  const consoleSink = new ConsoleSink(verbose, (t) => stdout.write(t), formatScanEventLine);
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
  // Files are opened (a bad path is one line, exit 1) while still root, then root
  // is dropped: as tcpdump -Z with -w.
  try {
    await output.open();
    dropRoot();
  } catch (e) {
    source?.stop(); // release the capture: nothing will read it
    throw e;
  }
  const detectors: Detector[] = [];
  for (const m of DETECTOR_MODULES) {
    const d = m.create(ctx);
    if (d) detectors.push(d);
  }

  await output.start();
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
  // The reader of stdout left (EPIPE) or stdout failed: when nothing else is
  // written, stop as tcpdump does (flush, stats, exit); else the others go on.
  stdout.onGone(() => {
    if (!output.beyondStdout) sensor.stop();
  });
  // SIGHUP (logrotate's postrotate, systemctl reload): reopen the files, keep running.
  onHup = () => {
    output.reopen().then((names) => {
      if (verbose >= 1) warn(`SIGHUP: reopened ${names.length ? names.join(', ') : 'nothing (no file outputs)'}`);
    }, () => undefined);
  };

  if (verbose >= 1) warn(`watching ${sources.map((s) => s.description).join(' and ')}; outputs: ${output.names.join(', ')}`);
  // A long replay on a terminal shows its progress (off when not a TTY, or -verbose 0).
  const stopProgress = source instanceof FileSource && process.stderr.isTTY && verbose >= 1 ? startProgress(source, stats, (t) => process.stderr.write(t)) : () => {};
  try {
    await sensor.run();
  } finally {
    stopProgress();
    // Also when a source failed (an interface gone down): the counters say what was seen.
    process.stderr.write(formatStats({ kind: 'stats', ts: sensor.pipeline.now, counters: stats.snapshot() }) + '\n');
  }
  const failed = [...output.failures, ...(stdout.failure ? [stdout.failure] : [])];
  if (source?.damage) warn(source.damage);
  if (failed.length > 0) {
    warn(`${failed.length === 1 ? 'an output' : `${failed.length} outputs`} failed (${failed.join('; ')}): exit status 1`);
    return 1;
  }
  return source?.damage ? 2 : 0;
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

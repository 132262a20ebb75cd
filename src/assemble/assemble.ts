import { hostname } from 'node:os';
import { setPairSeed } from '../capture/flows/flow-pairs.js';
import { createFlowSources } from '../capture/flows/module.js';
import { openCapture } from '../capture/module.js';
import type { CaptureSource } from '../capture/source.js';
import { num, str, type ParamValues } from '../config/params.js';
import { setAddressSeed } from '../decode/address.js';
import { createReassembler } from '../decode/module.js';
import type { Detector } from '../detect/detector.js';
import { scanModule } from '../detect/scan/module.js';
import type { ModuleContext } from '../module.js';
import { Output } from '../output.js';
import { Sensor } from '../sensor.js';
import type { Sink } from '../sink/sink.js';
import { StatsRegistry } from '../stats/counters.js';
import { randomSeed, setHashSeed } from '../track/hash.js';
import { DETECTORS_AFTER_SCAN, DETECTORS_BEFORE_SCAN, SCAN_PARTS, SINK_MODULES } from './registry.js';
import { REPLAY_HASH_SEED } from './sensor-params.js';

export interface AssembleOptions {
  /** Where one-line warnings go (stderr in the CLI). */
  warn: (line: string) => void;
  /** The caller's own sinks, added before the module sinks (the CLI's console, a bench's counter). */
  sinks?: readonly Sink[];
  /** Per-packet lines for -verbose 3 (the console sink's). */
  trace?: (line: string) => void;
  /** Keep only the detector modules this accepts, by name (bench stages); all by default. */
  detectors?: (name: string) => boolean;
}

/** A sensor built from its params, outputs open, ready to run. */
export interface Assembly {
  readonly ctx: ModuleContext;
  readonly stats: StatsRegistry;
  readonly output: Output;
  /** The packet capture asked for (-r or -network), or null with flows only. */
  readonly source: CaptureSource | null;
  /** Every source the sensor runs: the capture, then the flow listeners. */
  readonly sources: readonly CaptureSource[];
  readonly detectors: readonly Detector[];
  readonly sensor: Sensor;
}

/**
 * The one assembly of the sensor, used by src/main.ts and bench/replay-child.ts:
 * hash seeds, the capture source (through its module), the outputs (opened
 * while still root, then --user drops root, as tcpdump -Z with -w), the
 * detectors in pipeline order, the flow sources, and the sensor over them.
 */
export async function assemble(p: ParamValues, o: AssembleOptions): Promise<Assembly> {
  seedHashes(p);
  const stats = new StatsRegistry();
  const output = new Output(stats);
  const { source, localNets, dropRoot } = await openCapture(p, o.warn, flowsAsked(p));
  for (const s of o.sinks ?? []) output.add(s);
  const ctx: ModuleContext = {
    params: p,
    emit: output.emit,
    stats,
    localNets,
    verbose: num(p, 'verbose'),
    warn: o.warn,
    trace: o.trace ?? (() => {}),
    sensorName: str(p, 'sensor-name') ?? hostname(),
    sourceName: str(p, 'network') ?? str(p, 'read') ?? 'flows',
  };
  for (const m of SINK_MODULES) {
    const sink = m.create(ctx);
    if (sink) output.add(sink);
  }
  try {
    await output.open();
    dropRoot();
  } catch (e) {
    source?.stop(); // release the capture: nothing will read it
    throw e;
  }
  const detectors = createDetectors(ctx, o.detectors);
  await output.start();
  const sources = [...(source ? [source] : []), ...createFlowSources(p, ctx)];
  const sensor = new Sensor({ sources, detectors, output, stats, reassembler: createReassembler(p) });
  return { ctx, stats, output, source, sources, detectors, sensor };
}

/**
 * The pipeline's detectors, in order: entropy; the scan engine, created
 * once, with every part attached to it in registry order (the classifier and
 * the decoy linker also run as detectors of their own, before the engine);
 * then the victim view. A module its params turn off adds nothing.
 */
export function createDetectors(ctx: ModuleContext, keep: (name: string) => boolean = () => true): Detector[] {
  const out: Detector[] = [];
  const add = (d: Detector | null) => {
    if (d) out.push(d);
  };
  for (const m of DETECTORS_BEFORE_SCAN) if (keep(m.name)) add(m.create(ctx));
  if (keep(scanModule.name)) {
    const engine = scanModule.create(ctx);
    for (const m of SCAN_PARTS) if (keep(m.name)) add(m.attach(ctx, engine));
    out.push(engine);
  }
  for (const m of DETECTORS_AFTER_SCAN) if (keep(m.name)) add(m.create(ctx));
  return out;
}

/** Before any table exists: one seed for every hash, fixed for replays (same input, same counts). */
function seedHashes(p: ParamValues): void {
  const given = p['hash-seed'];
  const seed = typeof given === 'number' ? given : str(p, 'read') !== undefined ? REPLAY_HASH_SEED : randomSeed();
  setHashSeed(seed);
  setAddressSeed(seed);
  setPairSeed(seed);
}

function flowsAsked(p: ParamValues): boolean {
  return ['flows-listen', 'flows-address', 'flows-port', 'netflow-listen'].some((k) => p[k] !== undefined);
}

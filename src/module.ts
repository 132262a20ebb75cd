import type { CidrSet } from './decode/cidr-set.js';
import type { Detector } from './detect/detector.js';
import type { SensorRecord } from './sink/schema.js';
import type { Sink } from './sink/sink.js';
import type { StatsRegistry } from './stats/counters.js';
import type { ModuleDescriptor, ParamValues } from './config/params.js';

/** What every module gets when the sensor is assembled. */
export interface ModuleContext {
  /** Resolved values of every param of every module (CLI names as keys). */
  readonly params: ParamValues;
  /** Hand a record to every sink. */
  readonly emit: (record: SensorRecord) => void;
  readonly stats: StatsRegistry;
  /** Addresses that count as local (SERVER direction, victims). */
  readonly localNets: CidrSet;
  /** Peng's -verbose level 0..3. */
  readonly verbose: number;
  /** Per-packet lines for -verbose 3 (batched by the console sink). */
  readonly trace: (line: string) => void;
  /** Where one-line warnings go (stderr in the CLI). */
  readonly warn: (line: string) => void;
  /** Sensor name (tag for outputs), and what is being watched (interface or file). */
  readonly sensorName: string;
  readonly sourceName: string;
}

/** A detector module: its descriptor plus a factory; null = disabled by its params. */
export interface DetectorModule extends ModuleDescriptor {
  create(ctx: ModuleContext): Detector | null;
}

/** A sink module: its descriptor plus a factory; null = not asked for. */
export interface SinkModule extends ModuleDescriptor {
  create(ctx: ModuleContext): Sink | null;
}

/** Freeze a descriptor, typed where it is written (Object.freeze alone loses the literal types). */
export function defineDetector(m: DetectorModule): DetectorModule {
  return Object.freeze(m);
}

export function defineSink(m: SinkModule): SinkModule {
  return Object.freeze(m);
}

import type { DetectorModule, ModuleContext } from '../../config/module.js';
import { coerceParam, type ParamValues } from '../../config/params.js';
import { CidrSet } from '../../decode/cidr-set.js';
import type { ScanEvent, SensorRecord } from '../../sink/schema.js';
import { StatsRegistry } from '../../stats/counters.js';
import { discoveryModule } from '../discovery/module.js';
import { osscanModule } from '../osscan/module.js';
import { slowModule } from '../slow/module.js';
import { stealthModule } from '../stealth/module.js';
import { trwModule } from '../trw/module.js';
import { udpModule } from '../udp/module.js';
import type { ScanEngine } from './engine.js';
import { engineFor, scanModule } from './module.js';

/** The scan family, in registration order: the detectors first, the engine that runs them last. */
export const SCAN_MODULES: readonly DetectorModule[] = [trwModule, stealthModule, slowModule, udpModule, discoveryModule, osscanModule, scanModule];

export interface StandaloneOptions {
  /** Param values by CLI name (raw text or typed); everything else takes its default. */
  params?: Record<string, unknown>;
  /** Gets every scan event. */
  onEvent: (e: ScanEvent) => void;
  localNets?: CidrSet;
  warn?: (line: string) => void;
}

/**
 * The scan engine with all its detectors, assembled outside the CLI (tests,
 * benches, embedding): params are coerced and range-checked as the CLI does.
 */
export function createScanEngine(o: StandaloneOptions): { engine: ScanEngine; stats: StatsRegistry; params: ParamValues } {
  const params: ParamValues = {};
  for (const m of SCAN_MODULES) for (const p of m.params) params[p.name] = coerceParam(p, o.params?.[p.name]);
  const stats = new StatsRegistry();
  const ctx: ModuleContext = {
    params,
    emit: (r: SensorRecord) => {
      if (r.kind === 'scan') o.onEvent(r);
    },
    stats,
    localNets: o.localNets ?? new CidrSet(),
    verbose: 0,
    trace: () => {},
    warn: o.warn ?? (() => {}),
    sensorName: 'standalone',
    sourceName: 'standalone',
  };
  for (const m of SCAN_MODULES) m.create(ctx);
  return { engine: engineFor(ctx), stats, params };
}

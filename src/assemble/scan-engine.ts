import { coerceParam, type ParamValues } from '../config/params.js';
import { CidrSet } from '../decode/cidr-set.js';
import type { ScanEngine } from '../detect/scan/engine.js';
import { scanModule } from '../detect/scan/module.js';
import type { ModuleContext } from '../module.js';
import type { ScanEvent, SensorRecord } from '../sink/schema.js';
import { StatsRegistry } from '../stats/counters.js';
import { SCAN_JUDGES } from './registry.js';

export interface StandaloneOptions {
  /** Param values by CLI name (raw text or typed); everything else takes its default. */
  params?: Record<string, unknown>;
  /** Gets every scan event. */
  onEvent: (e: ScanEvent) => void;
  localNets?: CidrSet;
  warn?: (line: string) => void;
}

/**
 * The scan engine with its judging detectors (trw, stealth, slow, udp,
 * discovery, osscan), assembled outside the CLI (tests, benches, embedding):
 * params are coerced and range-checked as the CLI does.
 */
export function createScanEngine(o: StandaloneOptions): { engine: ScanEngine; stats: StatsRegistry; params: ParamValues } {
  const params: ParamValues = {};
  for (const m of [...SCAN_JUDGES, scanModule]) for (const p of m.params) params[p.name] = coerceParam(p, o.params?.[p.name]);
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
  const engine = scanModule.create(ctx);
  for (const m of SCAN_JUDGES) m.attach(ctx, engine);
  return { engine, stats, params };
}

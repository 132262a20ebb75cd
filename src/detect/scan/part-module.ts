import type { ModuleDescriptor } from '../../config/params.js';
import type { ModuleContext } from '../../module.js';
import type { Detector } from '../detector.js';
import type { ScanEngine } from './engine.js';

/**
 * A detector that judges sources inside the scan engine (trw, stealth, slow,
 * udp, discovery, osscan, the classifier) or feeds it (decoy groups). The
 * assembly (src/assemble/) builds the one engine first and hands it to every
 * part in registry order: no part finds the engine by itself.
 */
export interface ScanPartModule extends ModuleDescriptor {
  /**
   * Plug into `engine` (addPart, addTechniquePart, alert hooks) and register
   * counters. Returns a detector when the part must also see every packet in
   * the pipeline itself, before the engine (classifier, decoy), else null;
   * a part its params turn off does nothing and returns null.
   */
  attach(ctx: ModuleContext, engine: ScanEngine): Detector | null;
}

/** Freeze a scan part's descriptor, typed where it is written. */
export function defineScanPart(m: ScanPartModule): ScanPartModule {
  return Object.freeze(m);
}

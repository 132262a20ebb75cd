import { entropyModule } from '../detect/entropy/module.js';
import type { DetectorModule, SinkModule } from './module.js';

/**
 * The one place modules are registered. The CLI flags, --help-config,
 * --help-counts and the pipeline all read these lists; a meta-test checks that
 * every folder under detect/ appears here.
 */
export const DETECTOR_MODULES: readonly DetectorModule[] = [entropyModule];

export const SINK_MODULES: readonly SinkModule[] = [];

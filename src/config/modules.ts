import { FLOW_SOURCE_MODULES } from '../capture/flows/module.js';
import { fragmentsModule } from '../decode/module.js';
import { entropyModule } from '../detect/entropy/module.js';
import { SCAN_MODULES } from '../detect/scan/standalone.js';
import { pipelineModule } from '../pipeline.js';
import { alertsCsvModule } from '../sink/alerts-csv.js';
import { csvSinkModule } from '../sink/csv-module.js';
import { influxSinkModule } from '../sink/influx/module.js';
import { alertsJsonlModule } from '../sink/jsonl.js';
import type { DetectorModule, SinkModule } from './module.js';
import type { ModuleDescriptor } from './params.js';
import { captureParams, sensorParams } from './sensor-params.js';

/**
 * The one place modules are registered. The CLI flags, --help-config,
 * --help-counts and the pipeline all read these lists; a meta-test checks that
 * every folder under detect/ appears here.
 */
export const DETECTOR_MODULES: readonly DetectorModule[] = [entropyModule, ...SCAN_MODULES];

export const SINK_MODULES: readonly SinkModule[] = [alertsJsonlModule, alertsCsvModule, influxSinkModule];

/** Every module whose params are flags, in --help order. */
export const ALL_MODULES: readonly ModuleDescriptor[] = [
  captureParams,
  ...FLOW_SOURCE_MODULES,
  sensorParams,
  pipelineModule,
  fragmentsModule,
  ...DETECTOR_MODULES,
  csvSinkModule,
  ...SINK_MODULES,
];

import { FLOW_SOURCE_MODULES } from '../capture/flows/module.js';
import { classifierModule } from '../detect/classifier/module.js';
import { decoyModule } from '../detect/decoy/module.js';
import { fragmentsModule } from '../decode/module.js';
import { entropyModule } from '../detect/entropy/module.js';
import { SCAN_MODULES } from '../detect/scan/standalone.js';
import { victimModule } from '../detect/victim/module.js';
import { outputModule } from '../output.js';
import { pipelineModule } from '../pipeline.js';
import { alertsCsvModule } from '../sink/alerts-csv.js';
import { csvSinkModule } from '../sink/csv-module.js';
import { influxSinkModule } from '../sink/influx/module.js';
import { alertsJsonlModule } from '../sink/jsonl.js';
import { webSinkModule } from '../sink/web/module.js';
import { metricsSinkModule } from '../sink/metrics/module.js';
import { syslogSinkModule } from '../sink/syslog/module.js';
import type { DetectorModule, SinkModule } from './module.js';
import type { ModuleDescriptor } from './params.js';
import { captureParams, sensorParams } from './sensor-params.js';

/**
 * The one place modules are registered. The CLI flags, --help-config,
 * --help-counts and the pipeline all read these lists; a meta-test checks that
 * every folder under detect/ appears here. The decoy linker runs before the
 * scan engine, so a probe's group is known when that probe starts a scan.
 */
// The classifier runs before the scan engine: sessions it closes at end of
// input are judged before the engine ends its scans.
export const DETECTOR_MODULES: readonly DetectorModule[] = [entropyModule, classifierModule, decoyModule, ...SCAN_MODULES, victimModule];

export const SINK_MODULES: readonly SinkModule[] = [alertsJsonlModule, alertsCsvModule, influxSinkModule, syslogSinkModule, metricsSinkModule, webSinkModule];

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
  outputModule,
];

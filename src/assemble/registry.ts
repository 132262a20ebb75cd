import { FLOW_SOURCE_MODULES } from '../capture/flows/module.js';
import { captureParams } from '../capture/params.js';
import type { ModuleDescriptor } from '../config/params.js';
import { fragmentsModule } from '../decode/module.js';
import { classifierModule } from '../detect/classifier/module.js';
import { decoyModule } from '../detect/decoy/module.js';
import { discoveryModule } from '../detect/discovery/module.js';
import { entropyModule } from '../detect/entropy/module.js';
import { osscanModule } from '../detect/osscan/module.js';
import { scanModule } from '../detect/scan/module.js';
import type { ScanPartModule } from '../detect/scan/part-module.js';
import { slowModule } from '../detect/slow/module.js';
import { stealthModule } from '../detect/stealth/module.js';
import { trwModule } from '../detect/trw/module.js';
import { udpModule } from '../detect/udp/module.js';
import { victimModule } from '../detect/victim/module.js';
import type { DetectorModule, SinkModule } from '../module.js';
import { outputModule } from '../output.js';
import { pipelineModule } from '../pipeline.js';
import { alertsCsvModule } from '../sink/alerts-csv.js';
import { csvSinkModule } from '../sink/csv-module.js';
import { influxSinkModule } from '../sink/influx/module.js';
import { alertsJsonlModule } from '../sink/jsonl.js';
import { metricsSinkModule } from '../sink/metrics/module.js';
import { syslogSinkModule } from '../sink/syslog/module.js';
import { webSinkModule } from '../sink/web/module.js';
import { sensorParams } from './sensor-params.js';

/**
 * The one place modules are registered. The CLI flags, --help-config,
 * --help-counts, docs/reference.md and the assembly (assemble.ts) all read
 * these lists; a meta-test checks that every folder under detect/ appears here.
 */

/** The detectors that judge sources inside the scan engine, in the order they are attached. */
export const SCAN_JUDGES: readonly ScanPartModule[] = [trwModule, stealthModule, slowModule, udpModule, discoveryModule, osscanModule];

/**
 * Every part attached to the engine. The classifier comes first: sessions it
 * closes at end of input are judged before the engine ends its scans; the
 * decoy linker runs before the engine too, so a probe's group is known when
 * that probe starts a scan. Both also see packets as pipeline detectors.
 */
export const SCAN_PARTS: readonly ScanPartModule[] = [classifierModule, decoyModule, ...SCAN_JUDGES];

/** Pipeline detectors before the engine's parts and the engine, and after them. */
export const DETECTORS_BEFORE_SCAN: readonly DetectorModule[] = [entropyModule];
export const DETECTORS_AFTER_SCAN: readonly DetectorModule[] = [victimModule];

/** Every detector module, in --help order. */
export const DETECTOR_MODULES: readonly ModuleDescriptor[] = [...DETECTORS_BEFORE_SCAN, ...SCAN_PARTS, scanModule, ...DETECTORS_AFTER_SCAN];

/** Outputs, in the order they are created (the console sink comes from the CLI, before them). */
export const SINK_MODULES: readonly SinkModule[] = [csvSinkModule, alertsJsonlModule, alertsCsvModule, influxSinkModule, syslogSinkModule, metricsSinkModule, webSinkModule];

/** Every module whose params are flags, in --help order. */
export const ALL_MODULES: readonly ModuleDescriptor[] = [
  captureParams,
  ...FLOW_SOURCE_MODULES,
  sensorParams,
  pipelineModule,
  fragmentsModule,
  ...DETECTOR_MODULES,
  ...SINK_MODULES,
  outputModule,
];

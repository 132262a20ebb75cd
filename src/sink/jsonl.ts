import { hostname } from 'node:os';
import { defineSink, type ModuleContext } from '../module.js';
import { str } from '../config/params.js';
import { VERSION } from '../version.js';
import { ecsDocument } from './ecs.js';
import { eventRecord, isExtraEvent } from './event-projection.js';
import { alertRecord } from './scan-projection.js';
import type { SensorRecord } from './schema.js';
import type { Sink } from './sink.js';
import { TextOutput } from './text-output.js';

/** The JSON Lines form of a scan event, derived from its field table (scan-fields.ts). */
export type { AlertRecord } from './scan-fields.js';
export { alertRecord } from './scan-projection.js';

/** The text output the alert sinks write to (a file, or standard output for `-`). */
export { TextOutput as AlertOutput } from './text-output.js';

/** The JSON object written for a record, or null when the record is not an alert. */
export type AlertProjection = (r: SensorRecord) => object | null;

/** peng-ts's own form: scan events (alertRecord), distributed and entropy events with their kind (eventRecord). */
export const pengProjection: AlertProjection = (r) => (r.kind === 'scan' ? alertRecord(r) : isExtraEvent(r) ? eventRecord(r) : null);

/** `--alerts FILE`: one JSON object per scan event; distributed and entropy events carry their `kind`. */
export class AlertJsonlSink implements Sink {
  readonly name = 'alerts-jsonl';
  /** Events the system accepted (not merely queued). */
  events = 0;
  private readonly counted = () => {
    this.events++;
  };

  constructor(
    private readonly out: TextOutput,
    private readonly project: AlertProjection = pengProjection,
  ) {}

  get toStdout(): boolean {
    return this.out.toStdout;
  }

  get failure(): string | null {
    return this.out.failure;
  }

  open(): Promise<void> {
    return this.out.open();
  }

  write(r: SensorRecord): void {
    const doc = this.project(r);
    if (doc === null) return;
    this.out.write(JSON.stringify(doc) + '\n', this.counted);
  }

  flush(): Promise<void> {
    return this.out.flush();
  }

  close(): Promise<void> {
    return this.out.close();
  }

  reopen(): Promise<void> {
    return this.out.reopen();
  }
}

export const alertsJsonlModule = defineSink({
  name: 'alerts',
  help: 'Scan events (start, update, end) as JSON Lines, and distributed and entropy events with their kind.',
  params: [
    { name: 'alerts', type: 'string', help: 'Append one JSON object per scan event to this file (- for standard output): ts, event, id, scanner, technique, pattern, tool, counts, detectors, samples, group; distributed (victim) and entropy events as objects with a kind key.' },
    {
      name: 'alerts-format',
      type: 'choice',
      default: 'peng',
      choices: ['peng', 'ecs'],
      help: 'peng: the fields above; ecs: Elastic Common Schema 8.17 documents (event.*, source.ip, destination.ip/port samples, network.transport, threat.* MITRE ATT&CK T1046/T1595.001, rule.*, observer.*), the peng-ts record under peng_ts.scan.',
    },
  ],
  counters: [{ name: 'alerts.jsonl_events', kind: 'sum', help: 'Scan, distributed and entropy events written to the --alerts file.' }],
  create(ctx: ModuleContext) {
    const path = str(ctx.params, 'alerts');
    if (path === undefined) return null;
    const observer = { hostname: hostname(), name: ctx.sensorName, version: VERSION };
    const project: AlertProjection = str(ctx.params, 'alerts-format') === 'ecs' ? (r) => ecsDocument(r, observer) : pengProjection;
    const sink = new AlertJsonlSink(new TextOutput(path, '--alerts', ctx.warn), project);
    ctx.stats.add(alertsJsonlModule.counters, (out) => {
      out['alerts.jsonl_events'] = sink.events;
    });
    return sink;
  },
});

import { statSync } from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import { defineSink, type ModuleContext } from '../config/module.js';
import { str } from '../config/params.js';
import { AlertOutput, alertRecord, type AlertRecord } from './jsonl.js';
import type { SensorRecord } from './schema.js';
import type { Sink } from './sink.js';

/** CSV columns: the JSON Lines keys, in the same order. */
export const ALERT_COLUMNS: readonly (keyof AlertRecord)[] = [
  'ts',
  'event',
  'id',
  'scanner',
  'technique',
  'pattern',
  'tool',
  'tool_evidence',
  'targets',
  'ports',
  'probes',
  'failures',
  'probes_to_detect',
  'first_seen',
  'last_seen',
  'detectors',
  'sample_ports',
  'sample_targets',
  'evasion',
];

/**
 * One CSV cell per field; lists are joined with spaces (technique
 * `syn fin`, ports `22 80`), detectors as `name:score/threshold`.
 */
export function alertRow(a: AlertRecord): (string | number)[] {
  return ALERT_COLUMNS.map((c) => {
    const v = a[c];
    if (c === 'detectors') return a.detectors.map((d) => `${d.name}:${+d.score.toPrecision(6)}/${d.threshold}`).join(' ');
    if (Array.isArray(v)) return v.join(' ');
    return v as string | number;
  });
}

/** `--alerts-csv FILE`: the scan events as CSV, header written once per file. */
export class AlertCsvSink implements Sink {
  readonly name = 'alerts-csv';
  events = 0;
  private headerDone: boolean;

  constructor(private readonly out: AlertOutput) {
    this.headerDone = out.startSize > 0;
  }

  write(r: SensorRecord): void {
    if (r.kind !== 'scan') return;
    const rows: (string | number)[][] = [];
    if (!this.headerDone) {
      rows.push([...ALERT_COLUMNS]);
      this.headerDone = true;
    }
    rows.push(alertRow(alertRecord(r)));
    this.out.write(stringify(rows));
    this.events++;
  }

  flush(): Promise<void> {
    return this.out.flush();
  }

  close(): Promise<void> {
    return this.out.close();
  }
}

function sizeOf(path: string): number {
  if (path === '-') return 0;
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

export const alertsCsvModule = defineSink({
  name: 'alerts-csv',
  help: 'Scan events (start, update, end) as CSV, the same fields as --alerts.',
  params: [
    { name: 'alerts-csv', type: 'string', help: 'Append scan events as CSV rows to this file (- for standard output); a header is written when the file is new or empty.' },
  ],
  counters: [{ name: 'alerts.csv_events', kind: 'sum', help: 'Scan events written to the --alerts-csv file.' }],
  create(ctx: ModuleContext) {
    const path = str(ctx.params, 'alerts-csv');
    if (path === undefined) return null;
    const sink = new AlertCsvSink(new AlertOutput(path, '--alerts-csv', ctx.warn, sizeOf(path)));
    ctx.stats.add(alertsCsvModule.counters, (out) => {
      out['alerts.csv_events'] = sink.events;
    });
    return sink;
  },
});

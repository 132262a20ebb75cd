import { statSync } from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import { defineSink, type ModuleContext } from '../module.js';
import { str } from '../config/params.js';
import type { AlertRecord } from './scan-fields.js';
import { alertRecord, SCAN_COLUMNS, scanCells } from './scan-projection.js';
import { eventCells, extraEventColumns, isExtraEvent } from './event-projection.js';
import type { SensorRecord } from './schema.js';
import type { Sink } from './sink.js';
import { TextOutput } from './text-output.js';

export { SCAN_COLUMNS } from './scan-projection.js';

/**
 * CSV columns: the scan columns, then `kind` and every column of the other
 * event kinds (schema.ts tables) not already there. One header for the file;
 * a row leaves the columns of other kinds empty (scan rows say kind `scan`).
 */
export const ALERT_COLUMNS: readonly string[] = [...SCAN_COLUMNS, 'kind', ...extraEventColumns().filter((c) => !(SCAN_COLUMNS as readonly string[]).includes(c))];

/** The CSV row of a scan event: its scan cells, kind `scan`, and the other kinds' columns empty. */
export function alertRow(a: AlertRecord): (string | number)[] {
  const row: (string | number)[] = scanCells(a);
  row.push('scan');
  while (row.length < ALERT_COLUMNS.length) row.push('');
  return row;
}

/** `--alerts-csv FILE`: the scan events as CSV, header written once per file. */
export class AlertCsvSink implements Sink {
  readonly name = 'alerts-csv';
  /** Events the system accepted (not merely queued). */
  events = 0;
  private headerDone: boolean;
  private readonly counted = () => {
    this.events++;
  };

  constructor(private readonly out: TextOutput) {
    this.headerDone = out.startSize > 0;
  }

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
    if (r.kind !== 'scan' && !isExtraEvent(r)) return;
    const rows: (string | number)[][] = [];
    if (!this.headerDone) {
      rows.push([...ALERT_COLUMNS]);
      this.headerDone = true;
    }
    if (r.kind === 'scan') rows.push(alertRow(alertRecord(r)));
    else {
      const cells = eventCells(r);
      rows.push(ALERT_COLUMNS.map((c) => cells[c] ?? ''));
    }
    this.out.write(stringify(rows), this.counted);
  }

  flush(): Promise<void> {
    return this.out.flush();
  }

  close(): Promise<void> {
    return this.out.close();
  }

  /** A new file gets its own header (logrotate's `create` leaves it empty). */
  reopen(): Promise<void> {
    const done = this.out.reopen();
    this.headerDone = sizeOf(this.out.path) > 0;
    return done;
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
  help: 'Scan events (start, update, end) as CSV, the same fields as --alerts; distributed and entropy events in the same file (one header, a kind column).',
  params: [
    { name: 'alerts-csv', type: 'string', help: 'Append scan events as CSV rows to this file (- for standard output); a header is written when the file is new or empty.' },
  ],
  counters: [{ name: 'alerts.csv_events', kind: 'sum', help: 'Scan, distributed and entropy events written to the --alerts-csv file.' }],
  create(ctx: ModuleContext) {
    const path = str(ctx.params, 'alerts-csv');
    if (path === undefined) return null;
    const sink = new AlertCsvSink(new TextOutput(path, '--alerts-csv', ctx.warn, sizeOf(path)));
    ctx.stats.add(alertsCsvModule.counters, (out) => {
      out['alerts.csv_events'] = sink.events;
    });
    return sink;
  },
});

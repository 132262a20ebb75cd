import { stringify } from 'csv-stringify/sync';
import { goTime } from './go-time.js';
import type { SensorRecord } from './schema.js';
import type { Sink } from './sink.js';
import { TextOutput } from './text-output.js';

/**
 * Peng's -export: one row per frame, columns time, client, server, values
 * printed with %f (6 decimals), no header (Peng writes none, and appending to
 * an existing file must not repeat one). Opened once, mode 0644, appended;
 * flushed every frame. `rows` counts rows the file took, not rows queued.
 */
export class FrameCsvSink implements Sink {
  readonly name = 'csv';
  private readonly out: TextOutput;
  rows = 0;
  private readonly counted = () => {
    this.rows++;
  };

  constructor(
    readonly path: string,
    warn: (line: string) => void,
  ) {
    this.out = new TextOutput(path, '-export', warn);
  }

  get failure(): string | null {
    return this.out.failure;
  }

  get toStdout(): boolean {
    return this.out.toStdout;
  }

  /** Open the file now, so a bad path is reported at start, not at the first frame. */
  open(): Promise<void> {
    return this.out.open();
  }

  /** SIGHUP: rows from now on go to a new file at the same path; the old one keeps the rows before. */
  reopen(): Promise<void> {
    return this.out.reopen();
  }

  /** The name this had before open(); kept for library users. */
  ready(): Promise<void> {
    return this.open();
  }

  write(r: SensorRecord): void {
    if (r.kind !== 'frame') return;
    this.out.write(stringify([[goTime(r.end), r.client.toFixed(6), r.server.toFixed(6)]]), this.counted);
  }

  /** Resolves once what was written so far has reached the file. */
  flush(): Promise<void> {
    return this.out.flush();
  }

  close(): Promise<void> {
    return this.out.close();
  }
}

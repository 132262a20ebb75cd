import { createWriteStream, type WriteStream } from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import { SensorError } from '../errors.js';
import { goTime } from './go-time.js';
import type { SensorRecord } from './schema.js';
import type { Sink } from './sink.js';

/**
 * Peng's -export: one row per frame, columns time, client, server, values
 * printed with %f (6 decimals), no header (Peng writes none, and appending to
 * an existing file must not repeat one). Opened once, mode 0644, appended;
 * flushed every frame.
 */
export class FrameCsvSink implements Sink {
  readonly name = 'csv';
  private file: WriteStream;
  private failed: Error | null = null;
  rows = 0;

  constructor(
    readonly path: string,
    private readonly warn: (line: string) => void,
  ) {
    this.file = this.open();
  }

  private open(): WriteStream {
    const f = createWriteStream(this.path, { flags: 'a', mode: 0o644 });
    // An error of a file already rotated away must not stop the new one.
    f.on('error', (e) => {
      if (this.file === f) this.fail(e);
    });
    return f;
  }

  /** SIGHUP: rows from now on go to a new file at the same path; the old one gets the rows before. */
  reopen(): Promise<void> {
    const old = this.file;
    this.failed = null;
    this.file = this.open();
    return new Promise<void>((resolve) => old.end(() => resolve()));
  }

  /** Open the file now, so a bad path is reported at start, not at the first frame. */
  async ready(): Promise<void> {
    if (this.file.pending) {
      await new Promise<void>((resolve) => {
        this.file.once('ready', () => resolve());
        this.file.once('error', () => resolve());
      });
    }
    if (this.failed) throw new SensorError('SINK_WRITE', `-export ${this.path}: ${this.failed.message}`);
  }

  private fail(e: Error): void {
    if (!this.failed) this.warn(`-export ${this.path}: ${e.message}; CSV output stopped, other outputs go on`);
    this.failed = e;
  }

  write(r: SensorRecord): void {
    if (r.kind !== 'frame' || this.failed) return;
    this.file.write(stringify([[goTime(r.end), r.client.toFixed(6), r.server.toFixed(6)]]));
    this.rows++;
  }

  /** Resolves once what was written so far has reached the file. */
  async flush(): Promise<void> {
    if (this.failed) return;
    await new Promise<void>((resolve) => {
      // Writes complete in order: this callback runs once every row before it is in the file.
      this.file.write('', () => resolve());
    });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.file.end(() => resolve());
    });
  }
}

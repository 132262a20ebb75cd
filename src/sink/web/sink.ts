import { renameSync, writeFileSync } from 'node:fs';
import type { SensorRecord } from '../schema.js';
import type { Sink } from '../sink.js';
import { buildPage } from './page.js';
import type { WebServer } from './server.js';
import type { WebState } from './state.js';

export interface WebSinkOptions {
  state: WebState;
  server: WebServer | null;
  /** --report FILE.html, written when the input ends. */
  reportPath: string | null;
  title: string;
  /** After a replay: resolves on Ctrl-C; the page serves the final state until then. Null: close at once. */
  hold: (() => Promise<void>) | null;
  warn: (line: string) => void;
}

/**
 * The sink behind --web and --report: records go into the bounded WebState
 * (a copy of a few numbers per record, nothing per packet). At the end of
 * the input the report is written, and after a replay the server stays up
 * with the final state until the user stops it.
 */
export class WebSink implements Sink {
  readonly name = 'web';
  reportsWritten = 0;

  constructor(private readonly o: WebSinkOptions) {}

  write(r: SensorRecord): void {
    this.o.state.write(r);
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {
    const { state, server } = this.o;
    state.ended = true;
    server?.pushNow();
    if (this.o.reportPath !== null) this.writeReport(this.o.reportPath);
    if (server && this.o.hold) await this.o.hold();
    await server?.close();
  }

  /** The report: written to a temporary name, then renamed, so a reader never sees half a file. */
  writeReport(path: string): void {
    const html = buildPage('report', this.o.state.snapshot(), this.o.title);
    const tmp = `${path}.tmp-${process.pid}`;
    try {
      writeFileSync(tmp, html, { mode: 0o644 });
      renameSync(tmp, path);
      this.reportsWritten++;
      this.o.warn(`report written to ${path} (${this.o.state.scanCount} scans, ${this.o.state.frameCount} frames)`);
    } catch (e) {
      this.o.warn(`--report ${path}: ${(e as Error).message}; no report written`);
    }
  }
}

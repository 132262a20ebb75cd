import type { SensorRecord } from './schema.js';

/**
 * Every output implements this. `write` must not throw into the pipeline: a
 * failing sink counts its own failures and reports them once.
 */
export interface Sink {
  readonly name: string;
  /** True when it writes to standard output (the console, `--alerts -`). */
  readonly toStdout?: boolean;
  /** One line when this output failed (a full disk...): the run then exits non-zero. */
  readonly failure?: string | null;
  /** Open files now, so a bad path is one line at start (and before --user drops root). */
  open?(): Promise<void>;
  write(record: SensorRecord): void;
  /** Push out what is buffered (called after each frame). */
  flush(): Promise<void>;
  /** Final flush with a bounded wait, then release resources. */
  close(): Promise<void>;
  /**
   * SIGHUP (logrotate): switch to a freshly opened file at the same path at
   * once (later writes go there), and finish the old one in the background
   * (every line written before the switch lands in it). Files only.
   */
  reopen?(): Promise<void>;
  /** Called once before the sources start; a rejection stops the sensor (e.g. a metrics port in use). */
  start?(): Promise<void>;
}

import type { SensorRecord } from '../schema.js';
import type { Sink } from '../sink.js';
import { toLine, type Point } from './line-protocol.js';
import { pointsFor, type PointOptions } from './points.js';
import { LineQueue } from './queue.js';
import { WriteFailure, type BatchWriter } from './writer.js';

export interface InfluxSinkOptions {
  readonly writer: BatchWriter;
  readonly points: PointOptions;
  /** --influx-buffer: most points held while the database is away. */
  readonly bufferPoints: number;
  /** Most lines per request. */
  readonly batchPoints: number;
  /** --influx-flush-timeout, seconds: how long close() keeps trying. */
  readonly flushTimeout: number;
  /** Backoff between attempts while the database is away, seconds: starts at min, doubles up to max. */
  readonly retryMin: number;
  readonly retryMax: number;
  readonly warn: (line: string) => void;
}

/**
 * The InfluxDB output. write() turns a record into lines (points.ts) and
 * queues them; flush() (after each frame) starts sending if nothing is on its
 * way, and returns at once: a slow or absent database never holds up the
 * capture. One request at a time; what arrives meanwhile goes in the next one,
 * so a healthy database sees one request per frame.
 *
 * States: `up` (answering, or not tried yet), `down` (unreachable or failing:
 * one warning, lines kept up to the buffer bound, retry with backoff, one line
 * when it answers again), `failed` (auth or not-found: one line naming the
 * option to fix; every point from then on is dropped and counted; the other
 * outputs go on).
 */
export class InfluxSink implements Sink {
  /** `influx http://host:8086 bucket "b"`: shown once at start in the list of outputs. */
  readonly name: string;
  written = 0;
  rejected = 0;
  batches = 0;
  errors = 0;
  outages = 0;
  /** Points dropped without entering the queue (after a fatal error or close). */
  private droppedOutside = 0;
  private state: 'up' | 'down' | 'failed' = 'up';
  private closed = false;
  private sending: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private delayMs: number;
  /** Bumped when close() gives up on a request: its late answer must not touch the queue. */
  private generation = 0;
  /** `dropped` at the last successful write: what was lost in an outage is counted from there. */
  private droppedAtSuccess = 0;
  private warnedRejected = false;
  private readonly queue: LineQueue;
  private readonly scratch: Point[] = [];

  constructor(private readonly opts: InfluxSinkOptions) {
    this.name = `influx ${opts.writer.target}`;
    this.queue = new LineQueue(opts.bufferPoints);
    this.delayMs = opts.retryMin * 1000;
  }

  get target(): string {
    return this.opts.writer.target;
  }

  get queued(): number {
    return this.queue.length;
  }

  get queuedMax(): number {
    return this.queue.maxLength;
  }

  get dropped(): number {
    return this.queue.dropped + this.droppedOutside;
  }

  write(record: SensorRecord): void {
    try {
      const pts = pointsFor(record, this.opts.points, this.scratch);
      for (const p of pts) {
        const line = toLine(p);
        if (line === null) continue;
        if (this.state === 'failed' || this.closed) this.droppedOutside++;
        else this.queue.push(line);
      }
    } catch (e) {
      // A record we cannot render is a bug, not a reason to stop the capture.
      this.droppedOutside++;
      this.warnOnce(`influx: internal error rendering a ${record.kind} record: ${(e as Error).message}`);
    } finally {
      this.scratch.length = 0;
    }
  }

  flush(): Promise<void> {
    this.kick();
    return Promise.resolve();
  }

  /** Start a send loop unless one runs, a retry is scheduled, or there is nothing to do. */
  private kick(): void {
    if (this.sending || this.retryTimer || this.closed || this.state === 'failed' || this.queue.length === 0) return;
    this.sending = this.sendLoop().finally(() => {
      this.sending = null;
    });
  }

  /** Send batches until the queue is empty or an attempt fails. Never rejects. */
  private async sendLoop(): Promise<void> {
    while (this.queue.length > 0 && this.state !== 'failed') {
      const gen = this.generation;
      const batch = this.queue.take(this.opts.batchPoints);
      let failure: WriteFailure | null = null;
      try {
        await this.opts.writer.post(batch);
      } catch (e) {
        failure = e instanceof WriteFailure ? e : new WriteFailure('unreachable', String((e as Error)?.message ?? e));
      }
      if (gen !== this.generation) return;
      if (failure === null) {
        this.onSuccess(this.queue.settle('ok'));
        continue;
      }
      this.errors++;
      if (failure.retriable) {
        this.queue.settle('retry');
        this.onUnavailable(failure);
        return;
      }
      if (failure.kind === 'rejected') {
        const sent = this.queue.settle('discard');
        const refused = failure.serverDropped !== undefined ? Math.min(failure.serverDropped, sent) : sent;
        this.rejected += refused;
        this.written += sent - refused;
        if (!this.warnedRejected) {
          this.warnedRejected = true;
          this.opts.warn(`influx: ${failure.message}; ${refused} points not written (counted in influx.points_rejected; later refusals are only counted)`);
        }
        continue;
      }
      // auth / not_found: nothing will work until the configuration is fixed.
      this.queue.settle('retry');
      this.state = 'failed';
      this.queue.dropAll();
      this.opts.warn(`influx: ${failure.message}; InfluxDB output stopped (points are counted as dropped), the sensor goes on with its other outputs`);
      return;
    }
  }

  private onSuccess(sent: number): void {
    this.written += sent;
    this.batches++;
    this.delayMs = this.opts.retryMin * 1000;
    if (this.state === 'down') {
      this.state = 'up';
      const lost = this.dropped - this.droppedAtSuccess;
      this.opts.warn(
        `influx: ${this.target} is answering again; writing the ${this.queue.length + sent} buffered points` +
          (lost > 0 ? `, ${lost} dropped while it was away (buffer full: raise --influx-buffer)` : ''),
      );
    }
    this.droppedAtSuccess = this.dropped;
  }

  private onUnavailable(f: WriteFailure): void {
    if (this.state === 'up') {
      this.state = 'down';
      this.outages++;
      this.opts.warn(
        `influx: cannot write to ${this.target}: ${f.message}; keeping up to ${this.opts.bufferPoints} points (--influx-buffer) ` +
          `and retrying with backoff up to ${this.opts.retryMax}s; the sensor goes on`,
      );
    }
    if (this.closed) return;
    const delay = Math.min(Math.max(this.delayMs, f.retryAfterMs), this.opts.retryMax * 1000);
    this.delayMs = Math.min(this.delayMs * 2, this.opts.retryMax * 1000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.kick();
    }, delay);
    // The capture keeps the process alive; a retry alone must not.
    this.retryTimer.unref();
  }

  private readonly warned = new Set<string>();
  private warnOnce(line: string): void {
    if (this.warned.has(line)) return;
    this.warned.add(line);
    this.opts.warn(line);
  }

  /**
   * Final flush: keep sending (retrying every --influx-retry-min while the
   * database is away) until the queue is empty or --influx-flush-timeout has
   * passed; then abort, and count what is left as dropped, with one line.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    const deadline = Date.now() + this.opts.flushTimeout * 1000;
    while (this.state !== 'failed' && Date.now() < deadline) {
      if (!this.sending) {
        if (this.queue.length === 0) break;
        if (this.retryTimer) {
          // Down: at exit, retry on our own short pace instead of the backoff.
          clearTimeout(this.retryTimer);
          this.retryTimer = null;
        }
        this.kick();
      }
      if (this.sending) await raceUntil(this.sending, deadline);
      if (this.retryTimer) await sleepUntil(Math.min(Date.now() + this.opts.retryMin * 1000, deadline));
    }
    this.closed = true;
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    this.opts.writer.close();
    if (this.sending) await raceUntil(this.sending, Date.now() + 1000);
    if (this.queue.busy) {
      // The aborted request has not answered yet: forget it.
      this.generation++;
      this.queue.settle('retry');
    }
    const left = this.queue.dropAll();
    if (left > 0) {
      this.opts.warn(
        `influx: ${left} points not written at exit: ${this.target} did not take them within --influx-flush-timeout ${this.opts.flushTimeout}s`,
      );
    }
  }
}

function sleepUntil(deadline: number): Promise<void> {
  const ms = deadline - Date.now();
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}

function raceUntil(p: Promise<unknown>, deadline: number): Promise<unknown> {
  const ms = deadline - Date.now();
  if (ms <= 0) return Promise.resolve();
  let t: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise((r) => (t = setTimeout(r, ms)))]).finally(() => clearTimeout(t));
}

import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { HttpError, InfluxDB, type WriteApi } from '@influxdata/influxdb-client';
import { PRECISION } from './line-protocol.js';
import { displayUrl, kindOfStatus, networkReason, partialDropped, serverMessage, WriteFailure, type BatchWriter } from './writer.js';

export interface V2WriterOptions {
  /** Base URL with port, e.g. http://localhost:8086. */
  readonly url: string;
  readonly org: string;
  readonly bucket: string;
  /** Empty: no Authorization header (VictoriaMetrics, InfluxDB 3 without auth). */
  readonly token: string;
  /** Per request, ms. */
  readonly timeoutMs: number;
  /** Largest batch the sink will post (lines). */
  readonly maxBatch: number;
}

/**
 * `/api/v2/write` through @influxdata/influxdb-client (InfluxDB 2.x, 3.x,
 * 1.8+ compatibility endpoint, VictoriaMetrics).
 *
 * The client's own retry buffer is switched off. Its buffer retries a batch at
 * most maxRetries times and for at most maxRetryTime (180 s by default), then
 * logs and forgets it; it counts lines it skips to stay under maxBufferLines
 * but not those it expires; and it logs one console line per failed attempt.
 * That gives neither exact drop counts nor "everything is written once the
 * database is back". So the sink keeps its own bounded queue (queue.ts) and
 * uses the client only to post one batch: writeFailed returns a rejected
 * promise, which makes flush() reject at once, with no retry and no log line.
 */
export class V2Writer implements BatchWriter {
  readonly target: string;
  private readonly api: WriteApi;
  private readonly agent: HttpAgent;
  private readonly hint: string;

  constructor(private readonly opts: V2WriterOptions) {
    this.target = `${displayUrl(opts.url)} bucket "${opts.bucket}"`;
    this.agent = opts.url.startsWith('https:') ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
    const client = new InfluxDB({
      url: opts.url,
      token: opts.token || undefined,
      timeout: opts.timeoutMs,
      transportOptions: { agent: this.agent },
    });
    this.api = client.getWriteApi(opts.org, opts.bucket, PRECISION, {
      // One post per flush(): never split a batch on its own (a split part's
      // failure would be swallowed), never send on a timer.
      batchSize: opts.maxBatch + 1,
      maxBatchBytes: Number.MAX_SAFE_INTEGER,
      flushInterval: 0,
      maxRetries: 0,
      maxBufferLines: 1,
      gzipThreshold: 64 * 1024,
      writeFailed: (error: Error) => Promise.reject(error),
    });
    this.hint = opts.token ? '-token or the INFLUX_TOKEN environment variable' : 'no token given: set INFLUX_TOKEN or -token';
  }

  async post(lines: readonly string[]): Promise<void> {
    try {
      this.api.writeRecords(lines as string[]);
      await this.api.flush();
    } catch (e) {
      throw this.classify(e);
    }
  }

  private classify(e: unknown): WriteFailure {
    if (!(e instanceof HttpError)) return new WriteFailure('unreachable', networkReason(e));
    const status = e.statusCode;
    const msg = serverMessage(e.body) || e.statusMessage || e.message;
    const kind = kindOfStatus(status);
    const where = displayUrl(this.opts.url);
    switch (kind) {
      case 'auth':
        return new WriteFailure(kind, `${where} refused the write (HTTP ${status}: ${msg}): check ${this.hint}`, status);
      case 'not_found': {
        const what = /org/i.test(msg)
          ? `-org "${this.opts.org}"`
          : /bucket|database/i.test(msg)
            ? `-bucket "${this.opts.bucket}"`
            : `the URL (InfluxDB before 1.8 has no /api/v2/write: use --influx-v1-db), -bucket "${this.opts.bucket}" and -org "${this.opts.org}"`;
        return new WriteFailure(kind, `${where}: ${msg} (HTTP 404): check ${what}`, status);
      }
      case 'rejected':
        return new WriteFailure(kind, `${where} refused points as bad data (HTTP ${status}: ${msg})`, status, 0, partialDropped(msg));
      default:
        return new WriteFailure(kind, `HTTP ${status}: ${msg}`, status, e.retryAfter());
    }
  }

  close(): void {
    // Dispose drops the client's (empty) buffers; destroying the agent ends a
    // request in flight at once instead of after the socket timeout.
    this.api.dispose();
    this.agent.destroy();
  }
}

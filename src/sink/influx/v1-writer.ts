import { PRECISION } from './line-protocol.js';
import { displayUrl, kindOfStatus, networkReason, partialDropped, serverMessage, WriteFailure, type BatchWriter } from './writer.js';

export interface V1WriterOptions {
  /** Base URL with port, e.g. http://localhost:8086. */
  readonly url: string;
  readonly database: string;
  /** Retention policy; undefined = the database's default. */
  readonly retentionPolicy?: string;
  readonly username?: string;
  readonly password?: string;
  /** Per request, ms. */
  readonly timeoutMs: number;
}

/** InfluxDB 1.x `/write?db=` precision names differ from v2's (`u`, not `us`). */
const V1_PRECISION: Record<string, string> = { ns: 'n', us: 'u', ms: 'ms', s: 's' };

/**
 * InfluxDB 1.x's own `/write` API, for servers before 1.8 that have no
 * `/api/v2/write`: one POST of line protocol per batch with node's fetch,
 * credentials in a Basic Authorization header (not in the URL, where they
 * would reach access logs).
 */
export class V1Writer implements BatchWriter {
  readonly target: string;
  private readonly endpoint: string;
  private readonly headers: Record<string, string>;
  private readonly inFlight = new Set<AbortController>();

  constructor(private readonly opts: V1WriterOptions) {
    this.target = `${displayUrl(opts.url)} database "${opts.database}"`;
    const q = new URLSearchParams({ db: opts.database, precision: V1_PRECISION[PRECISION] });
    if (opts.retentionPolicy) q.set('rp', opts.retentionPolicy);
    this.endpoint = `${opts.url.replace(/\/+$/, '')}/write?${q.toString()}`;
    this.headers = { 'Content-Type': 'text/plain; charset=utf-8' };
    if (opts.username !== undefined || opts.password !== undefined) {
      this.headers.Authorization = `Basic ${Buffer.from(`${opts.username ?? ''}:${opts.password ?? ''}`).toString('base64')}`;
    }
  }

  async post(lines: readonly string[]): Promise<void> {
    const ac = new AbortController();
    this.inFlight.add(ac);
    const timer = setTimeout(() => ac.abort(new Error(`no answer within ${this.opts.timeoutMs} ms`)), this.opts.timeoutMs);
    let res: Response;
    let body: string;
    try {
      res = await fetch(this.endpoint, { method: 'POST', headers: this.headers, body: lines.join('\n'), signal: ac.signal });
      body = await res.text();
    } catch (e) {
      throw new WriteFailure('unreachable', ac.signal.aborted ? networkReason(ac.signal.reason) : networkReason(e));
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(ac);
    }
    if (res.status === 204 || res.status === 200) return;
    throw this.classify(res.status, serverMessage(body) || res.statusText, res.headers.get('retry-after'));
  }

  private classify(status: number, msg: string, retryAfter: string | null): WriteFailure {
    const kind = kindOfStatus(status);
    const where = displayUrl(this.opts.url);
    switch (kind) {
      case 'auth':
        return new WriteFailure(
          kind,
          `${where} refused the write (HTTP ${status}: ${msg}): check --influx-v1-user and --influx-v1-password (or INFLUX_USERNAME and INFLUX_PASSWORD)`,
          status,
        );
      case 'not_found':
        return new WriteFailure(
          kind,
          /database/i.test(msg)
            ? `${where}: ${msg} (HTTP 404): create it (CREATE DATABASE "${this.opts.database}") or fix --influx-v1-db`
            : `${where}: ${msg || 'not found'} (HTTP 404): is this an InfluxDB 1.x URL? check --influx`,
          status,
        );
      case 'rejected':
        return new WriteFailure(kind, `${where} refused points as bad data (HTTP ${status}: ${msg})`, status, 0, partialDropped(msg));
      default: {
        const secs = retryAfter ? Number(retryAfter) : NaN;
        return new WriteFailure(kind, `HTTP ${status}: ${msg}`, status, Number.isFinite(secs) ? secs * 1000 : 0);
      }
    }
  }

  close(): void {
    for (const ac of this.inFlight) ac.abort(new Error('closed'));
    this.inFlight.clear();
  }
}

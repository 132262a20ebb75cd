/**
 * A BatchWriter posts one batch of line-protocol lines and says how it went;
 * the sink (sink.ts) owns the buffer, the retries and the messages about them.
 * Two implementations: v2-writer.ts (`/api/v2/write` through the official
 * client, its retries off) and v1-writer.ts (`/write`, InfluxDB 1.x).
 */
export interface BatchWriter {
  /** Where points go, for messages: `http://host:8086 bucket "b"`. */
  readonly target: string;
  /** Resolves when the database accepted every line; rejects with a WriteFailure. */
  post(lines: readonly string[]): Promise<void>;
  /** Abort what is in flight and release sockets. Safe to call twice. */
  close(): void;
}

/**
 * - unreachable: no HTTP answer (refused, reset, DNS, timeout): retry.
 * - unavailable: an HTTP answer that may change (429, 5xx, unexpected): retry.
 * - auth: 401/403, a wrong token or password: fatal, the output stops.
 * - not_found: 404, unknown bucket, org or database: fatal.
 * - rejected: 400/413/422, the data itself was refused: drop the batch, go on.
 */
export type FailureKind = 'unreachable' | 'unavailable' | 'auth' | 'not_found' | 'rejected';

export class WriteFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    /** One line: for fatal kinds, what happened and which option to fix. */
    message: string,
    readonly status?: number,
    /** Server's Retry-After, ms (0 = none). */
    readonly retryAfterMs = 0,
    /** For `rejected`: how many lines the server says it dropped, when it says so (InfluxDB 1.x partial writes). */
    readonly serverDropped?: number,
  ) {
    super(message);
    this.name = 'WriteFailure';
  }

  get retriable(): boolean {
    return this.kind === 'unreachable' || this.kind === 'unavailable';
  }

  get fatal(): boolean {
    return this.kind === 'auth' || this.kind === 'not_found';
  }
}

/** Which kind an HTTP status is. */
export function kindOfStatus(status: number): FailureKind {
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not_found';
  if (status === 400 || status === 413 || status === 422) return 'rejected';
  return 'unavailable';
}

/** The server's own error text from a JSON body (`message` in v2, `error` in v1), or the body itself, one line, short. */
export function serverMessage(body: string | undefined): string {
  if (!body) return '';
  let text = body;
  try {
    const j = JSON.parse(body) as { message?: unknown; error?: unknown };
    if (typeof j.message === 'string') text = j.message;
    else if (typeof j.error === 'string') text = j.error;
  } catch {
    // not JSON: the raw body
  }
  text = text.replace(/\s+/g, ' ').trim();
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}

/** `partial write: ... dropped=3` (InfluxDB 1.x and 2.x) to 3. */
export function partialDropped(message: string): number | undefined {
  const m = /dropped=(\d+)/.exec(message);
  return m ? Number(m[1]) : undefined;
}

/** A short reason for a failure without an HTTP answer: `connect ECONNREFUSED 127.0.0.1:8086`. */
export function networkReason(e: unknown): string {
  const err = e as { message?: string; code?: string; cause?: { message?: string; code?: string } };
  const cause = err?.cause;
  if (cause?.message) return cause.message;
  if (err?.message) return err.code && !err.message.includes(err.code) ? `${err.message} (${err.code})` : err.message;
  return String(e);
}

/** Remove userinfo and query from a URL before it is shown in a message. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

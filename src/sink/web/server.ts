import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebState } from './state.js';

/**
 * The read-only web view: GET / (the page), GET /events (Server-Sent Events:
 * one `snapshot`, then a `delta` at most every `pushMs` when something
 * changed), GET /api/state (the snapshot as JSON). Nothing else; no method
 * but GET and HEAD. With a token, every request must carry it (query
 * `token=`, `Authorization: Bearer`, or the cookie the page sets).
 *
 * The server reads the state on its own timer, never from the sensor's
 * packet path; a client that stops reading is dropped when 1 MiB is waiting.
 */
export interface WebServerOptions {
  state: WebState;
  page: () => string;
  token: string | undefined;
  pushMs: number;
  warn: (line: string) => void;
}

const COOKIE = 'peng_web_token';
const MAX_BACKLOG = 1 << 20;
const PING_MS = 15_000;

export class WebServer {
  readonly server: Server;
  private readonly clients = new Set<ServerResponse>();
  private timer: NodeJS.Timeout | null = null;
  private ping: NodeJS.Timeout | null = null;
  private sentSeq = 0;
  private sentHealthTs = -1;
  private sentEnded = false;
  private readonly tokenHash: Buffer | null;

  requests = 0;
  refused = 0;
  clientsDropped = 0;

  constructor(private readonly o: WebServerOptions) {
    this.tokenHash = o.token ? sha(o.token) : null;
    this.server = createServer((req, res) => this.handle(req, res));
  }

  get clientCount(): number {
    return this.clients.size;
  }

  listen(host: string, port: number): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** Push what changed now (end of input). */
  pushNow(): void {
    this.push();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.ping) clearInterval(this.ping);
    this.timer = this.ping = null;
    for (const c of this.clients) c.end();
    this.clients.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections?.();
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.requests++;
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cache-Control', 'no-store');
    // Not to be framed by another site (frame-ancestors cannot be set from the page's <meta>).
    res.setHeader('Content-Security-Policy', "frame-ancestors 'none'");
    res.setHeader('X-Frame-Options', 'DENY');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('read-only: GET only\n');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://x');
    const given = this.tokenFrom(req, url);
    if (this.tokenHash && !(given !== null && timingSafeEqual(sha(given), this.tokenHash))) {
      this.refused++;
      res.writeHead(401, { 'Content-Type': 'text/plain' }).end('token required: open the page as http://HOST:PORT/?token=YOUR_TOKEN\n');
      return;
    }
    if (this.tokenHash && url.searchParams.has('token')) {
      // Later requests from the page (the event stream) carry the cookie instead.
      res.setHeader('Set-Cookie', `${COOKIE}=${encodeURIComponent(given!)}; HttpOnly; SameSite=Strict; Path=/`);
    }
    if (url.pathname === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(req.method === 'HEAD' ? undefined : this.o.page());
    } else if (url.pathname === '/api/state') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(this.o.state.snapshot()));
    } else if (url.pathname === '/events') {
      this.subscribe(res);
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
    }
  }

  private tokenFrom(req: IncomingMessage, url: URL): string | null {
    const q = url.searchParams.get('token');
    if (q !== null) return q;
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) return auth.slice(7);
    for (const part of (req.headers.cookie ?? '').split(';')) {
      const [k, ...v] = part.trim().split('=');
      if (k === COOKIE) return decodeURIComponent(v.join('='));
    }
    return null;
  }

  private subscribe(res: ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', Connection: 'keep-alive' });
    this.send(res, 'snapshot', JSON.stringify(this.o.state.snapshot()));
    this.clients.add(res);
    res.on('close', () => {
      this.clients.delete(res);
      if (this.clients.size === 0) this.stopTimers();
    });
    if (!this.timer) {
      this.timer = setInterval(() => this.push(), this.o.pushMs);
      this.ping = setInterval(() => this.broadcast(': ping\n\n'), PING_MS);
    }
  }

  private stopTimers(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.ping) clearInterval(this.ping);
    this.timer = this.ping = null;
  }

  private push(): void {
    const s = this.o.state;
    const h = s.health();
    const healthTs = h ? h.ts : -1;
    if (s.lastSeq === this.sentSeq && healthTs === this.sentHealthTs && s.ended === this.sentEnded) return;
    const since = this.sentSeq;
    this.sentSeq = s.lastSeq;
    this.sentHealthTs = healthTs;
    this.sentEnded = s.ended;
    if (this.clients.size === 0) return;
    this.broadcast(`event: delta\ndata: ${JSON.stringify(s.delta(since))}\n\n`);
  }

  private send(res: ServerResponse, event: string, data: string): void {
    res.write(`event: ${event}\ndata: ${data}\n\n`);
  }

  private broadcast(text: string): void {
    for (const c of this.clients) {
      if (c.writableLength > MAX_BACKLOG) {
        this.clientsDropped++;
        this.clients.delete(c);
        c.destroy();
        continue;
      }
      c.write(text);
    }
  }
}

function sha(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Loopback addresses: the only binds allowed without a token. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

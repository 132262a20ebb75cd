import { createServer, type Server, type Socket } from 'node:net';
import type { CaptureSource, CaptureStats, PacketHandler } from '../source.js';
import { FlowRecord } from './flow-record.js';
import { FlowViews, type FlowViewOptions } from './flow-views.js';
import { LineSplitter } from './line-splitter.js';
import { formatListen, listenError, type ListenAddress } from './listen-address.js';
import { JSON_BAD_NAMES, JsonBad, NprobeJsonParser } from './nprobe-json.js';
import { WarnLimiter } from './warn-limiter.js';

export interface NprobeJsonOptions {
  readonly listen: ListenAddress;
  /** Longest line kept, bytes; longer ones are dropped as they stream in. */
  readonly maxLine: number;
  /** Exporters connected at once; more are refused. */
  readonly maxConnections: number;
  /** Seconds between two warnings of one kind. */
  readonly warnInterval: number;
  /**
   * Seconds a connection may go without one complete line before it is
   * closed (absent: 300). Progress is a whole line, not a byte: a client
   * trickling one byte a second cannot hold a slot.
   */
  readonly idleTimeout?: number;
  /** Wall clock in ms for the idle timeout (tests inject one, as warn-limiter.ts does); Date.now by default. */
  readonly clock?: () => number;
  readonly views: FlowViewOptions;
  readonly warn: (line: string) => void;
}

/** One exporter's TCP connection. */
class Conn {
  readonly splitter: LineSplitter;
  flows = 0;
  closed = false;
  /** Wall-clock ms of the last complete line (or of the accept). */
  lastLine: number;
  constructor(
    readonly socket: Socket,
    readonly peer: string,
    maxLine: number,
    now: number,
  ) {
    this.lastLine = now;
    this.splitter = new LineSplitter(maxLine);
  }
}

/**
 * nProbe's JSON flow export over TCP (`nprobe --tcp HOST:PORT`), what
 * PortScanDetector reads, without its faults: any number of exporters at
 * once, each with its own buffer; a line that is not JSON, lacks a field or
 * has a bad address is counted by reason, warned about (rate-limited) and
 * skipped while the connection stays up; a line over `maxLine` bytes is
 * dropped without being held whole; bytes are split into lines before UTF-8
 * decoding, so a character cut across reads is whole again; a closed
 * connection is noticed and counted at once (a line cut by it is counted as
 * truncated, or taken if it parses).
 *
 * Each flow becomes packet views (FlowViews) handed to the pipeline's
 * onDecoded handler. run() resolves when stop() is called.
 */
/** Seconds without a complete line before a connection is closed, when not given. */
export const DEFAULT_IDLE_TIMEOUT = 300;

export class NprobeJsonSource implements CaptureSource {
  readonly preDecoded = true;
  readonly live: boolean;
  damage: string | null = null;
  readonly views: FlowViews;
  /** The port actually bound (differs from the asked one only with port 0). */
  port = 0;
  private server: Server | null = null;
  private readonly conns = new Set<Conn>();
  private readonly rec = new FlowRecord();
  private readonly parser = new NprobeJsonParser();
  private readonly limiter: WarnLimiter;
  private stopped = false;
  private finishRun: (() => void) | null = null;
  private arrival = 0;
  private current: Conn | null = null;

  // counters
  lines = 0;
  flows = 0;
  bytes = 0;
  readonly bad = new Float64Array(JSON_BAD_NAMES.length);
  truncated = 0;
  private oversizeClosed = 0;
  connectionsOpened = 0;
  connectionsClosed = 0;
  connectionsRefused = 0;
  connectionsIdle = 0;
  socketErrors = 0;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(private readonly o: NprobeJsonOptions) {
    this.views = new FlowViews(o.views);
    this.limiter = new WarnLimiter(o.warn, o.warnInterval);
    // Flow time runs behind the wall clock by the export delay: a wall-clock
    // tick would time out every probe before its answer arrives. See docs/flows.md.
    this.live = o.views.time === 'arrival';
    this.port = o.listen.port;
  }

  get description(): string {
    return `nProbe JSON flows on tcp ${formatListen({ host: this.o.listen.host, port: this.port })}`;
  }

  /** Lines dropped for their size, over all connections. */
  get oversize(): number {
    let n = this.oversizeClosed;
    for (const c of this.conns) n += c.splitter.oversize;
    return n;
  }

  get connectionsOpen(): number {
    return this.conns.size;
  }

  run(onPacket: PacketHandler): Promise<void> {
    this.views.handler = onPacket;
    return new Promise<void>((resolve, reject) => {
      if (this.stopped) {
        resolve();
        return;
      }
      const server = createServer((socket) => this.accept(socket));
      this.server = server;
      let listening = false;
      server.on('error', (e: NodeJS.ErrnoException) => {
        if (!listening) {
          this.server = null;
          reject(listenError(e, this.o.listen));
          return;
        }
        this.limiter.note('server', () => `nprobe: listener error: ${e.message}`);
      });
      server.listen({ host: this.o.listen.host, port: this.o.listen.port }, () => {
        listening = true;
        const a = server.address();
        if (a !== null && typeof a === 'object') this.port = a.port;
        this.finishRun = resolve;
        this.startIdleSweep();
        if (this.stopped) this.shutdown();
      });
    });
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.finishRun !== null) this.shutdown();
  }

  stats(): CaptureStats {
    return { delivered: this.views.views, kernelReceived: null, kernelDropped: null, interfaceDropped: null };
  }

  /**
   * One coarse timer for every connection (a quarter of the timeout, at most
   * 5 s), not one per socket: socket.setTimeout would count any byte as life.
   */
  private startIdleSweep(): void {
    const ms = (this.o.idleTimeout ?? DEFAULT_IDLE_TIMEOUT) * 1000;
    this.idleTimer = setInterval(() => this.closeIdle(), Math.min(5000, Math.max(50, ms / 4)));
    this.idleTimer.unref();
  }

  private now(): number {
    return this.o.clock ? this.o.clock() : Date.now();
  }

  /** Close every connection without a complete line for the idle timeout (the sweep timer calls it). */
  closeIdle(): void {
    const limit = this.now() - (this.o.idleTimeout ?? DEFAULT_IDLE_TIMEOUT) * 1000;
    for (const c of [...this.conns]) {
      if (c.lastLine >= limit) continue;
      this.connectionsIdle++;
      this.limiter.note('idle', () => `nprobe: closed ${c.peer}: no complete line for ${this.o.idleTimeout ?? DEFAULT_IDLE_TIMEOUT} s (--flows-idle-timeout)`);
      this.closeConn(c);
      c.socket.destroy();
    }
  }

  private shutdown(): void {
    if (this.idleTimer) clearInterval(this.idleTimer);
    this.idleTimer = null;
    this.server?.close();
    this.server = null;
    for (const c of [...this.conns]) {
      this.closeConn(c);
      c.socket.destroy();
    }
    this.views.close();
    const done = this.finishRun;
    this.finishRun = null;
    done?.();
  }

  private accept(socket: Socket): void {
    if (this.stopped) {
      socket.destroy();
      return;
    }
    const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    if (this.conns.size >= this.o.maxConnections) {
      this.connectionsRefused++;
      this.limiter.note('refused', () => `nprobe: refused a connection from ${peer}: already ${this.conns.size} exporters connected (--flows-max-connections)`);
      socket.destroy();
      return;
    }
    const c = new Conn(socket, peer, this.o.maxLine, this.now());
    this.conns.add(c);
    this.connectionsOpened++;
    socket.setKeepAlive(true, 60_000);
    socket.on('data', (chunk: Buffer) => this.data(c, chunk));
    socket.on('error', () => {
      this.socketErrors++;
    });
    socket.on('close', () => this.closeConn(c));
  }

  private data(c: Conn, chunk: Buffer): void {
    if (c.closed) return;
    this.bytes += chunk.length;
    this.arrival = Date.now() / 1000;
    this.current = c;
    const before = c.splitter.oversize;
    const lines = this.lines;
    c.splitter.push(chunk, this.onLine);
    // A whole line, even a bad one, is progress; an oversize line being dropped too (it is moving).
    if (this.lines !== lines || c.splitter.oversize !== before) c.lastLine = this.now();
    if (c.splitter.oversize !== before) {
      this.limiter.note('oversize', () => `nprobe: ${c.peer}: dropped a line longer than ${this.o.maxLine} bytes (--flows-max-line)`);
    }
    this.current = null;
    this.views.settle();
  }

  /** The exporter went away (or we stop): count it now, and settle its unfinished line. */
  private closeConn(c: Conn): void {
    if (c.closed) return;
    c.closed = true;
    this.conns.delete(c);
    this.connectionsClosed++;
    this.oversizeClosed += c.splitter.oversize;
    this.arrival = Date.now() / 1000;
    this.current = c;
    c.splitter.end(this.onCutLine);
    this.current = null;
    this.views.settle();
  }

  private readonly onLine = (buf: Buffer, start: number, end: number): void => {
    if (isBlank(buf, start, end)) return;
    this.lines++;
    this.handle(buf.toString('utf8', start, end), false);
  };

  /** The last line of a connection that closed without its newline. */
  private readonly onCutLine = (buf: Buffer, start: number, end: number): void => {
    if (isBlank(buf, start, end)) return;
    this.lines++;
    this.handle(buf.toString('utf8', start, end), true);
  };

  private handle(text: string, cut: boolean): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      if (cut) {
        this.truncated++;
        this.note('truncated', 'cut by the disconnect', text);
      } else this.reject(JsonBad.BAD_JSON, 'not JSON', text);
      return;
    }
    if (Array.isArray(value)) {
      for (const v of value) this.object(v, text);
    } else this.object(value, text);
  }

  private object(v: unknown, text: string): void {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      this.reject(JsonBad.NOT_OBJECT, 'not a JSON object', text);
      return;
    }
    const bad = this.parser.parse(v as Record<string, unknown>, this.rec);
    if (bad !== JsonBad.NONE) {
      this.reject(bad, this.parser.detail, text);
      return;
    }
    this.flows++;
    if (this.current !== null) this.current.flows++;
    this.views.add(this.rec, this.arrival);
  }

  private reject(bad: JsonBad, detail: string, text: string): void {
    this.bad[bad]++;
    this.note(JSON_BAD_NAMES[bad], detail, text);
  }

  private note(reason: string, detail: string, text: string): void {
    const peer = this.current?.peer ?? '?';
    this.limiter.note(reason, () => `nprobe: ${peer}: skipped a flow (${reason}: ${detail}): ${excerpt(text)}`);
  }
}

function isBlank(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const b = buf[i];
    if (b !== 32 && b !== 9 && b !== 13) return false;
  }
  return true;
}

function excerpt(text: string): string {
  const s = JSON.stringify(text.length > 100 ? `${text.slice(0, 100)}...` : text);
  return s;
}

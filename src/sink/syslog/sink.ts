import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { loadNative } from '../../capture/live.js';
import { SensorError } from '../../errors.js';
import type { SensorRecord } from '../schema.js';
import type { Sink } from '../sink.js';
import { syslogMessage, type SyslogIdentity } from './rfc5424.js';

/** Where `--syslog` sends: udp://host[:514], tcp://host[:514] or unix:///path (a stream socket). */
export type SyslogTarget = { proto: 'udp' | 'tcp'; host: string; port: number } | { proto: 'unix'; path: string };

export function parseSyslogUrl(url: string): SyslogTarget {
  const m = /^(udp|tcp|unix):\/\/(.*)$/.exec(url);
  const bad = (why: string) => new SensorError('CFG_INVALID', `--syslog ${url}: ${why} (examples: udp://127.0.0.1:514, tcp://siem:6514, unix:///run/peng-syslog.sock)`);
  if (!m) throw bad('expected udp://, tcp:// or unix://');
  if (m[1] === 'unix') {
    if (!m[2].startsWith('/')) throw bad('unix:// needs an absolute path');
    return { proto: 'unix', path: m[2] };
  }
  const hp = /^(?:\[([^\]]+)\]|([^:/]+))(?::(\d+))?\/?$/.exec(m[2]);
  if (!hp) throw bad('expected host[:port]');
  const port = hp[3] === undefined ? 514 : Number(hp[3]);
  if (!(port >= 1 && port <= 65535)) throw bad('port must be 1..65535');
  return { proto: m[1] as 'udp' | 'tcp', host: hp[1] ?? hp[2], port };
}

export interface SyslogOptions {
  target: SyslogTarget;
  identity: SyslogIdentity;
  /** Messages kept while a stream is down; the oldest are dropped (counted) past this. */
  maxQueue: number;
  warn: (line: string) => void;
  retryMin?: number;
  retryMax?: number;
  /** At close, how long to wait for the queue to drain (ms). */
  closeTimeoutMs?: number;
}

/**
 * `--syslog URL`: one RFC 5424 message per scan event. UDP: one datagram per
 * message. TCP and Unix stream sockets: octet-counted framing (RFC 6587 3.4.1,
 * `LEN SP MSG`), reconnecting with a doubling wait while the receiver is down;
 * messages wait in a bounded queue meanwhile (drops counted). Never throws into
 * the pipeline: failures are counters and one warning per outage.
 */
export class SyslogSink implements Sink {
  readonly name = 'syslog';
  sent = 0;
  dropped = 0;
  errors = 0;
  private readonly queue: string[] = [];
  private udp: UdpSocket | null = null;
  private stream: Socket | null = null;
  private connected = false;
  private connecting = false;
  private inFlight = 0;
  private retry: NodeJS.Timeout | null = null;
  private wait: number;
  private down = false;
  private closing = false;
  private drained: (() => void)[] = [];
  /** A Unix datagram socket (/dev/log): sent through the native addon, Node has no AF_UNIX datagrams. */
  private dgramSend: ((path: string, data: Buffer) => number) | null = null;

  constructor(private readonly o: SyslogOptions) {
    this.wait = o.retryMin ?? 1000;
    if (o.target.proto === 'udp') {
      this.udp = createSocket(o.target.host.includes(':') ? 'udp6' : 'udp4');
      this.udp.on('error', (e) => this.failed(e));
      this.udp.unref();
    } else this.connect();
  }

  get queued(): number {
    return this.queue.length + this.inFlight;
  }

  write(r: SensorRecord): void {
    const msg = syslogMessage(r, this.o.identity);
    if (msg === null || this.closing) return;
    if (this.queue.length >= this.o.maxQueue) {
      this.queue.shift();
      this.dropped++;
    }
    this.queue.push(msg);
    this.pump();
  }

  private pump(): void {
    const t = this.o.target;
    while (this.queue.length > 0) {
      if (this.dgramSend && t.proto === 'unix') {
        if (this.retry) break; // waiting for the receiver to come back
        try {
          this.dgramSend(t.path, Buffer.from(this.queue[0]));
          this.queue.shift();
          this.connected = true;
          this.ok();
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'EAGAIN' || code === 'ENOBUFS' || code === 'EMSGSIZE') {
            // The receiver's queue is full (or the message too big): this one is lost, the next may pass.
            this.queue.shift();
            this.dropped++;
            this.errors++;
            continue;
          }
          this.connected = false;
          this.failed(e as Error);
          this.retry = setTimeout(() => {
            this.retry = null;
            this.pump();
          }, this.wait);
          this.retry.unref();
          this.wait = Math.min(this.wait * 2, this.o.retryMax ?? 30_000);
          break;
        }
      } else if (this.udp && t.proto === 'udp') {
        const buf = Buffer.from(this.queue.shift()!);
        this.inFlight++;
        this.udp.send(buf, t.port, t.host, (err) => {
          this.inFlight--;
          if (err) this.failed(err);
          else this.ok();
          this.settle();
        });
      } else if (this.stream && this.connected) {
        const msg = this.queue.shift()!;
        const body = Buffer.from(msg);
        this.inFlight++;
        this.stream.write(`${body.length} ${msg}`, (err) => {
          this.inFlight--;
          if (err) this.dropped++;
          else this.ok();
          this.settle();
        });
      } else break;
    }
    this.settle();
  }

  private ok(): void {
    this.sent++;
    this.wait = this.o.retryMin ?? 1000;
    if (this.down) {
      this.down = false;
      this.o.warn(`--syslog: ${describe(this.o.target)} reachable again`);
    }
  }

  private failed(e: Error): void {
    if ((e as NodeJS.ErrnoException).code === 'EPROTOTYPE' && this.toDatagram()) return;
    this.errors++;
    if (!this.down) {
      this.down = true;
      // /dev/log is a datagram socket; Node's net and dgram modules cannot send to AF_UNIX datagram sockets.
      const why =
        (e as NodeJS.ErrnoException).code === 'EPROTOTYPE'
          ? 'a datagram socket (as /dev/log), which Node cannot send to without the native addon (not built): use udp://127.0.0.1:514 or a stream socket (rsyslog imptcp path=, syslog-ng unix-stream())'
          : `${e.message}; retrying, up to ${this.o.maxQueue} messages kept meanwhile`;
      this.o.warn(`--syslog ${describe(this.o.target)}: ${why}`);
    }
  }

  private connect(): void {
    if (this.connecting || this.closing) return;
    this.connecting = true;
    const t = this.o.target;
    const s = t.proto === 'unix' ? connect({ path: t.path }) : connect({ host: (t as { host: string }).host, port: (t as { port: number }).port });
    this.stream = s;
    s.unref();
    s.on('connect', () => {
      this.connecting = false;
      this.connected = true;
      this.pump();
    });
    s.on('error', (e) => this.failed(e));
    s.on('close', () => {
      if (this.dgramSend) return; // switched to datagrams: this stream was never a connection
      this.connecting = false;
      this.connected = false;
      this.stream = null;
      this.settle();
      if (this.closing) return;
      this.retry = setTimeout(() => {
        this.retry = null;
        this.connect();
      }, this.wait);
      this.retry.unref();
      this.wait = Math.min(this.wait * 2, this.o.retryMax ?? 30_000);
    });
  }

  /** The Unix socket refused a stream connection (EPROTOTYPE): switch to datagrams if the addon can send them. */
  private toDatagram(): boolean {
    const send = loadNative()?.unixDgramSend;
    if (!send || this.o.target.proto !== 'unix') return false;
    this.dgramSend = send;
    this.stream = null;
    this.connected = true;
    queueMicrotask(() => this.pump());
    return true;
  }

  /** Wake flush() waiters once the queue is empty, or the stream receiver is down (nothing to wait for). */
  private settle(): void {
    if (this.queued > 0 && (this.o.target.proto === 'udp' || this.connected)) return;
    const d = this.drained;
    this.drained = [];
    for (const f of d) f();
  }

  /** Resolves when what was queued has been handed to the socket (or the receiver is down). */
  flush(): Promise<void> {
    return new Promise((resolve) => {
      this.drained.push(resolve);
      this.settle();
    });
  }

  /** Gives a reconnecting receiver up to closeTimeoutMs to take the queue; the rest is dropped (counted). */
  async close(): Promise<void> {
    const deadline = Date.now() + (this.o.closeTimeoutMs ?? 2000);
    while (this.queued > 0 && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(50, Math.max(1, deadline - Date.now())));
        this.drained.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    this.closing = true;
    if (this.retry) clearTimeout(this.retry);
    this.dropped += this.queue.length;
    this.queue.length = 0;
    const s = this.stream;
    if (s && this.connected) await new Promise<void>((resolve) => s.end(() => resolve()));
    else s?.destroy();
    this.udp?.close();
  }
}

function describe(t: SyslogTarget): string {
  return t.proto === 'unix' ? `unix://${t.path}` : `${t.proto}://${t.host}:${t.port}`;
}

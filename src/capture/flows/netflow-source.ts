import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import type { CaptureSource, CaptureStats, PacketHandler } from '../source.js';
import { FlowViews, type FlowViewOptions } from './flow-views.js';
import { formatListen, listenError, type ListenAddress } from './listen-address.js';
import { NetflowDecoder } from './netflow-decoder.js';
import { WarnLimiter } from './warn-limiter.js';

export interface NetflowOptions {
  readonly listen: ListenAddress;
  /** Socket receive buffer asked for, bytes (the kernel may give less: net.core.rmem_max). */
  readonly recvBuffer: number;
  readonly maxTemplates: number;
  readonly maxExporters: number;
  readonly maxTemplatesPerExporter?: number;
  readonly maxDomainsPerExporter?: number;
  readonly maxBytes?: number;
  readonly warnInterval: number;
  readonly views: FlowViewOptions;
  readonly warn: (line: string) => void;
}

/**
 * NetFlow v5, v9 and IPFIX over UDP from any exporter (routers, softflowd,
 * nProbe, pmacct...): each datagram is decoded (NetflowDecoder) and every
 * flow record becomes packet views handed to the pipeline's onDecoded
 * handler. run() resolves when stop() is called.
 */
export class NetflowSource implements CaptureSource {
  readonly preDecoded = true;
  readonly live: boolean;
  damage: string | null = null;
  readonly views: FlowViews;
  readonly decoder: NetflowDecoder;
  /** The port actually bound (differs from the asked one only with port 0). */
  port = 0;
  /** Receive buffer the kernel gave, bytes (0 before run). */
  recvBufferSize = 0;
  /** Bytes of export datagrams received (counted by the decoder). */
  get bytes(): number {
    return this.decoder.bytes;
  }
  private socket: Socket | null = null;
  private stopped = false;
  private finishRun: (() => void) | null = null;
  private readonly limiter: WarnLimiter;

  constructor(private readonly o: NetflowOptions) {
    this.views = new FlowViews(o.views);
    this.limiter = new WarnLimiter(o.warn, o.warnInterval);
    this.decoder = new NetflowDecoder(
      {
        maxTemplates: o.maxTemplates,
        maxExporters: o.maxExporters,
        maxTemplatesPerExporter: o.maxTemplatesPerExporter,
        maxDomainsPerExporter: o.maxDomainsPerExporter,
        maxBytes: o.maxBytes,
        onProblem: (reason, make) => this.limiter.note(reason, make),
      },
      (rec, arrival) => this.views.add(rec, arrival),
    );
    // As for nProbe: flow time lags the wall clock by the export delay (docs/flows.md).
    this.live = o.views.time === 'arrival';
    this.port = o.listen.port;
  }

  get description(): string {
    return `NetFlow/IPFIX on udp ${formatListen({ host: this.o.listen.host, port: this.port })}`;
  }

  run(onPacket: PacketHandler): Promise<void> {
    this.views.handler = onPacket;
    return new Promise<void>((resolve, reject) => {
      if (this.stopped) {
        resolve();
        return;
      }
      const v6 = isIP(this.o.listen.host) === 6;
      const socket = createSocket({ type: v6 ? 'udp6' : 'udp4', reuseAddr: false });
      this.socket = socket;
      let bound = false;
      socket.on('error', (e: NodeJS.ErrnoException) => {
        if (!bound) {
          this.socket = null;
          socket.close();
          reject(listenError(e, this.o.listen, 'udp'));
          return;
        }
        this.limiter.note('socket', () => `netflow: socket error: ${e.message}`);
      });
      socket.on('message', (msg, rinfo) => {
        this.decoder.decode(msg, `${rinfo.address}:${rinfo.port}`, Date.now() / 1000);
        this.views.settle();
      });
      socket.bind({ address: this.o.listen.host, port: this.o.listen.port }, () => {
        bound = true;
        this.port = socket.address().port;
        this.sizeBuffer(socket);
        this.finishRun = resolve;
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

  private sizeBuffer(socket: Socket): void {
    try {
      socket.setRecvBufferSize(this.o.recvBuffer);
    } catch {
      // keep the default
    }
    try {
      this.recvBufferSize = socket.getRecvBufferSize();
    } catch {
      this.recvBufferSize = 0;
    }
    // Linux reports twice what it was asked (bookkeeping overhead).
    if (this.recvBufferSize > 0 && this.recvBufferSize < this.o.recvBuffer) {
      this.o.warn(
        `netflow: the kernel gave a ${Math.round(this.recvBufferSize / 1024)} KiB receive buffer (asked ${Math.round(this.o.recvBuffer / 1024)} KiB); ` +
          'bursts of export datagrams may be dropped: raise net.core.rmem_max',
      );
    }
  }

  private shutdown(): void {
    const s = this.socket;
    this.socket = null;
    if (s !== null) {
      s.removeAllListeners('message');
      s.close();
    }
    this.views.close();
    const done = this.finishRun;
    this.finishRun = null;
    done?.();
  }
}

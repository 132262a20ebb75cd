import { createServer, type Server } from 'node:http';
import { formatListen, parseListen, type ListenAddress } from '../../capture/flows/listen-address.js';
import { defineSink, type ModuleContext } from '../../module.js';
import { str } from '../../config/params.js';
import { SensorError } from '../../errors.js';
import { VERSION } from '../../version.js';
import type { SensorRecord } from '../schema.js';
import type { Sink } from '../sink.js';
import { counterList, type CounterTable } from '../../stats/counters.js';
import { StatsExporter } from './exporter.js';

export const METRICS_COUNTERS = {
  scrapes: { name: 'metrics.scrapes', kind: 'sum', help: 'Times /metrics was served.' },
} as const satisfies CounterTable;

/** Default port when `--metrics` is given bare (not in Prometheus' port registry's taken list). */
export const METRICS_PORT = 9466;

/**
 * `--metrics HOST:PORT`: an HTTP server with the Prometheus text format on
 * /metrics. It is a sink only to live and die with the outputs: records are
 * ignored, the numbers come from the stats registry when scraped.
 */
export class MetricsSink implements Sink {
  readonly name = 'metrics';
  private readonly server: Server;

  constructor(
    readonly exporter: StatsExporter,
    readonly address: ListenAddress,
    private readonly warn: (line: string) => void,
  ) {
    this.server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
      } else if (path === '/metrics') {
        exporter.text().then(
          (body) => res.writeHead(200, { 'content-type': exporter.registry.contentType }).end(req.method === 'HEAD' ? undefined : body),
          (e: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${e.message}\n`),
        );
      } else if (path === '/' || path === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('peng-ts: metrics on /metrics\n');
      } else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics\n');
    });
  }

  /** Listen before the capture starts, so a taken port is one line at start. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (e: NodeJS.ErrnoException) =>
        reject(new SensorError('CFG_INVALID', `--metrics ${formatListen(this.address)}: ${e.code === 'EADDRINUSE' ? 'address already in use' : e.message}`));
      this.server.once('error', onError);
      this.server.listen(this.address.port, this.address.host, () => {
        this.server.off('error', onError);
        this.server.on('error', (e) => this.warn(`--metrics ${formatListen(this.address)}: ${e.message}`));
        resolve();
      });
    });
  }

  /** The bound address (port 0 resolved). */
  get port(): number {
    const a = this.server.address();
    return typeof a === 'object' && a ? a.port : this.address.port;
  }

  write(_r: SensorRecord): void {}

  flush(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export const metricsSinkModule = defineSink({
  name: 'metrics',
  help: 'Prometheus metrics over HTTP: every counter of --help-counts, with its help text, plus process metrics.',
  params: [
    {
      name: 'metrics',
      type: 'string',
      bareValue: '',
      help: `Serve Prometheus metrics on http://HOST:PORT/metrics (bare --metrics: 0.0.0.0:${METRICS_PORT}): sum counters as peng_<name>_total, now/max as gauges peng_<name>, read when scraped.`,
    },
  ],
  counters: counterList(METRICS_COUNTERS),
  create(ctx: ModuleContext) {
    const text = str(ctx.params, 'metrics');
    if (text === undefined) return null;
    const address = parseListen(text, METRICS_PORT, '--metrics');
    const exporter = new StatsExporter(ctx.stats, { version: VERSION, sensor: ctx.sensorName });
    ctx.stats.bind(METRICS_COUNTERS, { scrapes: () => exporter.scrapes });
    return new MetricsSink(exporter, address, ctx.warn);
  },
});

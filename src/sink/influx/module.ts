import { defineSink, type ModuleContext } from '../../module.js';
import { bool, num, str, type ParamValues } from '../../config/params.js';
import { SensorError } from '../../errors.js';
import { INFLUX_COUNTER_LIST, INFLUX_COUNTERS } from './counters.js';
import { InfluxSink } from './sink.js';
import { V1Writer } from './v1-writer.js';
import { V2Writer } from './v2-writer.js';
import type { BatchWriter } from './writer.js';

/**
 * InfluxDB output: Peng's flags (-influxUrl, -influxPort, -bucket, -org,
 * -token) for the v2 write API, plus --influx URL, the v1 API for servers
 * before 1.8, and the buffer that carries points across an outage.
 * The schema of what is written is in points.ts; docs/influx.md explains it.
 */
export const influxSinkModule = defineSink({
  name: 'influx',
  help: 'InfluxDB output (v2 write API: InfluxDB 2.x/3.x, 1.8+, VictoriaMetrics; or the v1 API of InfluxDB before 1.8). Schema: docs/influx.md.',
  params: [
    { name: 'influx', type: 'string', help: 'InfluxDB base URL with port, e.g. http://localhost:8086; overrides -influxUrl and -influxPort. Writing starts when -bucket (v2) or --influx-v1-db (v1) is given.' },
    { name: 'influxUrl', peng: true, type: 'string', default: 'http://localhost', help: "InfluxDB address without port, Peng's flag (--influx is simpler: one URL with its port)." },
    { name: 'influxPort', peng: true, type: 'int', default: 9999, min: 1, max: 65535, help: "InfluxDB port, Peng's flag and default (InfluxDB 2.x listens on 8086); ignored when -influxUrl has a port." },
    { name: 'bucket', peng: true, type: 'string', help: 'Bucket to write to (v2 API); giving it turns the InfluxDB output on. InfluxDB 1.8+: database/retention-policy.' },
    { name: 'org', peng: true, type: 'string', help: 'Organization (name or id) owning the bucket (InfluxDB 2.x; 1.8+ and VictoriaMetrics ignore it).' },
    {
      name: 'token',
      peng: true,
      type: 'string',
      help: 'API token with write access to the bucket. A token on the command line is visible to every user in ps: prefer the INFLUX_TOKEN environment variable (used when -token is absent). InfluxDB 1.8+: user:password.',
    },
    { name: 'influx-v1-db', type: 'string', help: 'Write with the InfluxDB 1.x /write API to this database (servers before 1.8, which have no /api/v2/write); turns the output on.' },
    { name: 'influx-v1-rp', type: 'string', help: 'Retention policy for --influx-v1-db (default: the database\'s default policy).', advanced: true },
    { name: 'influx-v1-user', type: 'string', help: 'User for --influx-v1-db when auth is enabled; default the INFLUX_USERNAME environment variable.' },
    {
      name: 'influx-v1-password',
      type: 'string',
      help: 'Password for --influx-v1-user. Visible to every user in ps on the command line: prefer the INFLUX_PASSWORD environment variable (used when this is absent).',
    },
    { name: 'influx-peng-compat', type: 'bool', default: false, help: "Also write Peng's own point per frame (measurement system, tag entropy=ports, fields in = SERVER, out = CLIENT) for dashboards made for Peng." },
    { name: 'sensor-name', type: 'string', help: 'Value of the sensor tag on every point (and name in other outputs), to tell sensors apart in one bucket. Default: the host name.' },
    {
      name: 'influx-buffer',
      type: 'int',
      default: 10000,
      min: 1,
      max: 10_000_000,
      unit: 'points',
      help: 'Points kept while the database is unreachable; when full the oldest are dropped and counted (influx.points_dropped). Each frame makes 2 points (3 with --influx-peng-compat), each scan event 1.',
    },
    { name: 'influx-batch', type: 'int', default: 5000, min: 1, max: 100_000, unit: 'points', help: 'Most points per write request.', advanced: true },
    {
      name: 'influx-flush-timeout',
      type: 'duration',
      default: 5,
      min: 0,
      max: 3600,
      unit: 's',
      help: 'At exit, how long to keep trying to write what is buffered before giving up (the rest is counted as dropped).',
    },
    { name: 'influx-timeout', type: 'duration', default: 10, min: 0.1, max: 600, unit: 's', help: 'Time limit of one write request.', advanced: true },
    { name: 'influx-retry-min', type: 'duration', default: 1, min: 0.01, max: 3600, unit: 's', help: 'First wait before retrying after a failed write; it doubles on each failure up to --influx-retry-max.', advanced: true },
    { name: 'influx-retry-max', type: 'duration', default: 30, min: 0.01, max: 3600, unit: 's', help: 'Longest wait between retries while the database is unreachable.', advanced: true },
  ],
  counters: INFLUX_COUNTER_LIST,
  create(ctx: ModuleContext) {
    const writer = makeWriter(ctx.params, process.env);
    if (writer === null) return null;
    const p = ctx.params;
    const sink = new InfluxSink({
      writer,
      points: { origin: { sensor: ctx.sensorName, source: ctx.sourceName }, pengCompat: bool(p, 'influx-peng-compat') },
      bufferPoints: num(p, 'influx-buffer'),
      batchPoints: Math.min(num(p, 'influx-batch'), num(p, 'influx-buffer')),
      flushTimeout: num(p, 'influx-flush-timeout'),
      retryMin: num(p, 'influx-retry-min'),
      retryMax: Math.max(num(p, 'influx-retry-min'), num(p, 'influx-retry-max')),
      warn: ctx.warn,
    });
    ctx.stats.bind(INFLUX_COUNTERS, {
      written: () => sink.written,
      queued: () => sink.queued,
      queueMax: () => sink.queuedMax,
      dropped: () => sink.dropped,
      rejected: () => sink.rejected,
      batches: () => sink.batches,
      errors: () => sink.errors,
      outages: () => sink.outages,
    });
    return sink;
  },
});

/** The base URL: --influx, else Peng's -influxUrl with -influxPort (unless the URL has a port). */
export function influxBaseUrl(p: ParamValues): string {
  const full = str(p, 'influx');
  const raw = full ?? str(p, 'influxUrl') ?? 'http://localhost';
  const flag = full !== undefined ? '--influx' : '-influxUrl';
  let u: URL;
  try {
    u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`);
  } catch {
    throw new SensorError('CFG_INVALID', `${flag} "${raw}" is not a URL (example: http://localhost:8086)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new SensorError('CFG_INVALID', `${flag} "${raw}": only http:// and https:// are supported`);
  }
  // u.port is '' for an explicit default port (https://x:443) too: look at the text.
  const authority = raw.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').split('/')[0];
  if (full === undefined && !/:\d+$/.test(authority)) u.port = String(num(p, 'influxPort'));
  return u.toString().replace(/\/+$/, '');
}

/** The writer the params ask for, or null when no InfluxDB output is wanted. */
export function makeWriter(p: ParamValues, env: NodeJS.ProcessEnv): BatchWriter | null {
  const bucket = str(p, 'bucket');
  const v1db = str(p, 'influx-v1-db');
  const timeoutMs = num(p, 'influx-timeout') * 1000;
  if (bucket !== undefined && v1db !== undefined) {
    throw new SensorError('CFG_INVALID', 'give -bucket (v2 write API) or --influx-v1-db (InfluxDB 1.x before 1.8), not both');
  }
  if (v1db !== undefined) {
    if (v1db === '') throw new SensorError('CFG_INVALID', '--influx-v1-db: the database name is empty');
    return new V1Writer({
      url: influxBaseUrl(p),
      database: v1db,
      retentionPolicy: str(p, 'influx-v1-rp'),
      username: str(p, 'influx-v1-user') ?? env.INFLUX_USERNAME,
      password: str(p, 'influx-v1-password') ?? env.INFLUX_PASSWORD,
      timeoutMs,
    });
  }
  if (bucket === undefined) {
    const given = ['influx', 'org', 'token'].filter((n) => str(p, n) !== undefined);
    if (given.length > 0) {
      throw new SensorError(
        'CFG_INVALID',
        `-${given[0]} given without -bucket: name the bucket to write to (or --influx-v1-db NAME for InfluxDB before 1.8)`,
      );
    }
    return null;
  }
  if (bucket === '') throw new SensorError('CFG_INVALID', '-bucket: the bucket name is empty');
  const maxBatch = num(p, 'influx-batch');
  return new V2Writer({
    url: influxBaseUrl(p),
    org: str(p, 'org') ?? '',
    bucket,
    token: str(p, 'token') ?? env.INFLUX_TOKEN ?? '',
    timeoutMs,
    maxBatch,
  });
}

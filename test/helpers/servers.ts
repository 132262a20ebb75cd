/**
 * Real databases for the InfluxDB output tests, started on free loopback ports
 * with temporary directories, from Debian packages:
 *   victoria-metrics  -> /usr/bin/victoria-metrics  (line protocol on /api/v2/write)
 *   influxdb          -> /usr/bin/influxd           (InfluxDB 1.6: the v1 /write API)
 * Every server is stopped and its directory removed by stop(), and again by a
 * process 'exit' hook if a test dies before calling it.
 * Also: sample records to write through the output (at the end).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FrameStat, ScanEvent, StatsSnapshot } from '../../src/sink/schema.js';

export const VICTORIA_METRICS_BIN = process.env.VICTORIA_METRICS_BIN ?? '/usr/bin/victoria-metrics';
export const INFLUXD_BIN = process.env.INFLUXD_BIN ?? '/usr/bin/influxd';

/** Why a server test cannot run here, or null. */
export function missingBinary(bin: string, pkg: string): string | null {
  return existsSync(bin) ? null : `${bin} not found: apt-get install ${pkg}`;
}

const live = new Set<ManagedServer>();
process.on('exit', () => {
  for (const s of live) s.killNow();
});
// A test run stopped by a signal (Ctrl-C, a CI time limit) does not run 'exit'
// hooks: stop the servers, then die of the same signal.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(sig, () => {
    for (const s of live) s.killNow();
    process.kill(process.pid, sig);
  });
}

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export { waitFor } from './wait.js';
import { waitFor } from './wait.js';

async function httpOk(url: string, expect: number[]): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return expect.includes(res.status);
  } catch {
    return false;
  }
}

/**
 * One server process with a fixed port and data directory, which can be
 * stopped and started again (an outage) and finally removed.
 */
export class ManagedServer {
  private child: ChildProcess | null = null;
  private output = '';
  readonly url: string;

  constructor(
    readonly name: string,
    readonly port: number,
    readonly dir: string,
    private readonly command: string,
    private readonly args: readonly string[],
    private readonly readyUrl: string,
    private readonly readyStatus: number[],
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  get running(): boolean {
    return this.child !== null;
  }

  /** Last lines the server printed, for failure messages. */
  get log(): string {
    return this.output.slice(-4000);
  }

  async start(): Promise<void> {
    if (this.child) return;
    live.add(this);
    const child = spawn(this.command, [...this.args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const keep = (b: Buffer) => {
      this.output = (this.output + b.toString()).slice(-20_000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    let exited: string | null = null;
    child.once('exit', (code, sig) => {
      exited = `exited with ${sig ?? code}`;
      if (this.child === child) this.child = null;
    });
    try {
      await waitFor(`${this.name} on ${this.url}`, () => {
        if (exited) throw new Error(`${this.name} ${exited}:\n${this.log}`);
        return httpOk(this.readyUrl, this.readyStatus);
      });
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  /** Stop the process (SIGTERM, then SIGKILL after 10 s); the data directory stays. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    const gone = new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(t);
    this.child = null;
  }

  /** Stop and remove the data directory. */
  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
    live.delete(this);
  }

  /** Synchronous last resort at process exit. */
  killNow(): void {
    try {
      this.child?.kill('SIGKILL');
    } catch {
      // already gone
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * VictoriaMetrics with a 100-year retention: by default it drops points older
 * than a month, and replayed captures are older than that.
 */
export async function startVictoriaMetrics(): Promise<ManagedServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'peng-vm-'));
  const s = new ManagedServer(
    'victoria-metrics',
    port,
    dir,
    VICTORIA_METRICS_BIN,
    [
      `-httpListenAddr=127.0.0.1:${port}`,
      `-storageDataPath=${join(dir, 'data')}`,
      '-retentionPeriod=100y',
      '-loggerLevel=ERROR',
      // Backfilled data: no response cache, no 30 s hiding of recent points.
      '-search.disableCache',
      '-search.latencyOffset=0s',
    ],
    `http://127.0.0.1:${port}/health`,
    [200],
  );
  await s.start();
  return s;
}

export interface VmSeries {
  metric: Record<string, string>;
  values: number[];
  /** Milliseconds. */
  timestamps: number[];
}

/** Every series matching `match` (a PromQL series selector), all time. */
export async function vmExport(vm: ManagedServer, match: string): Promise<VmSeries[]> {
  await vmSearchable(vm);
  return rawExport(vm, match);
}

async function rawExport(vm: ManagedServer, match: string): Promise<VmSeries[]> {
  const q = new URLSearchParams({ 'match[]': match, start: '0' });
  const res = await fetch(`${vm.url}/api/v1/export?${q.toString()}`);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`export ${match}: HTTP ${res.status} ${text}`);
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as VmSeries);
}

/**
 * Wait until every row VictoriaMetrics has added to storage can be found:
 * /internal/force_flush makes the samples searchable, but a new series is
 * indexed asynchronously, and an export right after the write may miss it.
 * Gives up quietly after 15 s (the caller's comparison then says what is missing).
 */
async function vmSearchable(vm: ManagedServer): Promise<void> {
  await waitFor('VictoriaMetrics to make every stored row searchable', async () => {
    await fetch(`${vm.url}/internal/force_flush`).then((r) => r.arrayBuffer());
    const metrics = await fetch(`${vm.url}/metrics`).then((r) => r.text());
    const added = Number(/^vm_rows_added_to_storage_total (\d+)/m.exec(metrics)?.[1] ?? 0);
    const visible = (await rawExport(vm, '{__name__=~".+"}')).reduce((n, x) => n + x.values.length, 0);
    return visible >= added;
  }, 15_000).catch(() => undefined);
}

/** Total samples in the series matching `match`. */
export async function vmCount(vm: ManagedServer, match: string): Promise<number> {
  return (await vmExport(vm, match)).reduce((n, s) => n + s.values.length, 0);
}

export interface Influx1Server extends ManagedServer {
  readonly admin: { user: string; password: string };
}

/**
 * InfluxDB 1.6 with auth enabled, on loopback only, everything under a temp
 * directory; an admin user is created through /query (allowed while no user
 * exists), then `database`.
 */
export async function startInfluxd1(database: string): Promise<Influx1Server> {
  const port = await freePort();
  const rpcPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'peng-influxd-'));
  const conf = join(dir, 'influxdb.conf');
  writeFileSync(
    conf,
    [
      'reporting-enabled = false',
      `bind-address = "127.0.0.1:${rpcPort}"`,
      '[meta]',
      `  dir = "${join(dir, 'meta')}"`,
      '[data]',
      `  dir = "${join(dir, 'data')}"`,
      `  wal-dir = "${join(dir, 'wal')}"`,
      '  query-log-enabled = false',
      '[monitor]',
      '  store-enabled = false',
      '[http]',
      '  enabled = true',
      `  bind-address = "127.0.0.1:${port}"`,
      '  auth-enabled = true',
      '  log-enabled = false',
      '[continuous_queries]',
      '  enabled = false',
      '[subscriber]',
      '  enabled = false',
      '',
    ].join('\n'),
  );
  const s = new ManagedServer('influxd', port, dir, INFLUXD_BIN, ['run', '-config', conf], `http://127.0.0.1:${port}/ping`, [204]) as Influx1Server;
  const admin = { user: 'admin', password: 'admin-secret' };
  Object.defineProperty(s, 'admin', { value: admin });
  await s.start();
  try {
    await influxQuery(s, `CREATE USER ${admin.user} WITH PASSWORD '${admin.password}' WITH ALL PRIVILEGES`, undefined, null);
    await influxQuery(s, `CREATE DATABASE "${database}"`);
  } catch (e) {
    await s.remove();
    throw e;
  }
  return s;
}

export interface InfluxResult {
  columns: string[];
  values: unknown[][];
}

/** Run InfluxQL (POST /query) as the admin (or `auth` null: no credentials); epoch=us. */
export async function influxQuery(s: Influx1Server, q: string, db?: string, auth: { user: string; password: string } | null = s.admin): Promise<InfluxResult[]> {
  const params = new URLSearchParams({ q, epoch: 'u' });
  if (db) params.set('db', db);
  const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded' };
  if (auth) headers.Authorization = `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}`;
  const res = await fetch(`${s.url}/query`, { method: 'POST', headers, body: params.toString() });
  const body = (await res.json()) as { results?: { error?: string; series?: InfluxResult[] }[]; error?: string };
  if (res.status !== 200 || body.error) throw new Error(`query ${q}: HTTP ${res.status} ${body.error ?? ''}`);
  const r = body.results?.[0];
  if (r?.error) throw new Error(`query ${q}: ${r.error}`);
  return r?.series ?? [];
}

/** Rows of `SELECT ... ` as objects keyed by column. */
export async function influxRows(s: Influx1Server, q: string, db: string): Promise<Record<string, unknown>[]> {
  const series = await influxQuery(s, q, db);
  const rows: Record<string, unknown>[] = [];
  for (const ser of series) {
    for (const v of ser.values) {
      const row: Record<string, unknown> = {};
      ser.columns.forEach((c, i) => (row[c] = v[i]));
      rows.push(row);
    }
  }
  return rows;
}

// ---- Sample records to write through the InfluxDB output ----

/** A frame ending at `end` (seconds); client/server entropies derived from `i` so every point differs. */
export function frame(end: number, i: number, length = 1): FrameStat {
  return {
    kind: 'frame',
    start: end - length,
    end,
    client: Math.round((0.001 + (i % 1000) / 1000) * 1e6) / 1e6,
    server: Math.round((1.5 - (i % 1000) / 2000) * 1e6) / 1e6,
    clientSyns: i,
    serverSyns: 2 * i + 1,
    clientBins: [],
    serverBins: [],
    clientBitmap: null,
    serverBitmap: null,
  };
}

export function scanEvent(ts: number, over: Partial<ScanEvent> = {}): ScanEvent {
  return {
    kind: 'scan',
    ts,
    event: 'start',
    id: 'scan-1',
    scanner: '192.168.1.66',
    technique: ['syn', 'fin'],
    pattern: 'vertical',
    tool: 'nmap',
    toolEvidence: 'window 1024, no options',
    targets: 1,
    ports: 120,
    probes: 130,
    failures: 118,
    probesToDetect: 12,
    firstSeen: ts - 2.5,
    lastSeen: ts,
    detectors: [{ name: 'trw', score: 120.5, threshold: 99 }],
    samplePorts: [22, 80],
    sampleTargets: ['192.168.1.1'],
    ...over,
  };
}

export function stats(ts: number, counters: Record<string, number>): StatsSnapshot {
  return { kind: 'stats', ts, counters };
}

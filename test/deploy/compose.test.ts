/**
 * The Docker deployment, checked without a Docker engine: docker-compose.yml,
 * the Dockerfile, Grafana's provisioning and the dashboard. Every Flux query
 * in the dashboard may only name measurements, tags and fields that the
 * sensor writes (imported from its schema, src/sink/influx/points.ts), so a
 * renamed field fails here instead of leaving an empty panel. The sensor's
 * command line is parsed by the real CLI parser, and the org, bucket and token
 * must agree between InfluxDB's setup, the sensor and Grafana.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { parseCli } from '../../src/config/cli.js';
import { ALL_MODULES, SINK_MODULES } from '../../src/assemble/registry.js';
import { str } from '../../src/config/params.js';
import { influxBaseUrl, influxSinkModule } from '../../src/sink/influx/module.js';
import { MEASUREMENTS, type MeasurementSpec } from '../../src/sink/influx/points.js';
import { startCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';

const REPO = join(import.meta.dirname, '../..');
const read = (p: string) => readFileSync(join(REPO, p), 'utf8');

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const compose = parse(read('docker-compose.yml')) as Doc;
const services = compose.services as Record<string, Doc>;

/** Compose's `${VAR:-default}` / `${VAR}` with the defaults (what a first `docker compose up` uses). */
function withDefaults(s: string): string {
  return s.replace(/\$\{(\w+)(?::?-([^}]*))?\}/g, (_m, _v: string, def?: string) => def ?? '');
}

/** The variable a `${VAR:-default}` value reads, or null for a literal. */
function envVar(s: string): string | null {
  return /^\$\{(\w+)(?::?-[^}]*)?\}$/.exec(String(s))?.[1] ?? null;
}

const schema = new Map((MEASUREMENTS as readonly MeasurementSpec<unknown>[]).map((m) => [m.measurement, m]));
/** Flux columns that are not tags or fields. */
const BUILTIN = new Set(['_time', '_value', '_field', '_measurement', '_start', '_stop']);

interface FluxRefs {
  measurements: string[];
  fields: string[];
  /** Column names used as tags or pivoted fields: r.x, r["x"], columns: [...], tag: "x". */
  columns: string[];
}

/** What a Flux query refers to. */
function fluxRefs(q: string): FluxRefs {
  const measurements = [...q.matchAll(/r\._measurement\s*==\s*"([^"]+)"/g)].map((m) => m[1]);
  const fields = [...q.matchAll(/r\._field\s*==\s*"([^"]+)"/g)].map((m) => m[1]);
  const columns = new Set<string>();
  for (const m of q.matchAll(/\br\.(\w+)/g)) columns.add(m[1]);
  for (const m of q.matchAll(/\br\["([^"]+)"\]/g)) columns.add(m[1]);
  for (const m of q.matchAll(/(?:columns|rowKey|columnKey)\s*:\s*\[([^\]]*)\]/g)) {
    for (const c of m[1].matchAll(/"([^"]+)"/g)) columns.add(c[1]);
  }
  for (const m of q.matchAll(/\btag\s*:\s*"([^"]+)"/g)) columns.add(m[1]);
  return { measurements, fields, columns: [...columns].filter((c) => !BUILTIN.has(c)) };
}

/** Problems with one query against the schema, as text (empty = fine). */
function checkQuery(where: string, q: string): string[] {
  const refs = fluxRefs(q);
  const problems: string[] = [];
  if (refs.measurements.length === 0) problems.push(`${where}: names no measurement (r._measurement == "...")`);
  const specs = refs.measurements.map((m) => schema.get(m));
  refs.measurements.forEach((m, i) => {
    if (!specs[i]) problems.push(`${where}: measurement "${m}" is not written by the sensor (${[...schema.keys()].join(', ')})`);
  });
  const known = specs.filter((s): s is MeasurementSpec<unknown> => s !== undefined);
  const fieldNames = new Set(known.flatMap((s) => s.fields.map((f) => f.name)));
  const tagNames = new Set(known.flatMap((s) => s.tags.map((t) => t.name)));
  for (const f of refs.fields) if (!fieldNames.has(f)) problems.push(`${where}: field "${f}" is not a field of ${refs.measurements.join('/')}`);
  for (const c of refs.columns) {
    if (!tagNames.has(c) && !fieldNames.has(c)) problems.push(`${where}: "${c}" is neither a tag nor a field of ${refs.measurements.join('/')}`);
  }
  return problems;
}

describe('docker-compose.yml', () => {
  test('InfluxDB 2.7 initialised with org, bucket and token, infinite retention', () => {
    const db = services.influxdb;
    assert.match(db.image, /^influxdb:2\.7(\.|$)/);
    const env = db.environment as Record<string, string>;
    assert.equal(env.DOCKER_INFLUXDB_INIT_MODE, 'setup');
    for (const k of ['USERNAME', 'PASSWORD', 'ORG', 'BUCKET', 'ADMIN_TOKEN']) assert.ok(env[`DOCKER_INFLUXDB_INIT_${k}`], k);
    assert.equal(env.DOCKER_INFLUXDB_INIT_RETENTION, undefined, 'replayed captures are old: a finite retention would refuse them');
    assert.ok(db.healthcheck);
    assert.ok((db.ports as string[]).some((p) => withDefaults(p).endsWith(':8086')));
  });

  test('the sensor: built from the Dockerfile, host network, raw capture capabilities, token from the environment', () => {
    const s = services.sensor;
    assert.equal(s.build, '.');
    assert.equal(s.network_mode, 'host');
    assert.deepEqual([...s.cap_add].sort(), ['NET_ADMIN', 'NET_RAW']);
    const env = s.environment as Record<string, string>;
    const cmd = (s.command as string[]).map(String);
    assert.ok(!cmd.some((a) => /^-{1,2}token$/.test(a)), 'no token on the command line (ps shows it)');
    // the same variable InfluxDB's setup uses for its admin token
    assert.equal(envVar(env.INFLUX_TOKEN), envVar(services.influxdb.environment.DOCKER_INFLUXDB_INIT_ADMIN_TOKEN));
    assert.equal(withDefaults(env.INFLUX_TOKEN), withDefaults(services.influxdb.environment.DOCKER_INFLUXDB_INIT_ADMIN_TOKEN));
  });

  test("the sensor's command line is valid for the real CLI and matches InfluxDB's org, bucket and port", () => {
    assert.ok(SINK_MODULES.includes(influxSinkModule), 'the InfluxDB output is registered');
    const args = (services.sensor.command as string[]).map((a) => withDefaults(String(a)));
    const p = parseCli(args, ALL_MODULES);
    const initEnv = services.influxdb.environment as Record<string, string>;
    assert.equal(str(p, 'bucket'), withDefaults(initEnv.DOCKER_INFLUXDB_INIT_BUCKET));
    assert.equal(str(p, 'org'), withDefaults(initEnv.DOCKER_INFLUXDB_INIT_ORG));
    assert.equal(new URL(influxBaseUrl(p)).port, '8086');
    assert.equal(new URL(influxBaseUrl(p)).hostname, '127.0.0.1', 'host network: InfluxDB is on the published loopback port');
    assert.ok(str(p, 'network'), 'live capture on an interface');
    // and the same variables as InfluxDB's setup
    const raw = services.sensor.command as string[];
    assert.equal(envVar(raw[raw.indexOf('-bucket') + 1]), envVar(initEnv.DOCKER_INFLUXDB_INIT_BUCKET));
    assert.equal(envVar(raw[raw.indexOf('-org') + 1]), envVar(initEnv.DOCKER_INFLUXDB_INIT_ORG));
  });

  test('the sensor has a healthcheck that scrapes its own --metrics port (run here against a real sensor)', async () => {
    const s = services.sensor;
    const args = (s.command as string[]).map((a) => withDefaults(String(a)));
    const metrics = str(parseCli(args, ALL_MODULES), 'metrics');
    assert.equal(metrics, `127.0.0.1:${withDefaults(s.environment.PENG_METRICS_PORT)}`, 'the port the healthcheck reads from PENG_METRICS_PORT');
    const [kind, ...cmd] = s.healthcheck.test as string[];
    assert.equal(kind, 'CMD');
    assert.equal(cmd[0], 'node', 'the runtime image has node, not curl');
    for (const k of ['interval', 'timeout', 'retries', 'start_period']) assert.ok(s.healthcheck[k] !== undefined, k);
    // The healthcheck's own command, against a sensor (flows only: no root) serving metrics on a free port.
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const check = () => spawnSync(process.execPath, cmd.slice(1), { env: { ...process.env, PENG_METRICS_PORT: String(port) }, timeout: 10_000 }).status;
    assert.equal(check(), 1, 'unhealthy before the sensor runs');
    const cli = startCli(['--netflow-listen', '127.0.0.1:0', '--metrics', `127.0.0.1:${port}`]);
    try {
      await waitFor('healthy once the sensor listens', () => {
        assert.equal(cli.child.exitCode, null, `the sensor exited: ${cli.output().stderr}`);
        return check() === 0;
      }, 30_000, 100);
    } finally {
      cli.child.kill('SIGINT');
      await cli.done;
    }
    assert.equal(check(), 1, 'unhealthy once it stopped');
  });

  test('Grafana: provisioning mounted from deploy/grafana, data source matching InfluxDB', () => {
    const g = services.grafana;
    assert.match(g.image, /^grafana\/grafana(-oss)?:\d/);
    const mounts = (g.volumes as string[]).map((v) => v.split(':'));
    const prov = mounts.find(([, target]) => target === '/etc/grafana/provisioning');
    assert.ok(prov && existsSync(join(REPO, prov[0])), 'provisioning directory mounted');
    const dashDir = mounts.find(([src]) => src.startsWith('./deploy/grafana/dashboards'));
    assert.ok(dashDir && existsSync(join(REPO, dashDir[0])));

    const ds = parse(read('deploy/grafana/provisioning/datasources/influxdb.yml')) as Doc;
    const [source] = ds.datasources as Doc[];
    assert.equal(source.type, 'influxdb');
    assert.equal(source.jsonData.version, 'Flux');
    const genv = g.environment as Record<string, string>;
    const initEnv = services.influxdb.environment as Record<string, string>;
    const resolve = (v: string) => withDefaults(String(v).replace(/\$\{(\w+)\}/g, (_m, n: string) => genv[n] ?? `<unset ${n}>`));
    assert.equal(new URL(resolve(source.url)).hostname, 'influxdb', 'the compose service name');
    assert.equal(new URL(resolve(source.url)).port, '8086');
    assert.equal(resolve(source.jsonData.organization), withDefaults(initEnv.DOCKER_INFLUXDB_INIT_ORG));
    assert.equal(resolve(source.jsonData.defaultBucket), withDefaults(initEnv.DOCKER_INFLUXDB_INIT_BUCKET));
    assert.equal(resolve(source.secureJsonData.token), withDefaults(initEnv.DOCKER_INFLUXDB_INIT_ADMIN_TOKEN));

    const providers = parse(read('deploy/grafana/provisioning/dashboards/peng-ts.yml')) as Doc;
    assert.equal(providers.providers[0].options.path, dashDir[1]);
  });
});

describe('Dockerfile', () => {
  test('node:20-bookworm-slim, libpcap and build tools, npm ci, build, runs the compiled sensor', () => {
    const df = read('Dockerfile');
    assert.match(df, /^FROM node:20-bookworm-slim AS build$/m);
    assert.match(df, /apt-get install[^\n]*libpcap-dev[^\n]*g\+\+[^\n]*make[^\n]*python3/);
    assert.match(df, /npm ci\b/);
    assert.match(df, /npm run build\b/);
    assert.match(df, /ENTRYPOINT \["node", "bin\/peng-ts.js"\]/);
    assert.match(read('bin/peng-ts.js'), /dist\/src\/main\.js/);
    // everything the build stage copies exists and is not excluded by .dockerignore
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    for (const m of df.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
      for (const src of m[1].split(/\s+/)) {
        assert.ok(existsSync(join(REPO, src)), `COPY ${src}`);
        assert.ok(!ignored.includes(src), `${src} is in .dockerignore`);
      }
    }
  });
});

describe('Grafana dashboard', () => {
  const dash = JSON.parse(read('deploy/grafana/dashboards/peng-ts.json')) as Doc;
  const ds = (parse(read('deploy/grafana/provisioning/datasources/influxdb.yml')) as Doc).datasources[0];
  const panels = dash.panels as Doc[];

  test('has the panels the issue asks for', () => {
    const titles = panels.map((p) => String(p.title).toLowerCase());
    for (const want of ['entropy', 'scans', 'top scanners', 'techniques', 'sensor health', 'drops']) {
      assert.ok(titles.some((t) => t.includes(want)), `a panel about ${want}: ${titles.join(' | ')}`);
    }
  });

  test('every panel queries the provisioned data source with Flux naming only what the sensor writes', () => {
    const problems: string[] = [];
    for (const p of panels) {
      assert.equal(p.datasource?.uid, ds.uid, `${p.title}: data source`);
      assert.ok(p.targets?.length > 0, `${p.title}: no query`);
      for (const t of p.targets as Doc[]) {
        assert.ok(typeof t.query === 'string' && t.query.includes('from(bucket: v.defaultBucket)'), `${p.title}: a Flux query on the default bucket`);
        problems.push(...checkQuery(`panel "${p.title}"`, t.query));
      }
    }
    for (const v of dash.templating.list as Doc[]) {
      if (v.type === 'query') problems.push(...checkQuery(`variable ${v.name}`, String(v.query)));
    }
    assert.deepEqual(problems, []);
  });

  test('every measurement, and every field the sensor writes as a number, is shown somewhere', () => {
    const used = panels.flatMap((p) => (p.targets as Doc[]).map((t) => fluxRefs(String(t.query))));
    const shown = new Set(used.flatMap((r) => r.measurements.flatMap((m) => [...r.fields, ...r.columns].map((f) => `${m}.${f}`))));
    // Peng's own `system` point is for Peng's dashboards; ours reads `entropy`.
    const missing: string[] = [];
    for (const m of MEASUREMENTS as readonly MeasurementSpec<unknown>[]) {
      if (m.optIn) continue;
      for (const f of m.fields) if (f.type !== 'string' && !['frame_seconds', 'client_syns', 'server_syns', 'probes_to_detect', 'influx_written'].includes(f.name) && !shown.has(`${m.measurement}.${f.name}`)) missing.push(`${m.measurement}.${f.name}`);
    }
    assert.deepEqual(missing, []);
  });

  test('the checker itself catches drift', () => {
    assert.deepEqual(checkQuery('ok', 'r._measurement == "entropy" and r._field == "client" and r.sensor =~ /x/'), []);
    assert.equal(checkQuery('bad field', 'r._measurement == "entropy" and r._field == "clients"').length, 1);
    assert.equal(checkQuery('bad tag', 'r._measurement == "scan" and r.attacker == "x"').length, 1);
    assert.equal(checkQuery('bad measurement', 'r._measurement == "scans"').length, 1);
    assert.equal(checkQuery('bad column', 'r._measurement == "scan" |> keep(columns: ["_time", "scaner"])').length, 1);
  });
});

/**
 * `--metrics`: Prometheus scraped over real HTTP while the sensor runs, once
 * on a flows run (softflowd exporting a capture as NetFlow v9 to
 * --netflow-listen) and once on a live capture of loopback (root, native
 * addon; run under the lab lock). The scraped values are checked against what
 * the exporter says it sent and against the sensor's own exit stats line.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { connect, createServer } from 'node:net';
import { test } from 'node:test';
import { ALL_MODULES } from '../../src/assemble/registry.js';
import { metricName } from '../../src/sink/metrics/exporter.js';
import { SAMPLE, startCli } from '../helpers/cli.js';
import { labUnavailable } from '../helpers/namespaces.js';
import { waitFor } from '../helpers/wait.js';

const haveSoftflowd = spawnSync('softflowd', ['-h']).error === undefined;
const liveUnavailable = labUnavailable({ engine: 'native', rootFor: 'live capture on loopback' });

async function freePort(kind: 'tcp' | 'udp'): Promise<number> {
  if (kind === 'udp') {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
    const port = s.address().port;
    await new Promise<void>((r) => s.close(() => r()));
    return port;
  }
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Prometheus text format: sample name (no labels) -> value; HELP and TYPE lines. */
function parseMetrics(text: string) {
  const values = new Map<string, number>();
  const help = new Map<string, string>();
  const type = new Map<string, string>();
  for (const line of text.split('\n')) {
    let m = /^# HELP (\S+) (.*)$/.exec(line);
    if (m) help.set(m[1], m[2].replace(/\\n/g, '\n').replace(/\\\\/g, '\\'));
    else if ((m = /^# TYPE (\S+) (\S+)$/.exec(line))) type.set(m[1], m[2]);
    else if ((m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line)) && !m[2]) values.set(m[1], Number(m[3]));
  }
  return { values, help, type };
}

async function scrape(port: number): Promise<ReturnType<typeof parseMetrics> | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    return parseMetrics(await res.text());
  } catch (e) {
    if (e instanceof assert.AssertionError) throw e;
    return null; // not listening yet
  }
}

async function until<T>(what: string, get: () => Promise<T | null>, ok: (v: T) => boolean, ms = 60_000): Promise<T> {
  let v: T | null = null;
  await waitFor(what, async () => {
    v = await get();
    return v !== null && ok(v);
  }, ms).catch((e: unknown) => {
    const last = v instanceof Object && 'values' in v ? Object.fromEntries((v as { values: Map<string, number> }).values) : v;
    throw new Error(`${(e as Error).message}; last: ${JSON.stringify(last)}`);
  });
  return v as T;
}

/** The exit stats line's counters. */
function exitStats(stderr: string): Map<string, number> {
  const line = stderr.split('\n').find((l) => l.startsWith('[stats '));
  assert.ok(line, stderr);
  return new Map([...line.matchAll(/ ([\w.]+)=(\d+(?:\.\d+)?)/g)].map((m) => [m[1], Number(m[2])]));
}

const spec = new Map(ALL_MODULES.flatMap((m) => m.counters).map((c) => [c.name, c]));

/** Every counter in the exit line is on the scrape, help text and type from its descriptor, value at most the final one (equal for `equal`). */
function compare(scraped: ReturnType<typeof parseMetrics>, final: Map<string, number>, equal: string[]): void {
  for (const [name, v] of final) {
    const c = spec.get(name);
    assert.ok(c, `${name} has a descriptor`);
    const metric = metricName(c);
    assert.equal(scraped.help.get(metric), c.help, `${metric} help`);
    assert.equal(scraped.type.get(metric), c.kind === 'sum' ? 'counter' : 'gauge', `${metric} type`);
    const got = scraped.values.get(metric);
    assert.ok(got !== undefined, `${metric} scraped`);
    if (equal.includes(name)) assert.equal(got, v, `${metric} = exit ${name}`);
    else if (c.kind === 'sum') assert.ok(got <= v, `${metric} ${got} <= exit ${name} ${v}`);
  }
}

test('flows run: scrape while NetFlow arrives, values match softflowd and the exit stats', { skip: haveSoftflowd ? false : 'softflowd is not installed', timeout: 120_000 }, async () => {
  const [udp, http] = [await freePort('udp'), await freePort('tcp')];
  // A syslog receiver, so an output queue (syslog.queued/sent/dropped) is on the scrape too.
  const receiver = createSocket('udp4');
  let syslogReceived = 0;
  receiver.on('message', () => syslogReceived++);
  await new Promise<void>((r) => receiver.bind(0, '127.0.0.1', r));
  const cli = startCli(['--netflow-listen', `127.0.0.1:${udp}`, '--metrics', `127.0.0.1:${http}`, '--flow-hold', '100ms', '--syslog', `udp://127.0.0.1:${receiver.address().port}`, '-verbose', '1']);
  try {
    const first = await until('the metrics endpoint', () => scrape(http), () => true);
    assert.equal(first.values.get('peng_netflow_datagrams_total'), 0);
    assert.ok(first.values.has('process_cpu_seconds_total') && first.values.has('nodejs_heap_size_used_bytes'), 'process metrics');
    await until('the NetFlow listener', async () => cli.output().stderr, (s) => s.includes('watching NetFlow'));
    const sf = spawnSync('softflowd', ['-r', SAMPLE, '-n', `127.0.0.1:${udp}`, '-v', '9', '-d', '-a'], { encoding: 'utf8' });
    assert.equal(sf.status, 0, sf.stderr);
    const m = /Flows exported: \d+ \((\d+) records\) in (\d+) packets \(0 failures\)/.exec(sf.stdout + sf.stderr);
    assert.ok(m, sf.stdout);
    const [records, packets] = [Number(m[1]), Number(m[2])];
    const during = await until(
      `${packets} datagrams and ${records} records handed on`,
      () => scrape(http),
      (s) => s.values.get('peng_netflow_datagrams_total') === packets && s.values.get('peng_flows_records_total') === records && s.values.get('peng_flows_held') === 0,
    );
    assert.ok((during.values.get('peng_scan_events_start_total') ?? 0) >= 1, 'the scan was seen');
    const sent = await until('the syslog messages to arrive', () => scrape(http), (x) => x.values.get('peng_syslog_sent_total') === syslogReceived && syslogReceived >= 1);
    assert.equal(sent.values.get('peng_syslog_queued'), 0, 'output queue depth');
    assert.equal(sent.values.get('peng_syslog_dropped_total'), 0, 'output drops');
    assert.equal(sent.type.get('peng_syslog_queued'), 'gauge');
    assert.ok((during.values.get('peng_metrics_scrapes_total') ?? 0) >= 2);
    cli.child.kill('SIGINT');
    const out = await cli.done;
    assert.equal(out.code, 0, out.stderr);
    compare(during, exitStats(out.stderr), ['netflow.datagrams', 'netflow.v9', 'flows.records', 'packets.seen', 'packets.decoded', 'flows.views', 'scan.events_start']);
  } finally {
    cli.child.kill('SIGKILL');
    receiver.close();
  }
});

test('live capture on loopback: scrape during the capture, capture counters match the exit stats', { skip: liveUnavailable ?? false, timeout: 120_000 }, async () => {
  const [closed, http] = [await freePort('tcp'), await freePort('tcp')];
  const cli = startCli(['-network', 'lo', '--filter', `tcp port ${closed}`, '--metrics', `127.0.0.1:${http}`, '-timeFrame', '1s', '-verbose', '1']);
  try {
    await until('the capture', async () => cli.output().stderr, (s) => s.includes('watching live:lo'));
    await until('the metrics endpoint', () => scrape(http), () => true);
    // 20 connection attempts to a closed port: SYN and RST+ACK each, 40 packets on lo.
    for (let i = 0; i < 20; i++) {
      await new Promise<void>((resolve) => {
        const s = connect(closed, '127.0.0.1');
        s.on('error', () => resolve());
        s.on('connect', () => {
          s.destroy();
          resolve();
        });
      });
    }
    const during = await until('40 packets delivered', () => scrape(http), (s) => s.values.get('peng_capture_delivered_total') === 40 && s.values.get('peng_packets_seen_total') === 40);
    assert.equal(during.values.get('peng_capture_kernel_dropped_total'), 0, 'capture drops');
    assert.equal(during.values.get('peng_capture_interface_dropped_total'), 0);
    assert.ok((during.values.get('peng_capture_kernel_received_total') ?? 0) >= 40);
    assert.ok((during.values.get('process_resident_memory_bytes') ?? 0) > 0);
    cli.child.kill('SIGINT');
    const out = await cli.done;
    assert.equal(out.code, 0, out.stderr);
    compare(during, exitStats(out.stderr), ['capture.delivered', 'packets.seen', 'packets.decoded', 'capture.kernel_dropped']);
  } finally {
    cli.child.kill('SIGKILL');
  }
});

test('a taken port is one line at start, exit 64', async () => {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  try {
    const cli = startCli(['--netflow-listen', '127.0.0.1:0', '--metrics', `127.0.0.1:${port}`]);
    const out = await cli.done;
    assert.equal(out.code, 64);
    assert.match(out.stderr.trim(), new RegExp(`^peng-ts: --metrics 127\\.0\\.0\\.1:${port}: address already in use$`));
  } finally {
    s.close();
  }
});

/**
 * The InfluxDB output without a server: line protocol, the schema, the
 * bounded queue's exact drop accounting, the sink's states and messages
 * (against a scripted writer), and the option rules.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { ParamValues } from '../../src/config/params.js';
import { coerceParam } from '../../src/config/params.js';
import { INFLUX_COUNTER_LIST } from '../../src/sink/influx/counters.js';
import { toLine } from '../../src/sink/influx/line-protocol.js';
import { influxBaseUrl, influxSinkModule, makeWriter } from '../../src/sink/influx/module.js';
import { DISTRIBUTED, ENTROPY, ENTROPY_EVENT, MEASUREMENTS, PENG_SYSTEM, pointsFor, renderSchemaMarkdown, SCAN, SENSOR_STATS } from '../../src/sink/influx/points.js';
import type { MeasurementSpec } from '../../src/sink/influx/points.js';
import { LineQueue } from '../../src/sink/influx/queue.js';
import { InfluxSink } from '../../src/sink/influx/sink.js';
import { V1Writer } from '../../src/sink/influx/v1-writer.js';
import { V2Writer } from '../../src/sink/influx/v2-writer.js';
import { WriteFailure, type BatchWriter } from '../../src/sink/influx/writer.js';
import { frame, scanEvent, stats } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

const origin = { sensor: 'probe-1', source: 'eth0' };

describe('line protocol', () => {
  test('types, escaping, microsecond time, sorted tags', () => {
    const line = toLine({
      measurement: 'm m,x',
      tags: { z: 'a b', a: 'c,d=e', empty: '' },
      fields: { f: 1, g: 0.25, i: { int: 42 }, s: 'say "hi"\\\n', b: true, nan: NaN },
      time: 1100000000.123456,
    });
    assert.equal(line, 'm\\ m\\,x,a=c\\,d\\=e,z=a\\ b f=1.0,g=0.25,i=42i,s="say \\"hi\\"\\\\ ",b=true 1100000000123456');
  });

  test('a point without a writable field is no line', () => {
    assert.equal(toLine({ measurement: 'm', tags: {}, fields: { x: NaN }, time: 1 }), null);
  });

  test('a trailing backslash cannot escape the separator after a tag value', () => {
    assert.equal(toLine({ measurement: 'm', tags: { source: 'C:\\caps\\' }, fields: { x: 1 }, time: 1 }), 'm,source=C:\\caps x=1.0 1000000');
  });
});

describe('schema', () => {
  test('a frame is one entropy point, plus Peng\'s system point (in = SERVER, out = CLIENT) with --influx-peng-compat', () => {
    const f = frame(1100000010, 7);
    const [e] = pointsFor(f, { origin, pengCompat: false });
    assert.equal(pointsFor(f, { origin, pengCompat: false }).length, 1);
    assert.equal(toLine(e), `entropy,sensor=probe-1,source=eth0 client=${f.client},server=${f.server},client_syns=7i,server_syns=15i,frame_seconds=1.0 1100000010000000`);
    const both = pointsFor(f, { origin, pengCompat: true });
    assert.equal(both.length, 2);
    assert.equal(toLine(both[1]), `system,entropy=ports in=${f.server},out=${f.client} 1100000010000000`);
  });

  test('a scan event: scanner, technique, pattern, tool as tags, counts as fields, at packet time', () => {
    const [p] = pointsFor(scanEvent(1100000005.5), { origin, pengCompat: false });
    assert.equal(p.measurement, 'scan');
    assert.deepEqual(p.tags, { sensor: 'probe-1', source: 'eth0', scanner: '192.168.1.66', technique: 'syn', pattern: 'vertical', tool: 'nmap', event: 'start' });
    assert.deepEqual(p.fields.probes, { int: 130 });
    assert.equal(p.fields.techniques, 'syn,fin');
    assert.equal(p.fields.duration, 2.5);
    assert.equal(p.fields.detectors, 'trw=120.500/99');
    assert.equal(p.time, 1100000005.5);
  });

  test('stats: counters mapped, absent counters (kernel drops on replay) left out', () => {
    const [p] = pointsFor(
      stats(1100000010, { 'packets.seen': 100, 'packets.decoded': 90, 'packets.malformed': 3, 'entropy.syn_client': 5, 'entropy.syn_server': 6, 'influx.points_queued': 4, 'influx.points_dropped': 1 }),
      { origin, pengCompat: false },
    );
    assert.equal(p.measurement, 'sensor_stats');
    assert.deepEqual(p.fields, {
      packets_seen: { int: 100 },
      packets_decoded: { int: 90 },
      packets_malformed: { int: 3 },
      syns_counted: { int: 11 },
      influx_queued: { int: 4 },
      influx_dropped: { int: 1 },
    });
  });

  test('every tag and field has its own help; names are unique per measurement', () => {
    for (const m of [ENTROPY, PENG_SYSTEM, SCAN, DISTRIBUTED, ENTROPY_EVENT, SENSOR_STATS] as MeasurementSpec<never>[]) {
      const names = [...m.tags.map((t) => t.name), ...m.fields.map((f) => f.name)];
      assert.equal(new Set(names).size, names.length, m.measurement);
      for (const x of [...m.tags, ...m.fields]) assert.ok(x.help.length > 10, `${m.measurement}.${x.name}`);
    }
    assert.equal(MEASUREMENTS.length, 6);
  });
});

describe('LineQueue', () => {
  test('full: the oldest go first, counted once', () => {
    const q = new LineQueue(3);
    for (const l of ['a', 'b', 'c', 'd', 'e']) q.push(l);
    assert.equal(q.dropped, 2);
    assert.deepEqual(q.take(10), ['c', 'd', 'e']);
    assert.equal(q.settle('ok'), 3);
    assert.equal(q.length, 0);
    assert.equal(q.maxLength, 3);
  });

  test('lines pushed out of a batch in flight: written if it succeeds, dropped if it fails', () => {
    const ok = new LineQueue(3);
    ['a', 'b', 'c'].forEach((l) => ok.push(l));
    ok.take(2); // a, b in flight
    ok.push('d'); // pushes a out
    assert.equal(ok.dropped, 0);
    assert.equal(ok.settle('ok'), 2); // a and b were written
    assert.equal(ok.dropped, 0);
    assert.deepEqual(ok.take(5), ['c', 'd']);

    const bad = new LineQueue(3);
    ['a', 'b', 'c'].forEach((l) => bad.push(l));
    bad.take(2);
    bad.push('d');
    bad.settle('retry');
    assert.equal(bad.dropped, 1); // a
    assert.deepEqual(bad.take(5), ['b', 'c', 'd']); // b is sent again, in order
  });

  test('dropAll counts what was held', () => {
    const q = new LineQueue(4);
    ['a', 'b'].forEach((l) => q.push(l));
    assert.equal(q.dropAll(), 2);
    assert.equal(q.dropped, 2);
  });
});

/** A writer whose answers the test decides. */
class ScriptedWriter implements BatchWriter {
  readonly target = 'http://fake:8086 bucket "b"';
  readonly received: string[] = [];
  posts = 0;
  mode: 'ok' | 'down' | 'auth' | 'rejected' | 'hang' = 'ok';
  closed = false;

  async post(lines: readonly string[]): Promise<void> {
    this.posts++;
    switch (this.mode) {
      case 'ok':
        this.received.push(...lines);
        return;
      case 'down':
        throw new WriteFailure('unreachable', 'connect ECONNREFUSED 127.0.0.1:8086');
      case 'auth':
        throw new WriteFailure('auth', 'http://fake:8086 refused the write (HTTP 401: unauthorized access): check -token or the INFLUX_TOKEN environment variable', 401);
      case 'rejected':
        throw new WriteFailure('rejected', 'http://fake:8086 refused points as bad data (HTTP 400: bad field type)', 400);
      case 'hang':
        return new Promise(() => {});
    }
  }

  close(): void {
    this.closed = true;
  }
}

function makeSink(writer: BatchWriter, over: Partial<ConstructorParameters<typeof InfluxSink>[0]> = {}) {
  const warnings: string[] = [];
  const sink = new InfluxSink({
    writer,
    points: { origin, pengCompat: false },
    bufferPoints: 100,
    batchPoints: 10,
    flushTimeout: 2,
    retryMin: 0.01,
    retryMax: 0.05,
    warn: (l) => warnings.push(l),
    ...over,
  });
  return { sink, warnings };
}

const until = (what: string, cond: () => boolean): Promise<void> => waitFor(what, cond, 60_000, 5);

describe('InfluxSink', () => {
  test('writes in batches; one request at a time', async () => {
    const w = new ScriptedWriter();
    const { sink, warnings } = makeSink(w);
    for (let i = 0; i < 25; i++) sink.write(frame(1000 + i, i));
    await sink.flush();
    await until('all written', () => sink.written === 25);
    assert.equal(w.posts, 3);
    assert.equal(sink.batches, 3);
    assert.equal(sink.queued, 0);
    assert.deepEqual(warnings, []);
    await sink.close();
  });

  test('outage: one warning, oldest dropped past the bound and counted exactly, all buffered written on recovery, one line', async () => {
    const w = new ScriptedWriter();
    const { sink, warnings } = makeSink(w, { bufferPoints: 20 });
    sink.write(frame(1000, 0));
    await sink.flush();
    await until('first written', () => sink.written === 1);
    w.mode = 'down';
    for (let i = 1; i <= 50; i++) {
      sink.write(frame(1000 + i, i));
      await sink.flush();
    }
    await until('some retries', () => sink.errors >= 3);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0], /cannot write to http:\/\/fake:8086 bucket "b": connect ECONNREFUSED.*--influx-buffer/);
    assert.equal(sink.queued, 20);
    assert.equal(sink.dropped, 30);
    assert.equal(sink.outages, 1);
    w.mode = 'ok';
    await until('buffer written', () => sink.written === 21);
    assert.equal(sink.queued, 0);
    assert.equal(warnings.length, 2);
    assert.match(warnings[1], /answering again; writing the 20 buffered points, 30 dropped while it was away/);
    // the 20 newest frames of the outage, in order
    const times = w.received.slice(1).map((l) => Number(l.split(' ').at(-1)) / 1e6);
    assert.deepEqual(times, Array.from({ length: 20 }, (_, k) => 1031 + k));
    await sink.close();
  });

  test('wrong token: one line naming the option, then points are counted as dropped, no more requests', async () => {
    const w = new ScriptedWriter();
    w.mode = 'auth';
    const { sink, warnings } = makeSink(w);
    sink.write(frame(1000, 1));
    sink.write(scanEvent(1000.5));
    await sink.flush();
    await until('failed', () => warnings.length === 1);
    assert.match(warnings[0], /HTTP 401.*-token or the INFLUX_TOKEN.*output stopped.*goes on/);
    for (let i = 0; i < 5; i++) {
      sink.write(frame(1001 + i, i));
      await sink.flush();
    }
    assert.equal(w.posts, 1);
    assert.equal(sink.dropped, 7);
    assert.equal(sink.written, 0);
    await sink.close();
    assert.equal(warnings.length, 1);
  });

  test('bad data: batch counted as rejected, one line, the rest goes on', async () => {
    const w = new ScriptedWriter();
    w.mode = 'rejected';
    const { sink, warnings } = makeSink(w);
    sink.write(frame(1000, 1));
    await sink.flush();
    await until('rejected', () => sink.rejected === 1);
    sink.write(frame(1001, 1));
    await sink.flush();
    await until('rejected', () => sink.rejected === 2);
    w.mode = 'ok';
    sink.write(frame(1002, 1));
    await sink.flush();
    await until('written', () => sink.written === 1);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /bad data.*influx.points_rejected/);
    await sink.close();
  });

  test('close: a database that never answers is given --influx-flush-timeout, then the rest is dropped with one line', async () => {
    const w = new ScriptedWriter();
    w.mode = 'hang';
    const { sink, warnings } = makeSink(w, { flushTimeout: 0.2 });
    for (let i = 0; i < 5; i++) sink.write(frame(1000 + i, i));
    await sink.close();
    assert.equal(w.closed, true);
    assert.equal(sink.dropped, 5);
    assert.equal(sink.queued, 0);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /5 points not written at exit.*--influx-flush-timeout 0.2s/);
  });

  test('close: everything buffered is written when the database answers', async () => {
    const w = new ScriptedWriter();
    const { sink, warnings } = makeSink(w);
    for (let i = 0; i < 35; i++) sink.write(frame(1000 + i, i));
    await sink.close();
    assert.equal(sink.written, 35);
    assert.deepEqual(warnings, []);
  });

  test('close while down retries within the timeout and writes when it comes back', async () => {
    const w = new ScriptedWriter();
    w.mode = 'down';
    const { sink } = makeSink(w, { flushTimeout: 30 });
    for (let i = 0; i < 5; i++) sink.write(frame(1000 + i, i));
    await sink.flush();
    const closing = sink.close();
    await until('a few retries', () => w.posts >= 3);
    w.mode = 'ok';
    await closing;
    assert.equal(sink.written, 5);
    assert.equal(sink.dropped, 0);
  });
});

function params(over: Record<string, unknown>): ParamValues {
  const p: ParamValues = {};
  for (const spec of influxSinkModule.params) p[spec.name] = coerceParam(spec, over[spec.name]);
  return p;
}

describe('options', () => {
  test("Peng's defaults: -influxUrl http://localhost -influxPort 9999; --influx overrides both", () => {
    assert.equal(influxBaseUrl(params({})), 'http://localhost:9999');
    assert.equal(influxBaseUrl(params({ influxUrl: 'http://db.example', influxPort: '8086' })), 'http://db.example:8086');
    assert.equal(influxBaseUrl(params({ influxUrl: 'db.example' })), 'http://db.example:9999');
    assert.equal(influxBaseUrl(params({ influxUrl: 'https://db.example:443' })), 'https://db.example');
    assert.equal(influxBaseUrl(params({ influx: 'http://127.0.0.1:8428', influxUrl: 'http://x', influxPort: '1' })), 'http://127.0.0.1:8428');
    assert.throws(() => influxBaseUrl(params({ influx: 'ftp://x' })), /only http/);
  });

  test('off unless -bucket or --influx-v1-db; half a configuration is an error', () => {
    assert.equal(makeWriter(params({}), {}), null);
    assert.equal(makeWriter(params({}), { INFLUX_TOKEN: 'x' }), null);
    assert.throws(() => makeWriter(params({ token: 't' }), {}), /-token given without -bucket/);
    assert.throws(() => makeWriter(params({ influx: 'http://x:1' }), {}), /-influx given without -bucket/);
    assert.throws(() => makeWriter(params({ bucket: 'b', 'influx-v1-db': 'd' }), {}), /not both/);
    const v2 = makeWriter(params({ bucket: 'b', org: 'o', influx: 'http://127.0.0.1:8086' }), { INFLUX_TOKEN: 'secret' });
    assert.ok(v2 instanceof V2Writer);
    assert.equal(v2.target, 'http://127.0.0.1:8086 bucket "b"');
    v2.close();
    const v1 = makeWriter(params({ 'influx-v1-db': 'peng', influx: 'http://127.0.0.1:8086' }), { INFLUX_USERNAME: 'u', INFLUX_PASSWORD: 'p' });
    assert.ok(v1 instanceof V1Writer);
    assert.equal(v1.target, 'http://127.0.0.1:8086 database "peng"');
  });

  test('every param and counter has its own help; the token and password say ps', () => {
    const helps = [...influxSinkModule.params.map((p) => p.help), ...INFLUX_COUNTER_LIST.map((c) => c.help)];
    assert.equal(new Set(helps).size, helps.length);
    for (const h of helps) assert.ok(h.length > 15, h);
    for (const n of ['token', 'influx-v1-password']) {
      assert.match(influxSinkModule.params.find((p) => p.name === n)!.help, /\bps\b.*environment variable/);
    }
  });
});

describe('docs/influx.md', () => {
  test('its schema section is the one points.ts renders (UPDATE_DOCS=1 rewrites it)', () => {
    const path = join(import.meta.dirname, '../../docs/influx.md');
    const doc = readFileSync(path, 'utf8');
    const m = /<!-- schema:start -->\n([\s\S]*?)<!-- schema:end -->/.exec(doc);
    assert.ok(m, 'schema markers in docs/influx.md');
    const want = renderSchemaMarkdown();
    if (process.env.UPDATE_DOCS === '1' && m[1] !== want) writeFileSync(path, doc.replace(m[1], () => want));
    else assert.equal(m[1], want);
  });
});

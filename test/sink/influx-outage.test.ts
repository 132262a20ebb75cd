/**
 * The database going away mid-run and coming back, with a real
 * VictoriaMetrics stopped and started again on the same port and data
 * directory: every point written before, during and after the outage is
 * there (within --influx-buffer), the drop counter is exact when the bound is
 * exceeded, and the sink says so in two lines (gone, back), not one per point.
 * No timing assertions: every wait is a bounded poll on a condition.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { InfluxSink } from '../../src/sink/influx/sink.js';
import { V2Writer } from '../../src/sink/influx/v2-writer.js';
import type { FrameStat } from '../../src/sink/schema.js';
import { frame, ManagedServer, missingBinary, startVictoriaMetrics, VICTORIA_METRICS_BIN, vmExport, waitFor } from '../helpers/servers.js';

const skip = missingBinary(VICTORIA_METRICS_BIN, 'victoria-metrics');

function makeSink(vm: ManagedServer, bucket: string, bufferPoints: number) {
  const warnings: string[] = [];
  const sink = new InfluxSink({
    writer: new V2Writer({ url: vm.url, org: 'o', bucket, token: 't', timeoutMs: 5000, maxBatch: 100 }),
    points: { origin: { sensor: bucket, source: 'outage' }, pengCompat: false },
    bufferPoints,
    batchPoints: 100,
    flushTimeout: 10,
    retryMin: 0.05,
    retryMax: 0.2,
    warn: (l) => warnings.push(l),
  });
  return { sink, warnings };
}

async function writeFrames(sink: InfluxSink, frames: FrameStat[]): Promise<void> {
  for (const f of frames) {
    sink.write(f);
    await sink.flush();
  }
}

/** Frame end times (ms) stored for one sensor. */
async function storedTimes(vm: ManagedServer, sensor: string): Promise<number[]> {
  const series = await vmExport(vm, `entropy_client{sensor="${sensor}"}`);
  return series.flatMap((s) => s.timestamps).sort((a, b) => a - b);
}

describe('InfluxDB output across an outage (VictoriaMetrics stopped and restarted)', { skip: skip ?? false }, () => {
  let vm: ManagedServer;
  before(async () => {
    vm = await startVictoriaMetrics();
  });
  after(async () => {
    await vm?.remove();
  });

  test('within the buffer: every point before, during and after the outage is stored', async () => {
    const { sink, warnings } = makeSink(vm, 'keep', 1000);
    const t0 = 1200000000;
    const frames = Array.from({ length: 70 }, (_, i) => frame(t0 + i, i));
    await writeFrames(sink, frames.slice(0, 20));
    await waitFor('20 points written', () => sink.written === 20);

    await vm.stop();
    await writeFrames(sink, frames.slice(20, 50));
    await waitFor('the failure noticed', () => sink.outages === 1 && sink.errors >= 2);
    assert.equal(sink.written, 20);
    assert.equal(sink.queued, 30);

    await vm.start();
    await writeFrames(sink, frames.slice(50));
    await waitFor('everything written after recovery', () => sink.written === 70 && sink.queued === 0, 60_000);
    await sink.close();

    assert.equal(sink.dropped, 0);
    assert.deepEqual(await storedTimes(vm, 'keep'), frames.map((f) => f.end * 1000));
    assert.equal(warnings.length, 2, warnings.join('\n'));
    assert.match(warnings[0], new RegExp(`cannot write to ${vm.url} bucket "keep": .*ECONNREFUSED.*--influx-buffer`));
    assert.match(warnings[1], /answering again; writing the \d+ buffered points$/);
  });

  test('past the buffer: the oldest points of the outage are dropped, counted exactly, the rest is stored', async () => {
    const { sink, warnings } = makeSink(vm, 'drop', 10);
    const t0 = 1200001000;
    const frames = Array.from({ length: 35 }, (_, i) => frame(t0 + i, i));
    await writeFrames(sink, frames.slice(0, 5));
    await waitFor('5 points written', () => sink.written === 5);

    await vm.stop();
    await writeFrames(sink, frames.slice(5, 30)); // 25 points into a buffer of 10
    await waitFor('the failed attempt settled', () => sink.outages === 1 && sink.dropped + sink.queued === 25);
    assert.equal(sink.queued, 10);
    assert.equal(sink.dropped, 15);

    await vm.start();
    // The buffer is full: points written before it drains would push more out.
    await waitFor('the buffer written on recovery', () => sink.written === 15 && sink.queued === 0, 60_000);
    await writeFrames(sink, frames.slice(30));
    await waitFor('buffer and new points written', () => sink.written === 20 && sink.queued === 0, 60_000).catch((e) => {
      throw new Error(`${(e as Error).message}: ${JSON.stringify({ written: sink.written, queued: sink.queued, dropped: sink.dropped, errors: sink.errors, warnings })}`);
    });
    await sink.close();

    assert.equal(sink.dropped, 15);
    const expected = [...frames.slice(0, 5), ...frames.slice(20)].map((f) => f.end * 1000);
    assert.deepEqual(await storedTimes(vm, 'drop'), expected);
    assert.equal(warnings.length, 2, warnings.join('\n'));
    assert.match(warnings[1], /15 dropped while it was away \(buffer full: raise --influx-buffer\)/);
  });

  test('unreachable from the start: one warning, then everything once it appears', async () => {
    const other = await startVictoriaMetrics();
    try {
      await other.stop();
      const { sink, warnings } = makeSink(other, 'late', 100);
      const frames = Array.from({ length: 10 }, (_, i) => frame(1200002000 + i, i));
      await writeFrames(sink, frames.slice(0, 5));
      await waitFor('the failure noticed', () => sink.errors >= 2);
      assert.equal(warnings.length, 1);
      await other.start();
      await writeFrames(sink, frames.slice(5));
      await waitFor('all written', () => sink.written === 10, 60_000);
      await sink.close();
      assert.deepEqual(await storedTimes(other, 'late'), frames.map((f) => f.end * 1000));
      assert.equal(warnings.length, 2);
    } finally {
      await other.remove();
    }
  });
});

/**
 * One measured replay, in its own process (its CPU time and peak RSS are its
 * own, worker threads included): `single FILE` runs the product's pipeline on
 * one thread; `shard FILE N` reads, decodes, runs Peng's entropy and the
 * victim detector on the main thread and hashes every packet by its scanner
 * side (key.ts) to one of N workers (worker.ts) through SharedArrayBuffer
 * rings (ring.ts); `shard FILE 0` is the main thread's share alone (nothing
 * sent: the ceiling of this split). Prints one JSON line. Wall and CPU time start after every
 * thread has loaded its code.
 */
import { Worker } from 'node:worker_threads';
import { FileSource } from '../../src/capture/file-source.js';
import { decode } from '../../src/decode/decode.js';
import { defaultReassembler } from '../../src/decode/module.js';
import type { PacketView } from '../../src/decode/packet-view.js';
import { MAX_PACKET_TIME } from '../../src/pipeline.js';
import { assemble, type Tally } from './assemble.js';
import { shardOf } from './key.js';
import { threadCpuSeconds } from './thread-cpu.js';
import { RingProducer, ringBuffer, type RawPacket } from './ring.js';

const [mode, file, n] = process.argv.slice(2);
const OK = 0;
/** SHARD_SNAP=N: copy only the first N bytes of each frame to the workers (as a live --snaplen would). */
const SNAP = Number(process.env.SHARD_SNAP ?? 0) || Infinity;

interface WorkerResult {
  tally: Tally;
  packets: number;
  sourcesMax: number;
  threadCpu: number;
}

async function single() {
  const a = assemble('all', file);
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const main0 = threadCpuSeconds();
  await new FileSource(file).run(a.pipeline.onPacket);
  a.pipeline.flush();
  const mainCpu = threadCpuSeconds() - main0;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const snap = a.stats.snapshot();
  return { packets: snap['packets.seen'], seconds, cpu, tally: a.tally, perWorker: [], waits: 0, sourcesMax: [snap['scan.sources_max'] ?? 0], mainCpu, workerCpu: [] };
}

async function shard(workers: number) {
  const main = assemble('main', file);
  const rings = Array.from({ length: workers }, () => ringBuffer());
  const ts: Worker[] = [];
  const results: Promise<WorkerResult>[] = [];
  const ready: Promise<void>[] = [];
  for (const sab of rings) {
    const w = new Worker(new URL('./worker-boot.mjs', import.meta.url), { workerData: { sab, file } });
    ts.push(w);
    ready.push(new Promise((res, rej) => (w.once('message', () => res()), w.once('error', rej))));
    results.push(
      new Promise((res, rej) => {
        w.on('message', (m: WorkerResult & { ready?: boolean }) => m.ready || res(m));
        w.once('error', rej);
      }),
    );
  }
  await Promise.all(ready);
  const producers = rings.map((r) => new RingProducer(r));
  const frags = defaultReassembler();
  const local = main.localNets;
  const onMain = main.pipeline.onDecoded;
  let last = 0;
  let total = 0;
  const raw: RawPacket = { bytes: new Uint8Array(0), offset: 0, caplen: 0, wirelen: 0, linkType: 0, tsSec: 0, tsNsec: 0 };
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const main0 = threadCpuSeconds();
  await new FileSource(file).run((v: PacketView) => {
    total++;
    // Keep the raw record: reassembly (decode/fragments.ts) points the view at its own buffer.
    raw.bytes = v.bytes;
    raw.offset = v.offset;
    raw.caplen = v.caplen < SNAP ? v.caplen : SNAP;
    raw.wirelen = v.wirelen;
    raw.linkType = v.linkType;
    raw.tsSec = v.tsSec;
    raw.tsNsec = v.tsNsec;
    const status = v.ts >= 0 && v.ts <= MAX_PACKET_TIME ? decode(v, frags) : -1;
    let w = 0;
    if (status === OK) {
      if (v.ts > last) last = v.ts;
      onMain(v);
      w = shardOf(v, local, workers);
    }
    // Damaged and non-IP packets go to worker 0, so its counters see them.
    if (workers > 0) producers[w].push(raw);
  });
  for (const p of producers) p.end(last);
  main.pipeline.now = Math.max(main.pipeline.now, last);
  main.pipeline.flush();
  const mainCpu = threadCpuSeconds() - main0;
  const per = await Promise.all(results);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  await Promise.all(ts.map((w) => w.terminate()));
  const tally: Tally = { ...main.tally };
  for (const r of per) for (const [k, c] of Object.entries(r.tally)) tally[k] = (tally[k] ?? 0) + c;
  return {
    packets: workers > 0 ? per.reduce((s, r) => s + r.packets, 0) : total,
    seconds,
    cpu,
    tally,
    perWorker: per.map((r) => r.packets),
    waits: producers.reduce((s, p) => s + p.waits, 0),
    sourcesMax: per.map((r) => r.sourcesMax),
    mainCpu,
    workerCpu: per.map((r) => r.threadCpu),
  };
}

const r = mode === 'single' ? await single() : await shard(Number(n));
console.log(
  JSON.stringify({
    mode: mode === 'single' ? 'single' : `shard ${n}`,
    packets: r.packets,
    seconds: r.seconds,
    cpuSeconds: (r.cpu.user + r.cpu.system) / 1e6,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    perWorker: r.perWorker,
    producerWaits: r.waits,
    sourcesMax: r.sourcesMax,
    mainCpu: r.mainCpu,
    workerCpu: r.workerCpu,
    tally: r.tally,
  }),
);

/**
 * One shard: decodes the records the main thread hashed to it (bench/shard/
 * ring.ts) and runs the per-source part of the pipeline (assemble.ts
 * `worker`) on them, then flushes at the capture's last packet time (as the
 * single-threaded replay does) and posts its event tally and counters once.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PacketView } from '../../src/decode/packet-view.js';
import { assemble } from './assemble.js';
import { consume } from './ring.js';
import { threadCpuSeconds } from './thread-cpu.js';

const { sab, file } = workerData as { sab: SharedArrayBuffer; file: string };
const a = assemble('worker', file);
const view = new PacketView();
const onPacket = a.pipeline.onPacket;
parentPort!.postMessage({ ready: true });
const cpu0 = threadCpuSeconds();
const last = consume(sab, (r) => {
  view.setRaw(r.bytes, r.offset, r.caplen, r.wirelen, r.linkType, r.tsSec, r.tsNsec);
  onPacket(view);
});
// The single-threaded replay ends every scan at the capture's last packet time, not this shard's.
if (last > a.pipeline.now) a.pipeline.now = last;
a.pipeline.flush();
const snap = a.stats.snapshot();
parentPort!.postMessage({ tally: a.tally, packets: snap['packets.seen'], sourcesMax: snap['scan.sources_max'] ?? 0, threadCpu: threadCpuSeconds() - cpu0 });

/**
 * The web view's cost at its default bounds (figures for docs/web.md, no
 * assertions): `node --import tsx bench/sink/web.bench.ts`.
 * Writes 20,000 frames (10,000 kept) and 2,000 scans with 60 events each
 * (50 kept) into WebState, then times a snapshot, its JSON, a delta after one
 * frame, and the report page; prints heap growth.
 */
import type { FrameStat, ScanEvent } from '../../src/sink/schema.js';
import { buildPage } from '../../src/sink/web/page.js';
import { WebState } from '../../src/sink/web/state.js';

const frame = (end: number): FrameStat => ({ kind: 'frame', start: end - 60, end, client: 0.1, server: 0.3, clientSyns: 10, serverSyns: 40, clientBins: [], serverBins: [], clientBitmap: null, serverBitmap: null });
const scan = (i: number, t: number, event: ScanEvent['event']): ScanEvent => ({
  kind: 'scan', ts: t, event, id: `10.${(i >> 8) & 255}.${i & 255}.1-${i}`, scanner: `10.${(i >> 8) & 255}.${i & 255}.1`, technique: ['syn', 'udp'], pattern: 'vertical', tool: 'nmap',
  toolEvidence: 'TCP window 1024 with MSS-only on 100/100 TCP probes', targets: 3, ports: 1000, probes: 3000, failures: 2900, probesToDetect: 5, firstSeen: t - 10, lastSeen: t,
  detectors: [{ name: 'trw', score: 1e15, threshold: 99 }, { name: 'slow', score: 900, threshold: 15 }],
  samplePorts: Array.from({ length: 20 }, (_, k) => k + 20), sampleTargets: ['10.0.0.1', '10.0.0.2', '10.0.0.3'],
});
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

global.gc?.();
const heap0 = process.memoryUsage().heapUsed;
const s = new WebState({ maxFrames: 10_000, maxScans: 2_000, maxHistory: 50, maxOther: 1_000 }, { sensor: 'bench', source: 'x', live: true }, { tables: [] });
let t0 = process.hrtime.bigint();
let writes = 0;
for (let f = 0; f < 20_000; f++, writes++) s.write(frame(1e9 + f * 60));
const frameMs = ms(t0);
t0 = process.hrtime.bigint();
for (let e = 0; e < 60; e++) for (let i = 0; i < 2_000; i++, writes++) s.write(scan(i, 1e9 + e, e === 0 ? 'start' : 'update'));
const scanMs = ms(t0);
global.gc?.();
const heapMiB = (process.memoryUsage().heapUsed - heap0) / 2 ** 20;
t0 = process.hrtime.bigint();
const json = JSON.stringify(s.snapshot());
const snapMs = ms(t0);
const seq = s.lastSeq;
s.write(frame(2e9));
t0 = process.hrtime.bigint();
const delta = JSON.stringify(s.delta(seq));
const deltaMs = ms(t0);
t0 = process.hrtime.bigint();
const page = buildPage('report', s.snapshot(), 'bench');
const pageMs = ms(t0);
console.log(`frame write: ${((frameMs * 1e6) / 20_000).toFixed(0)} ns; scan event write: ${((scanMs * 1e6) / 120_000).toFixed(0)} ns`);
console.log(`state at the bounds (${s.frameCount} frames, ${s.scanCount} scans x 50 events): heap +${heapMiB.toFixed(1)} MiB`);
console.log(`snapshot + JSON: ${snapMs.toFixed(1)} ms, ${(json.length / 2 ** 20).toFixed(2)} MiB; delta after one frame: ${deltaMs.toFixed(2)} ms, ${delta.length} bytes`);
console.log(`report page: ${pageMs.toFixed(1)} ms, ${(page.length / 2 ** 20).toFixed(2)} MiB`);

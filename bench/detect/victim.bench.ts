/**
 * The many-to-one and decoy detectors alone, on synthetic views (no capture,
 * no decode): packets per second and heap growth, for a spoofed SYN flood
 * (every SYN a new source, 16 victims) and for a busy server's completed
 * handshakes. Figures only: `node --import tsx bench/detect/victim.bench.ts`.
 */
import { coerceParam } from '../../src/config/params.js';
import { CidrSet } from '../../src/decode/cidr-set.js';
import { Layer, PacketView } from '../../src/decode/packet-view.js';
import { decoyModule } from '../../src/detect/decoy/module.js';
import type { Detector } from '../../src/detect/detector.js';
import { scanModule } from '../../src/detect/scan/module.js';
import { SCAN_JUDGES } from '../../src/assemble/registry.js';
import { victimModule } from '../../src/detect/victim/module.js';
import { StatsRegistry } from '../../src/stats/counters.js';

function build(m: typeof victimModule | typeof decoyModule): Detector {
  const params: Record<string, ReturnType<typeof coerceParam>> = {};
  for (const mod of [m, ...SCAN_JUDGES, scanModule]) for (const p of mod.params) params[p.name] = coerceParam(p, undefined);
  const ctx = { params, emit: () => {}, stats: new StatsRegistry(), localNets: new CidrSet(), verbose: 0, trace: () => {}, warn: () => {}, sensorName: 'b', sourceName: 'b' };
  // The decoy linker feeds the scan engine's alerts: it is attached to one, as the assembly does.
  return ('attach' in m ? m.attach(ctx, scanModule.create(ctx)) : m.create(ctx))!;
}

function run(name: string, d: Detector, n: number, fill: (v: PacketView, i: number) => void): void {
  const v = new PacketView();
  v.layers = Layer.IPV4 | Layer.TCP;
  v.ipVersion = 4;
  v.proto = 6;
  for (let i = 0; i < 100_000; i++) fill(v, i); // warm-up shapes, not timed
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    fill(v, i);
    d.onPacket(v);
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  d.flush(v.ts);
  const heap = (process.memoryUsage().heapUsed - heap0) / 2 ** 20;
  console.log(`| ${name} | ${n.toLocaleString('en-US')} | ${Math.round(n / s).toLocaleString('en-US')} | ${heap.toFixed(1)} MiB |`);
}

let x = 0x5eed;
const rnd = () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0);
const N = Number(process.env.N ?? 2_000_000);
console.log('| detector, traffic | packets | packets/s | heap growth |\n|---|---|---|---|');
const flood = (v: PacketView, i: number) => {
  v.ts = 1e9 + i * 5e-6;
  v.src4 = rnd() | 0x01000000;
  v.dst4 = 0x0a010000 + (i & 15);
  v.sport = 1024 + (i % 60000);
  v.dport = 80;
  v.tcpFlags = 0x02;
  v.tcpSeq = rnd();
  v.ipId = i & 0xffff;
};
const busy = (v: PacketView, i: number) => {
  const c = (i >> 1) % 500;
  v.ts = 1e9 + i * 5e-6;
  const syn = (i & 1) === 0;
  v.src4 = 0x0a000000 + c;
  v.dst4 = 0x0a010001;
  v.sport = 1024 + ((i >> 1) % 60000);
  v.dport = 443;
  v.tcpFlags = syn ? 0x02 : 0x10;
  v.tcpSeq = i;
  v.ipId = i & 0xffff;
};
run('distributed, spoofed SYN flood', build(victimModule), N, flood);
run('distributed, busy server (SYN, ACK)', build(victimModule), N, busy);
run('decoy, spoofed SYN flood', build(decoyModule), N, flood);
run('decoy, busy server (SYN, ACK)', build(decoyModule), N, busy);

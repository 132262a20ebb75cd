/**
 * The JavaScript side of victim-syn.c: the victim view (the compiled build,
 * `npm run build` first) fed the same synthetic spoofed SYN flood (16
 * victims, a new random source per SYN, the same generator). Prints ns per
 * SYN of each pass; 1 and 2 passes under cachegrind give instructions per
 * warm SYN (run.sh). With a third argument, the SYNs go instead to
 * victim-syn.c compiled to WebAssembly (one call per SYN, as a Wasm core
 * would be fed). See ./README.md.
 *
 *   node --import tsx bench/native-bound/victim-syn.ts [N] [PASSES] [victim-syn.wasm]
 */
import { readFileSync } from 'node:fs';

const base = new URL('../../dist/src/', import.meta.url).href;
const load = <T>(path: string): Promise<T> => import(`${base}${path}`) as Promise<T>;
const { coerceParam } = await load<typeof import('../../src/config/params.js')>('config/params.js');
const { CidrSet } = await load<typeof import('../../src/decode/cidr-set.js')>('decode/cidr-set.js');
const { PacketView } = await load<typeof import('../../src/decode/packet-view.js')>('decode/packet-view.js');
const { victimModule } = await load<typeof import('../../src/detect/victim/module.js')>('detect/victim/module.js');
const { StatsRegistry } = await load<typeof import('../../src/stats/counters.js')>('stats/counters.js');

const [n = '500000', passes = '1', wasmFile] = process.argv.slice(2);
const N = Number(n);
const params: Record<string, ReturnType<typeof coerceParam>> = {};
for (const p of victimModule.params) params[p.name] = coerceParam(p, undefined);
const ctx = { params, emit: () => {}, stats: new StatsRegistry(), localNets: new CidrSet(), verbose: 0, trace: () => {}, warn: () => {}, sensorName: 'b', sourceName: 'b' };
const d = victimModule.create(ctx) as InstanceType<typeof import('../../src/detect/victim/detector.js').VictimDetector>;
interface VictimWasm {
  init(): void;
  syn(ts: number, src: number, dst: number, sport: number, dport: number): void;
  unanswered(): number;
}
const wasm = wasmFile ? ((await WebAssembly.instantiate(readFileSync(wasmFile), { env: { abort: () => { throw new Error('wasm abort'); } } })).instance.exports as unknown as VictimWasm) : null;
wasm?.init();
let x = 0x5eed;
const rnd = () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0);
const v = new PacketView();
v.layers = 2 | 8; // Layer.IPV4 | Layer.TCP: a const enum, not in the build
v.ipVersion = 4;
v.proto = 6;
v.tcpFlags = 0x02;
v.dport = 80;
for (let rep = 0; rep < Number(passes); rep++) {
  const t0 = process.hrtime.bigint();
  for (let k = 0; k < N; k++) {
    v.ts = 1e9 + rep * 100 + k * 5e-6;
    v.src4 = (rnd() | 0x01000000) >>> 0; // a uint32, as decode gives it
    v.tcpSeq = rnd();
    v.dst4 = 0x0a010000 + (k & 15);
    v.sport = 1024 + (k % 60000);
    if (wasm !== null) wasm.syn(v.ts, v.src4, v.dst4, v.sport, v.dport);
    else d.onPacket(v);
  }
  console.log(`pass ${rep + 1}: ${Math.round(Number(process.hrtime.bigint() - t0) / N)} ns/SYN`);
}
if (wasm !== null) console.log(`${wasm.unanswered()} unanswered`);
else console.log(`${d.syns} syns, ${d.unanswered} unanswered, ${d.half.evictions} evictions`);

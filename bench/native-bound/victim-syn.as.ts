// The SYN path of victim-syn.c in AssemblyScript (TypeScript syntax compiled to
// WebAssembly): the same tables, sizes and hashes, driven per SYN by
// victim-syn.ts like the C build. Array reads and writes are `unchecked`, as in C.
// asc bench/native-bound/victim-syn.as.ts -O3 --runtime stub -o victim-syn-as.wasm

const SEED_A: u32 = 0x243f6a88;
const SEED_B: u32 = 0x85a308d3;
const MAX_VICTIMS = 4096;
const HALF = 65536;
const ADM = 65536;
const K_PORTS = 3;
const K_SRC = 3;
const P_SRC = 10;
const P_PORT = 8;
const WINDOW: f64 = 10;
const TIMEOUT: f64 = 3;
const IDLE: f64 = 120;
const HSEED: u32 = 0x5eed;
const NV = MAX_VICTIMS + 1;

// @ts-ignore: decorator
@inline function round_(h: u32, w: u32): u32 { return rotl<u32>((h ^ w) * 0xcc9e2d51, 15); }
// @ts-ignore: decorator
@inline function fmix32(h: u32): u32 {
  h ^= h >> 16; h *= 0x85ebca6b; h ^= h >> 13; h *= 0xc2b2ae35; h ^= h >> 16; return h;
}
// @ts-ignore: decorator
@inline function mix32(h: u32, w: u32): u32 {
  h = round_(h, w) * 0x1b873593; h ^= h >> 16; h *= 0x85ebca6b; h ^= h >> 13; return h;
}
// @ts-ignore: decorator
@inline function hash32(key: u64): u32 { return mix32(mix32(SEED_A, <u32>key), <u32>(key >> 32)); }
function hash52(a: u64, b: u64, c: u64): u64 {
  const ah = <u32>(a >> 32), bh = <u32>(b >> 32), ch = <u32>(c >> 32);
  let x = round_(SEED_A, <u32>a); x = round_(x, ah); x = round_(x, <u32>b);
  x = round_(x, bh); x = round_(x, <u32>c); x = round_(x, ch);
  let y = round_(SEED_B, <u32>c); y = round_(y, ch); y = round_(y, <u32>b);
  y = round_(y, bh); y = round_(y, <u32>a); y = round_(y, ah);
  return (<u64>(fmix32(x ^ 6) & 0xfffff) << 32) | <u64>fmix32(y ^ 6);
}
// @ts-ignore: decorator
@inline function hashWords(seed: u32, a: u32, b: u32, c: u32, d: u32): u32 {
  let h = seed;
  h = rotl<u32>((h ^ a) * 0xcc9e2d51, 15) * 0x1b873593;
  h = rotl<u32>((h ^ b) * 0xcc9e2d51, 15) * 0x1b873593;
  h = rotl<u32>((h ^ c) * 0xcc9e2d51, 15) * 0x1b873593;
  h = (h ^ d) * 0xcc9e2d51;
  return fmix32(h ^ 16);
}

const vkey = new StaticArray<u64>(2 * MAX_VICTIMS);
const vslot = new StaticArray<i32>(2 * MAX_VICTIMS);
const prevL = new StaticArray<i32>(NV);
const nextL = new StaticArray<i32>(NV);
let head: i32 = -1, tail: i32 = -1, nvict: i32 = 0;
const lastSeen = new StaticArray<f64>(NV);
const gen = new StaticArray<f64>(NV);
const winStart = new StaticArray<f64>(NV);
const winFirst = new StaticArray<f64>(NV);
const winSyns = new StaticArray<f64>(NV);
const winUn = new StaticArray<f64>(NV);
const prevUn = new StaticArray<f64>(NV);
const epSyns = new StaticArray<f64>(NV);
const epLast = new StaticArray<f64>(NV);
const srcTotal = new StaticArray<f64>(NV);
const active = new StaticArray<u8>(NV);
const candidate = new StaticArray<u8>(NV);
const winSrc = new StaticArray<u8>(NV << P_SRC);
const winPort = new StaticArray<u8>(NV << P_PORT);
const epSrc = new StaticArray<u8>(NV << P_SRC);
const epPort = new StaticArray<u8>(NV << P_PORT);
const hhPort = new StaticArray<i32>(NV * K_PORTS);
const hhCount = new StaticArray<f64>(NV * K_PORTS);
const hhSrc = new StaticArray<f64>(NV * K_SRC);
const hhSrcCount = new StaticArray<f64>(NV * K_SRC);
const admKey = new StaticArray<f64>(ADM);
const admLast = new StaticArray<f64>(ADM);
const half = new StaticArray<f64>(HALF * 5);
let halfSize: i32 = 0;
let syns: u64 = 0, unanswered_: u64 = 0, evictions: u64 = 0;
let hk: f64 = -Infinity;
let nextHk: f64 = 0;

function vfind(key: u64): i32 {
  let i = hash32(key) & (2 * MAX_VICTIMS - 1);
  while (unchecked(vslot[i]) >= 0) {
    if (unchecked(vkey[i]) == key) return unchecked(vslot[i]);
    i = (i + 1) & (2 * MAX_VICTIMS - 1);
  }
  return -1;
}
function vinsert(key: u64, slot: i32): void {
  let i = hash32(key) & (2 * MAX_VICTIMS - 1);
  while (unchecked(vslot[i]) >= 0) i = (i + 1) & (2 * MAX_VICTIMS - 1);
  unchecked((vkey[i] = key));
  unchecked((vslot[i] = slot));
}
function lruTouch(s: i32, ts: f64): void {
  unchecked((lastSeen[s] = ts));
  if (tail == s) return;
  const p = unchecked(prevL[s]), n = unchecked(nextL[s]);
  if (p >= 0) unchecked((nextL[p] = n));
  else if (head == s) head = n;
  if (n >= 0) unchecked((prevL[n] = p));
  unchecked((prevL[s] = tail));
  unchecked((nextL[s] = -1));
  if (tail >= 0) unchecked((nextL[tail] = s));
  tail = s;
  if (head < 0) head = s;
}
// @ts-ignore: decorator
@inline function hllAdd(reg: StaticArray<u8>, p: i32, slot: i32, h: u32): void {
  const idx = h >> (32 - p), w = h << p;
  const rank: u8 = w == 0 ? <u8>(32 - p + 1) : <u8>(clz<u32>(w) + 1);
  const i = (slot << p) + <i32>idx;
  if (rank > unchecked(reg[i])) unchecked((reg[i] = rank));
}
function countSource(i: i32, key: f64): void {
  unchecked((srcTotal[i] += 1));
  const base = i * K_SRC;
  let free = -1;
  for (let j = base; j < base + K_SRC; j++) {
    if (unchecked(hhSrcCount[j]) > 0 && unchecked(hhSrc[j]) == key) { unchecked((hhSrcCount[j] += 1)); return; }
    if (free < 0 && unchecked(hhSrcCount[j]) == 0) free = j;
  }
  if (free >= 0) { unchecked((hhSrc[free] = key)); unchecked((hhSrcCount[free] = 1)); return; }
  for (let j = base; j < base + K_SRC; j++) unchecked((hhSrcCount[j] -= 1));
}
function countPort(i: i32, port: i32): void {
  const base = i * K_PORTS;
  let free = -1;
  for (let j = base; j < base + K_PORTS; j++) {
    if (unchecked(hhPort[j]) == port) { unchecked((hhCount[j] += 1)); return; }
    if (free < 0 && unchecked(hhCount[j]) == 0) free = j;
  }
  if (free >= 0) { unchecked((hhPort[free] = port)); unchecked((hhCount[free] = 1)); return; }
  for (let j = base; j < base + K_PORTS; j++) {
    const c = unchecked(hhCount[j]) - 1;
    unchecked((hhCount[j] = c));
    if (c == 0) unchecked((hhPort[j] = -1));
  }
}
function onUnanswered(slot: f64, g: f64, src: f64): void {
  const i = <i32>slot;
  if (unchecked(gen[i]) != g) return;
  unanswered_++;
  countSource(i, src);
  unchecked((winUn[i] += 1));
  if (unchecked(winUn[i]) + unchecked(prevUn[i]) >= 100) unchecked((candidate[i] = 1));
}
function housekeeping(now: f64): void {
  const limit = now - TIMEOUT;
  for (let i = 0; i < HALF * 5; i += 5) {
    if (unchecked(half[i]) != 0 && unchecked(half[i + 3]) <= limit) {
      unchecked((half[i] = 0));
      halfSize--;
      onUnanswered(unchecked(half[i + 1]), unchecked(half[i + 2]), unchecked(half[i + 4]));
    }
  }
  hk = now;
}
function onSyn(ts: f64, src4: u32, dst4: u32, sport: i32, dport: i32): void {
  const dst = <u64>dst4;
  const r = hash32(dst) & (ADM - 1);
  let i = unchecked(admKey[r]) == <f64>dst + 1 && unchecked(admLast[r]) > hk - IDLE ? -1 : vfind(dst);
  if (i < 0) {
    i = nvict++;
    vinsert(dst, i);
    unchecked((prevL[i] = -1));
    unchecked((nextL[i] = -1));
    unchecked((winStart[i] = Math.floor(ts / WINDOW) * WINDOW));
  }
  lruTouch(i, ts);
  if (ts >= unchecked(winStart[i]) + WINDOW) {
    unchecked((winStart[i] = Math.floor(ts / WINDOW) * WINDOW));
    unchecked((winSyns[i] = 0));
    unchecked((winUn[i] = 0));
  }
  if (unchecked(winSyns[i]) == 0) unchecked((winFirst[i] = ts));
  const conn = hash52(<u64>src4, dst, <u64>sport * 65536 + <u64>dport);
  syns++;
  const e = <i32>(conn & (HALF - 1)) * 5;
  const k = <f64>conn + 1;
  if (unchecked(half[e]) == k) return;
  if (unchecked(half[e]) != 0) {
    evictions++;
    halfSize--;
    onUnanswered(unchecked(half[e + 1]), unchecked(half[e + 2]), unchecked(half[e + 4]));
  }
  unchecked((half[e] = k));
  unchecked((half[e + 1] = <f64>i));
  unchecked((half[e + 2] = unchecked(gen[i])));
  unchecked((half[e + 3] = ts));
  unchecked((half[e + 4] = <f64>src4));
  halfSize++;
  unchecked((winSyns[i] += 1));
  const sh = hashWords(HSEED, src4, 0, 0, 0), ph = hashWords(HSEED ^ 0x9e3779b9, <u32>dport, 0, 0, 0);
  hllAdd(winSrc, P_SRC, i, sh);
  hllAdd(winPort, P_PORT, i, ph);
  countPort(i, dport);
  if (unchecked(active[i])) {
    unchecked((epSyns[i] += 1));
    unchecked((epLast[i] = ts));
    hllAdd(epSrc, P_SRC, i, sh);
    hllAdd(epPort, P_PORT, i, ph);
  }
}

export function init(): void {
  for (let i = 0; i < 2 * MAX_VICTIMS; i++) unchecked((vslot[i] = -1));
  for (let j = 0; j < NV * K_PORTS; j++) unchecked((hhPort[j] = -1));
}
export function syn(ts: f64, src4: u32, dst4: u32, sport: i32, dport: i32): void {
  if (ts >= nextHk) {
    nextHk = Math.floor(ts) + 1;
    housekeeping(ts);
  }
  onSyn(ts, src4, dst4, sport, dport);
}
export function unanswered(): f64 {
  return <f64>unanswered_;
}

/*
 * The victim view's SYN path (src/detect/victim/detector.ts onSyn, half-open.ts,
 * slots.ts, hll.ts) in C, with the same tables, sizes, hashes and synthetic
 * flood as victim-syn.ts: what the same work costs in native code (issue 9,
 * a JavaScript or a native per-connection core). A figure, not a product part;
 * run.sh builds it natively and as WebAssembly (exports init, syn, unanswered,
 * driven by victim-syn.ts) and runs all three (README.md).
 *
 *   victim-syn N PASSES      prints the counts; instructions per warm SYN are
 *                            (Ir of 2 passes - Ir of 1 pass) / N under cachegrind
 */
#include <stdint.h>
#ifndef __wasm__
#include <stdio.h>
#include <stdlib.h>
#endif

static uint32_t SEED_A = 0x243f6a88u, SEED_B = 0x85a308d3u;

static inline uint32_t rotl15(uint32_t h) { return (h << 15) | (h >> 17); }
static inline uint32_t round_(uint32_t h, uint32_t w) { return rotl15((h ^ w) * 0xcc9e2d51u); }
static inline uint32_t fmix32(uint32_t h) {
  h ^= h >> 16; h *= 0x85ebca6bu; h ^= h >> 13; h *= 0xc2b2ae35u; h ^= h >> 16; return h;
}
static inline uint32_t mix32(uint32_t h, uint32_t w) {
  h = round_(h, w) * 0x1b873593u; h ^= h >> 16; h *= 0x85ebca6bu; h ^= h >> 13; return h;
}
static inline uint32_t hash32(uint64_t key) { return mix32(mix32(SEED_A, (uint32_t)key), (uint32_t)(key >> 32)); }
static inline uint64_t hash52(uint64_t a, uint64_t b, uint64_t c) {
  uint32_t ah = a >> 32, bh = b >> 32, ch = c >> 32;
  uint32_t x = round_(SEED_A, (uint32_t)a); x = round_(x, ah); x = round_(x, (uint32_t)b);
  x = round_(x, bh); x = round_(x, (uint32_t)c); x = round_(x, ch);
  uint32_t y = round_(SEED_B, (uint32_t)c); y = round_(y, ch); y = round_(y, (uint32_t)b);
  y = round_(y, bh); y = round_(y, (uint32_t)a); y = round_(y, ah);
  return ((uint64_t)(fmix32(x ^ 6) & 0xfffff) << 32) | fmix32(y ^ 6);
}
static inline uint32_t hashWords(uint32_t seed, uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
  uint32_t h = seed;
  h = rotl15((h ^ a) * 0xcc9e2d51u) * 0x1b873593u;
  h = rotl15((h ^ b) * 0xcc9e2d51u) * 0x1b873593u;
  h = rotl15((h ^ c) * 0xcc9e2d51u) * 0x1b873593u;
  h = (h ^ d) * 0xcc9e2d51u;
  return fmix32(h ^ 16);
}

/* Parameters: the module's defaults. */
enum { MAX_VICTIMS = 4096, HALF = 65536, ADM = 65536, K_PORTS = 3, K_SRC = 3, P_SRC = 10, P_PORT = 8 };
static const double WINDOW = 10, TIMEOUT = 3, IDLE = 120;
static const uint32_t HSEED = 0x5eed;

/* Victim index: open addressing on dst, LRU as a doubly linked list of slots. */
static uint64_t vkey[2 * MAX_VICTIMS]; static int32_t vslot[2 * MAX_VICTIMS];
static int32_t prevL[MAX_VICTIMS + 1], nextL[MAX_VICTIMS + 1], head = -1, tail = -1, nvict = 0;
static double lastSeen[MAX_VICTIMS + 1];
/* Per victim (slots.ts). */
static double gen[MAX_VICTIMS + 1], winStart[MAX_VICTIMS + 1], winFirst[MAX_VICTIMS + 1], winSyns[MAX_VICTIMS + 1],
    winUn[MAX_VICTIMS + 1], prevUn[MAX_VICTIMS + 1], epSyns[MAX_VICTIMS + 1], epLast[MAX_VICTIMS + 1], srcTotal[MAX_VICTIMS + 1];
static uint8_t active[MAX_VICTIMS + 1], candidate[MAX_VICTIMS + 1];
static uint8_t winSrc[(MAX_VICTIMS + 1) << P_SRC], winPort[(MAX_VICTIMS + 1) << P_PORT], epSrc[(MAX_VICTIMS + 1) << P_SRC],
    epPort[(MAX_VICTIMS + 1) << P_PORT];
static int32_t hhPort[(MAX_VICTIMS + 1) * K_PORTS]; static double hhCount[(MAX_VICTIMS + 1) * K_PORTS];
static double hhSrc[(MAX_VICTIMS + 1) * K_SRC], hhSrcCount[(MAX_VICTIMS + 1) * K_SRC];
/* Admission records (admission.ts): only the check a SYN to an admitted victim makes. */
static double admKey[ADM], admLast[ADM];
/* Half-open table (half-open.ts): five doubles per entry, direct-mapped. */
static double half[HALF * 5]; static int halfSize = 0;
static uint64_t syns, unanswered, evictions;
static double hk = -__builtin_inf();

static int vfind(uint64_t key) {
  uint32_t i = hash32(key) & (2 * MAX_VICTIMS - 1);
  while (vslot[i] >= 0) { if (vkey[i] == key) return vslot[i]; i = (i + 1) & (2 * MAX_VICTIMS - 1); }
  return -1;
}
static void vinsert(uint64_t key, int slot) {
  uint32_t i = hash32(key) & (2 * MAX_VICTIMS - 1);
  while (vslot[i] >= 0) i = (i + 1) & (2 * MAX_VICTIMS - 1);
  vkey[i] = key; vslot[i] = slot;
}
static void lruTouch(int s, double ts) {
  lastSeen[s] = ts;
  if (tail == s) return;
  if (prevL[s] >= 0) nextL[prevL[s]] = nextL[s]; else if (head == s) head = nextL[s];
  if (nextL[s] >= 0) prevL[nextL[s]] = prevL[s];
  prevL[s] = tail; nextL[s] = -1; if (tail >= 0) nextL[tail] = s; tail = s; if (head < 0) head = s;
}
static inline void hllAdd(uint8_t *reg, int p, int slot, uint32_t h) {
  uint32_t idx = h >> (32 - p), w = h << p;
  uint8_t rank = w == 0 ? 32 - p + 1 : __builtin_clz(w) + 1;
  uint8_t *r = reg + ((uint32_t)slot << p) + idx;
  if (rank > *r) *r = rank;
}
static void countSource(int i, double key) {
  srcTotal[i]++;
  int base = i * K_SRC, freeJ = -1;
  for (int j = base; j < base + K_SRC; j++) {
    if (hhSrcCount[j] > 0 && hhSrc[j] == key) { hhSrcCount[j]++; return; }
    if (freeJ < 0 && hhSrcCount[j] == 0) freeJ = j;
  }
  if (freeJ >= 0) { hhSrc[freeJ] = key; hhSrcCount[freeJ] = 1; return; }
  for (int j = base; j < base + K_SRC; j++) hhSrcCount[j]--;
}
static void countPort(int i, int port) {
  int base = i * K_PORTS, freeJ = -1;
  for (int j = base; j < base + K_PORTS; j++) {
    if (hhPort[j] == port) { hhCount[j]++; return; }
    if (freeJ < 0 && hhCount[j] == 0) freeJ = j;
  }
  if (freeJ >= 0) { hhPort[freeJ] = port; hhCount[freeJ] = 1; return; }
  for (int j = base; j < base + K_PORTS; j++) if (--hhCount[j] == 0) hhPort[j] = -1;
}
static void onUnanswered(double slot, double g, double src) {
  int i = (int)slot;
  if (gen[i] != g) return;
  unanswered++; countSource(i, src); winUn[i]++;
  if (winUn[i] + prevUn[i] >= 100) candidate[i] = 1;
}
static void housekeeping(double now) {
  double limit = now - TIMEOUT;
  for (int i = 0; i < HALF * 5; i += 5)
    if (half[i] != 0 && half[i + 3] <= limit) { half[i] = 0; halfSize--; onUnanswered(half[i + 1], half[i + 2], half[i + 4]); }
  hk = now;
}
static void onSyn(double ts, uint32_t src4, uint32_t dst4, int sport, int dport) {
  uint64_t dst = dst4;
  uint32_t r = hash32(dst) & (ADM - 1);
  int i = (admKey[r] == (double)dst + 1 && admLast[r] > hk - IDLE) ? -1 : vfind(dst);
  if (i < 0) { /* a new victim (the flood's 16 are admitted in the warm-up) */
    i = nvict++; vinsert(dst, i); prevL[i] = nextL[i] = -1; winStart[i] = __builtin_floor(ts / WINDOW) * WINDOW;
  }
  lruTouch(i, ts);
  if (ts >= winStart[i] + WINDOW) { winStart[i] = __builtin_floor(ts / WINDOW) * WINDOW; winSyns[i] = 0; winUn[i] = 0; }
  if (winSyns[i] == 0) winFirst[i] = ts;
  uint64_t conn = hash52(src4, dst, (uint64_t)sport * 65536 + dport);
  syns++;
  double *e = half + (conn & (HALF - 1)) * 5;
  if (e[0] == (double)conn + 1) return;
  if (e[0] != 0) { evictions++; halfSize--; onUnanswered(e[1], e[2], e[4]); }
  e[0] = (double)conn + 1; e[1] = i; e[2] = gen[i]; e[3] = ts; e[4] = src4; halfSize++;
  winSyns[i]++;
  uint32_t sh = hashWords(HSEED, src4, 0, 0, 0), ph = hashWords(HSEED ^ 0x9e3779b9u, dport, 0, 0, 0);
  hllAdd(winSrc, P_SRC, i, sh); hllAdd(winPort, P_PORT, i, ph);
  countPort(i, dport);
  if (active[i]) { epSyns[i]++; epLast[i] = ts; hllAdd(epSrc, P_SRC, i, sh); hllAdd(epPort, P_PORT, i, ph); }
}

static double nextHk = 0;

/* One SYN as the pipeline hands it over: housekeeping once a second of packet time, then the SYN path. */
#ifdef __wasm__
__attribute__((export_name("syn")))
#endif
void syn(double ts, uint32_t src4, uint32_t dst4, int sport, int dport) {
  if (ts >= nextHk) { nextHk = __builtin_floor(ts) + 1; housekeeping(ts); }
  onSyn(ts, src4, dst4, sport, dport);
}

/* Empty marks (-1) of the victim index and the port heavy hitters. */
#ifdef __wasm__
__attribute__((export_name("init")))
#endif
void init(void) {
  for (int i = 0; i < 2 * MAX_VICTIMS; i++) vslot[i] = -1;
  for (int j = 0; j < (MAX_VICTIMS + 1) * K_PORTS; j++) hhPort[j] = -1;
}

#ifdef __wasm__
__attribute__((export_name("unanswered"))) double unansweredCount(void) { return (double)unanswered; }
#else
int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 500000, reps = argc > 2 ? atol(argv[2]) : 1;
  init();
  uint32_t x = 0x5eed;
  for (long rep = 0; rep < reps; rep++) {
    for (long k = 0; k < n; k++) {
      x = x * 1664525u + 1013904223u; uint32_t src = x | 0x01000000u;
      x = x * 1664525u + 1013904223u; /* tcpSeq, as the JavaScript harness draws it */
      syn(1e9 + rep * 100 + k * 5e-6, src, 0x0a010000u + (k & 15), 1024 + (k % 60000), 80);
    }
  }
  printf("%llu syns, %llu unanswered, %llu evictions\n", (unsigned long long)syns, (unsigned long long)unanswered, (unsigned long long)evictions);
  return 0;
}
#endif

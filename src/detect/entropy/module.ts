import { defineDetector, type ModuleContext } from '../../module.js';
import { bool, num, str } from '../../config/params.js';
import { ipv4ToString, ipv6ToString } from '../../decode/address.js';
import type { PacketView } from '../../decode/packet-view.js';
import { SensorError } from '../../errors.js';
import { goTime } from '../../sink/go-time.js';
import type { FrameStat } from '../../sink/schema.js';
import { EntropyBaseline } from './baseline.js';
import { EntropyDetector } from './detector.js';
import { bitsPerBin, pengHash, pengReachableBits, spreadHash, type BitmapGeometry } from './hash.js';
import { counterList, type CounterTable } from '../../stats/counters.js';

/** Counters by key: `counterList` for the descriptor, `stats.bind` for the readers (stats/counters.ts). */
export const ENTROPY_COUNTERS = {
  synClient: { name: 'entropy.syn_client', kind: 'sum', help: 'SYNs (without ACK) to non-local destinations counted in CLIENT frames.' },
  synServer: { name: 'entropy.syn_server', kind: 'sum', help: 'SYNs (without ACK) to local destinations counted in SERVER frames.' },
  frames: { name: 'entropy.frames', kind: 'sum', help: 'Time frames closed and emitted.' },
  framesSkipped: { name: 'entropy.frames_skipped', kind: 'sum', help: 'Empty frames not emitted one by one because a gap in the capture was longer than 10000 frames.' },
  latePackets: { name: 'entropy.late_packets', kind: 'sum', help: 'SYNs stamped before the open frame (buffer latency or reordering), counted in the open frame.' },
  hashDropped: { name: 'entropy.hash_dropped', kind: 'sum', help: 'SYNs whose port hashed outside the bitmap (custom hashes only).' },
  alarms: { name: 'entropy.alarms', kind: 'sum', help: 'Frames above their direction\'s learned baseline (entropy events).' },
} as const satisfies CounterTable;

/** Peng's bitmap entropy: its flags keep Peng's names and defaults. */
export const entropyModule = defineDetector({
  name: 'entropy',
  help: "Peng's port-bitmap entropy of SYN destination ports per time frame, CLIENT and SERVER, 0..2.",
  params: [
    {
      name: 'timeFrame',
      type: 'duration',
      default: 60,
      min: 0.001,
      max: 86400,
      unit: 's',
      help: 'Length of a time frame (Go duration: 30s, 1m, 1h; also --time-frame). Frames are aligned to multiples of it in packet time.',
    },
    {
      name: 'bin',
      peng: true,
      type: 'int',
      default: 16,
      min: 1,
      max: 65536,
      unit: 'bins',
      help: 'Number of bins B the bitmap is divided into; must divide -size.',
    },
    {
      name: 'size',
      peng: true,
      type: 'int',
      default: 1024,
      min: 1,
      max: 65536,
      unit: 'bits',
      help: 'Bitmap size S in bits; a multiple of -bin (S/B bits per bin).',
    },
    {
      name: 'hash',
      type: 'choice',
      default: 'peng',
      choices: ['peng', 'spread'],
      help: "peng: Peng's hash, numbers comparable with Peng (part of the bitmap can be unreachable); spread: the whole port range spread evenly over the bitmap.",
    },
    { name: 'entropy-alarm', type: 'bool', default: true, help: "Learn each direction's normal frame entropy and emit an entropy event for a frame above it (Peng's advice, automated; --no-entropy-alarm to leave it out)." },
    { name: 'entropy-alpha', type: 'float', default: 0.1, min: 0.0001, max: 1, help: 'EWMA weight of each new frame in the learned mean and variance (0.1: about the last 10 frames count most).' },
    { name: 'entropy-warmup', type: 'int', default: 20, min: 1, max: 1_000_000, unit: 'frames', help: 'Frames learned before the first entropy event can fire (20 one-minute frames: 20 minutes).' },
    { name: 'entropy-k', type: 'float', default: 3, min: 0.1, max: 100, unit: 'sigma', help: 'A frame above the learned mean plus this many standard deviations fires (and is not learned).' },
    { name: 'entropy-min-sigma', type: 'float', default: 0.05, min: 0, max: 2, help: 'Floor of the learned standard deviation: a link whose entropy never moved (0 every frame) needs a rise of k times this to fire.' },
  ],
  counters: counterList(ENTROPY_COUNTERS),
  alerts: [{ id: 'entropy.alarm', message: "a frame's entropy rose above its direction's learned mean by more than --entropy-k standard deviations" }],
  create(ctx: ModuleContext) {
    const geometry = validateGeometry(num(ctx.params, 'bin'), num(ctx.params, 'size'));
    const kind = str(ctx.params, 'hash') ?? 'peng';
    if (kind === 'peng') {
      const reachable = pengReachableBits(geometry);
      if (reachable < geometry.size) {
        ctx.warn(
          `entropy: with -bin ${geometry.bins} -size ${geometry.size} Peng's hash reaches only ${reachable} of ${geometry.size} bits, ` +
            `so the total can never reach 2; use --hash spread to use the whole bitmap`,
        );
      }
    }
    const baseline = bool(ctx.params, 'entropy-alarm')
      ? new EntropyBaseline({
          alpha: num(ctx.params, 'entropy-alpha'),
          warmup: num(ctx.params, 'entropy-warmup'),
          k: num(ctx.params, 'entropy-k'),
          minSigma: num(ctx.params, 'entropy-min-sigma'),
          emit: ctx.emit,
        })
      : null;
    const detector = new EntropyDetector({
      bins: geometry.bins,
      bitsPerBin: bitsPerBin(geometry),
      hash: kind === 'spread' ? spreadHash(geometry) : pengHash(geometry),
      timeFrame: num(ctx.params, 'timeFrame'),
      localNets: ctx.localNets,
      withBitmaps: ctx.verbose >= 3,
      closeGrace: 2,
      emit: baseline ? (f: FrameStat) => (ctx.emit(f), baseline.onFrame(f)) : ctx.emit,
      onCounted: ctx.verbose >= 3 ? (view, server) => ctx.trace(synLine(view, server)) : undefined,
    });
    ctx.stats.bind(ENTROPY_COUNTERS, {
      synClient: () => detector.countedClient,
      synServer: () => detector.countedServer,
      frames: () => detector.framesClosed,
      framesSkipped: () => detector.framesSkipped,
      latePackets: () => detector.latePackets,
      hashDropped: () => detector.client.dropped + detector.server.dropped,
      alarms: () => baseline?.events ?? 0,
    });
    return detector;
  },
});

/** Verbose 3: one line per counted SYN, as Peng prints them. */
function synLine(v: PacketView, server: boolean): string {
  const src = v.ipVersion === 4 ? ipv4ToString(v.src4) : `[${ipv6ToString(v.src6)}]`;
  const dst = v.ipVersion === 4 ? ipv4ToString(v.dst4) : `[${ipv6ToString(v.dst6)}]`;
  return `[${goTime(v.ts)}] SYN ${src}:${v.sport} -> ${dst}:${v.dport} ${server ? 'SERVER' : 'CLIENT'}`;
}

/** Peng panics or silently drops ports on these; we explain instead. */
export function validateGeometry(bins: number, size: number): BitmapGeometry {
  if (bins > size) {
    throw new SensorError('CFG_OUT_OF_RANGE', `-bin ${bins} is larger than -size ${size}: each bin needs at least one bit`);
  }
  if (size % bins !== 0) {
    const lower = size - (size % bins);
    throw new SensorError(
      'CFG_OUT_OF_RANGE',
      `-size ${size} is not a multiple of -bin ${bins}: the last ${size % bins} bits would belong to no bin (try -size ${lower} or ${lower + bins})`,
    );
  }
  return { bins, size };
}

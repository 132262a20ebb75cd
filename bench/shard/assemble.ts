/**
 * The product's pipeline as src/assemble builds it (parseCli with the
 * bench's flags, createDetectors in registration order),
 * split by where a detector runs when sharded: `main` keeps Peng's entropy
 * and the victim detector (keyed by destination: it must see every source),
 * `worker` gets the rest (decoy linker, the scan engine and its parts),
 * `all` is the single-threaded product. Events are tallied per scanner (scan
 * events) and per victim (distributed events) so runs can be compared.
 */
import { parseCli } from '../../src/config/cli.js';
import { createDetectors } from '../../src/assemble/assemble.js';
import { ALL_MODULES } from '../../src/assemble/registry.js';
import { REPLAY_HASH_SEED } from '../../src/assemble/sensor-params.js';
import type { ModuleContext } from '../../src/module.js';
import { setAddressSeed } from '../../src/decode/address.js';
import { CidrSet } from '../../src/decode/cidr-set.js';
import { Pipeline } from '../../src/pipeline.js';
import type { SensorRecord } from '../../src/sink/schema.js';
import { StatsRegistry } from '../../src/stats/counters.js';
import { setHashSeed } from '../../src/track/hash.js';

export const LOCAL_NET = '10.1.0.0/16';
const ON_MAIN = new Set(['entropy', 'distributed']);

export type Part = 'all' | 'main' | 'worker';

/** Event counts by who they name: `scan <scanner> <event>` or `distributed <victim> <event>`. */
export type Tally = Record<string, number>;

export interface Assembled {
  pipeline: Pipeline;
  stats: StatsRegistry;
  tally: Tally;
  detectors: string[];
  localNets: CidrSet;
}

export function assemble(part: Part, file: string): Assembled {
  // Sketch and IPv6-key seeds fixed as a replay fixes them (src/main.ts), in every thread.
  setHashSeed(REPLAY_HASH_SEED);
  setAddressSeed(REPLAY_HASH_SEED);
  const params = parseCli(['-r', file, '--local-net', LOCAL_NET, '-verbose', '0'], ALL_MODULES);
  const stats = new StatsRegistry();
  const tally: Tally = {};
  const count = (k: string) => (tally[k] = (tally[k] ?? 0) + 1);
  const emit = (r: SensorRecord) => {
    if (r.kind === 'scan') count(`scan ${r.scanner} ${r.event}`);
    else if (r.kind === 'distributed') count(`distributed ${r.victim} ${r.event}`);
  };
  const localNets = new CidrSet([LOCAL_NET]);
  const ctx: ModuleContext = { params, emit, stats, localNets, verbose: 0, warn: () => {}, trace: () => {}, sensorName: 'bench', sourceName: file };
  // Module names: the victim detector's module is `distributed`.
  const list = createDetectors(ctx, (name) => part === 'all' || (part === 'main') === ON_MAIN.has(name));
  return { pipeline: new Pipeline(list, stats), stats, tally, detectors: list.map((d) => d.name), localNets };
}

import type { ModuleContext } from '../../module.js';
import { bool, num } from '../../config/params.js';
import { SensorError } from '../../errors.js';
import type { ScanEngine } from '../scan/engine.js';
import { defineScanPart } from '../scan/part-module.js';
import { UdpPart } from './detector.js';
import { counterList, type CounterTable } from '../../stats/counters.js';

/** Counters by key: `counterList` for the descriptor, `stats.bind` for the readers (stats/counters.ts). */
export const UDP_COUNTERS = {
  intervals: { name: 'udp.intervals', kind: 'sum', help: 'Non-empty DES intervals closed (points in the series).' },
  erases: { name: 'udp.erases', kind: 'sum', help: 'Resets of the per-source counts.' },
  sources: { name: 'udp.sources', kind: 'now', help: 'UDP sources with two or more targets counted now (an LRU of --udp-max-sources entries).' },
  singles: { name: 'udp.singles', kind: 'now', help: 'UDP sources with one target so far (typed arrays: --udp-max-sources slots rounded up to a power of two).' },
  sourcesEvicted: { name: 'udp.sources_evicted', kind: 'sum', help: 'UDP sources evicted to make room (--udp-max-sources), singles included.' },
  scanners: { name: 'udp.scanners', kind: 'sum', help: 'Sources the UDP forecast detector judged scanners.' },
} as const satisfies CounterTable;

/** PortScanDetector's UDP detector, with real Holt double exponential smoothing. */
export const udpModule = defineScanPart({
  name: 'udp',
  help: 'UDP scans as PortScanDetector intends: distinct host:port per source against a Holt (double exponential smoothing) forecast of the cross-source average x --udp-factor.',
  params: [
    { name: 'udp', type: 'bool', default: true, help: 'Run the UDP forecast detector (--no-udp to leave it out; UDP failures still feed TRW).' },
    { name: 'des-interval', type: 'duration', default: 10, min: 0.001, max: 86400, unit: 's', help: 'Packet time between two points of the average series, as PortScanDetector\'s -d.' },
    { name: 'erase-interval', type: 'duration', default: 180, min: 0.001, max: 7 * 86400, unit: 's', help: 'Packet time between resets of the per-source counts (the series is kept), as PortScanDetector\'s -e.' },
    { name: 'udp-factor', type: 'float', default: 1.75, min: 1, max: 1000, help: 'A source alerts when its distinct host:port count is above the forecast times this (PortScanDetector: 1.75).' },
    { name: 'des-alpha', type: 'float', default: 0.1, min: 0.000001, max: 1, help: 'Holt level smoothing (PortScanDetector\'s simple smoothing uses 0.1).' },
    { name: 'des-beta', type: 'float', default: 0.1, min: 0, max: 1, help: 'Holt trend smoothing; 0 keeps the first trend, 1 follows the latest change.' },
    { name: 'des-warmup', type: 'int', default: 2, min: 2, max: 10_000, unit: 'intervals', help: 'Non-empty intervals before forecasts are used (PortScanDetector needs 10 points, i.e. alerts from the 11th).' },
    { name: 'udp-min-targets', type: 'int', default: 10, min: 1, max: 10_000_000, unit: 'pairs', help: 'Distinct host:port a source needs before the forecast test may name it (the average can be ~1, so 2 would exceed 1.75x).' },
    { name: 'udp-max-sources', type: 'int', default: 10000, min: 1, max: 10_000_000, unit: 'sources', help: 'UDP sources with two or more targets counted at once (LRU; each holds at most 64 keys or a 128-byte sketch), and as many one-target sources (32 bytes each, allocated at start).', advanced: true },
  ],
  counters: counterList(UDP_COUNTERS),
  alerts: [{ id: 'udp.scanner', message: 'distinct UDP host:port above the Holt forecast x --udp-factor, with concentrated failures' }],
  attach(ctx: ModuleContext, engine: ScanEngine) {
    if (!bool(ctx.params, 'udp')) return null;
    const desInterval = num(ctx.params, 'des-interval');
    const eraseInterval = num(ctx.params, 'erase-interval');
    if (eraseInterval < desInterval) {
      throw new SensorError('CFG_OUT_OF_RANGE', `--erase-interval ${eraseInterval}s is shorter than --des-interval ${desInterval}s: counts would be erased before any point of the series`);
    }
    const part = new UdpPart({
      desInterval,
      eraseInterval,
      factor: num(ctx.params, 'udp-factor'),
      alpha: num(ctx.params, 'des-alpha'),
      beta: num(ctx.params, 'des-beta'),
      warmup: num(ctx.params, 'des-warmup'),
      minTargets: num(ctx.params, 'udp-min-targets'),
      minConcentration: num(ctx.params, 'min-concentration'),
      maxSources: num(ctx.params, 'udp-max-sources'),
    });
    engine.addPart(part);
    ctx.stats.bind(UDP_COUNTERS, {
      intervals: () => part.intervals,
      erases: () => part.erases,
      sources: () => part.table.size,
      singles: () => part.singles.size,
      sourcesEvicted: () => part.table.evictions + part.singles.evictions,
      scanners: () => part.scanners,
    });
    return null; // runs inside the scan engine
  },
});

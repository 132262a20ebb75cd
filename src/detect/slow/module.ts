import type { ModuleContext } from '../../module.js';
import { bool, num } from '../../config/params.js';
import type { ScanEngine } from '../scan/engine.js';
import { defineScanPart } from '../scan/part-module.js';
import { SlowPart } from './detector.js';
import { counterList, type CounterTable } from '../../stats/counters.js';

/** Counters by key: `counterList` for the descriptor, `stats.bind` for the readers (stats/counters.ts). */
export const SLOW_COUNTERS = {
  counted: { name: 'slow.counted', kind: 'sum', help: 'Failed first contacts entered in windows.' },
  dropped: { name: 'slow.dropped', kind: 'sum', help: 'Failures that left a window early because --slow-max-pairs was reached.' },
  sources: { name: 'slow.sources', kind: 'now', help: 'Sources with a window now.' },
  sourcesEvicted: { name: 'slow.sources_evicted', kind: 'sum', help: 'Windows evicted to make room (--slow-max-sources).' },
  scanners: { name: 'slow.scanners', kind: 'sum', help: 'Sources the slow-scan detector judged scanners.' },
} as const satisfies CounterTable;

/** Zeek/Snort-style distinct counts of failures over a sliding window. */
export const slowModule = defineScanPart({
  name: 'slow',
  help: 'Slow scans: distinct failed ports per victim and failed victims per port over a sliding window (as Zeek\'s Port_Scan and Address_Scan), so nmap --scan-delay is still caught.',
  params: [
    { name: 'slow', type: 'bool', default: true, help: 'Run the slow-scan detector (--no-slow to leave it out).' },
    { name: 'slow-window', type: 'duration', default: 900, min: 1, max: 86400, unit: 's', help: 'Sliding window of packet time. Zeek used 5 min; longer catches slower scans but lets busy clients add up more failures.' },
    { name: 'slow-ports', type: 'int', default: 15, min: 2, max: 65536, unit: 'ports', help: 'Distinct failed ports on one victim within the window that name a scanner (Zeek: 15).' },
    { name: 'slow-hosts', type: 'int', default: 25, min: 2, max: 10_000_000, unit: 'hosts', help: 'Distinct failed victims on one port within the window that name a scanner (Zeek: 25).' },
    { name: 'slow-max-sources', type: 'int', default: 10000, min: 1, max: 10_000_000, unit: 'sources', help: 'Sources with failures in the window tracked at once (LRU).', advanced: true },
    { name: 'slow-max-pairs', type: 'int', default: 4096, min: 32, max: 1_000_000, unit: 'failures', help: 'Failures remembered per source within the window; beyond, the oldest leave early (slow.dropped).', advanced: true },
  ],
  counters: counterList(SLOW_COUNTERS),
  alerts: [{ id: 'slow.scanner', message: 'distinct failed ports per victim or victims per port reached the threshold within the window' }],
  attach(ctx: ModuleContext, engine: ScanEngine) {
    if (!bool(ctx.params, 'slow')) return null;
    const part = new SlowPart({
      window: num(ctx.params, 'slow-window'),
      ports: num(ctx.params, 'slow-ports'),
      hosts: num(ctx.params, 'slow-hosts'),
      maxSources: num(ctx.params, 'slow-max-sources'),
      maxPairs: num(ctx.params, 'slow-max-pairs'),
    });
    engine.addPart(part);
    ctx.stats.bind(SLOW_COUNTERS, {
      counted: () => part.counted,
      dropped: () => part.dropped,
      sources: () => part.table.size,
      sourcesEvicted: () => part.table.evictions,
      scanners: () => part.scanners,
    });
    return null; // runs inside the scan engine
  },
});

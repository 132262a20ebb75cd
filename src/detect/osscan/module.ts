import type { ModuleContext } from '../../module.js';
import { bool, num } from '../../config/params.js';
import type { ScanEngine } from '../scan/engine.js';
import { defineScanPart } from '../scan/part-module.js';
import { OsScanPart } from './detector.js';
import { counterList, type CounterTable } from '../../stats/counters.js';

/** Counters by key: `counterList` for the descriptor, `stats.bind` for the readers (stats/counters.ts). */
export const OSSCAN_COUNTERS = {
  probes: { name: 'osscan.probes', kind: 'sum', help: 'Packets recognised as nmap OS-detection probes (retransmissions included).' },
  scanners: { name: 'osscan.scanners', kind: 'sum', help: 'Sources the OS-detection detector judged scanners.' },
  pairs: { name: 'osscan.pairs', kind: 'now', help: '(source, host) pairs with OS probes remembered now.' },
  evicted: { name: 'osscan.evicted', kind: 'sum', help: 'Pairs evicted to make room (--os-max-hosts reached).' },
} as const satisfies CounterTable;

/** nmap -O: its OS-detection probe set (osscan2.cc). */
export const osscanModule = defineScanPart({
  name: 'osscan',
  help: "nmap's OS-detection probes (nmap -O: SEQ SYNs with windows 1-512, ECN SYN, T2-T7, U1, IE echoes) name the source with technique os and tool nmap, even on two or three ports.",
  params: [
    { name: 'osscan', type: 'bool', default: true, help: 'Run the OS-detection probe detector (--no-osscan to leave it out).' },
    { name: 'os-min', type: 'int', default: 4, min: 1, max: 16, unit: 'probes', help: 'Distinct nmap OS probes (of 16) to one host that name the source; nmap -O sends all 16 (retries count once).' },
    { name: 'os-max-hosts', type: 'int', default: 16_384, min: 16, max: 10_000_000, unit: 'pairs', help: '(source, host) pairs remembered with the OS probes seen, oldest out first (osscan.evicted); about 40 bytes each, allocated at the first OS probe.', advanced: true },
    { name: 'os-ttl', type: 'duration', default: 600, min: 1, max: 86400, unit: 's', help: 'A (source, host) pair is forgotten this long after its first OS probe.', advanced: true },
  ],
  counters: counterList(OSSCAN_COUNTERS),
  alerts: [{ id: 'osscan.scanner', message: '--os-min distinct nmap OS-detection probes to one host' }],
  attach(ctx: ModuleContext, engine: ScanEngine) {
    if (!bool(ctx.params, 'osscan')) return null;
    const p = ctx.params;
    const part = new OsScanPart({ min: num(p, 'os-min'), maxHosts: num(p, 'os-max-hosts'), ttl: num(p, 'os-ttl') });
    part.hook = engine.addTechniquePart(part);
    ctx.stats.bind(OSSCAN_COUNTERS, {
      probes: () => part.probes,
      scanners: () => part.scanners,
      pairs: () => part.table?.size ?? 0,
      evicted: () => part.table?.evictions ?? 0,
    });
    return null; // runs inside the scan engine
  },
});

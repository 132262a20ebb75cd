import type { ModuleContext } from '../../module.js';
import { bool, num } from '../../config/params.js';
import type { ScanEngine } from '../scan/engine.js';
import { defineScanPart } from '../scan/part-module.js';
import { StealthPart } from './detector.js';
import { counterList, type CounterTable } from '../../stats/counters.js';

/** Counters by key: `counterList` for the descriptor, `stats.bind` for the readers (stats/counters.ts). */
export const STEALTH_COUNTERS = {
  counted: { name: 'stealth.counted', kind: 'sum', help: 'Stealth first contacts counted (NULL/FIN/Xmas when sent, Maimon/ACK once failed).' },
  scanners: { name: 'stealth.scanners', kind: 'sum', help: 'Sources the stealth detector judged scanners.' },
} as const satisfies CounterTable;

/** NULL, FIN, Xmas, Maimon and orphan-ACK probes. */
export const stealthModule = defineScanPart({
  name: 'stealth',
  help: 'Probes no normal TCP stack sends outside a connection: NULL, FIN, Xmas (FIN+PSH+URG), Maimon (FIN+ACK) and bare ACK with no connection (nmap -sN/-sF/-sX/-sM/-sA/-sW).',
  params: [
    { name: 'stealth', type: 'bool', default: true, help: 'Run the stealth-probe detector (--no-stealth to leave it out).' },
    { name: 'stealth-min', type: 'int', default: 5, min: 1, max: 100_000, unit: 'pairs', help: 'Stealth probes to this many distinct ports on one host, or hosts on one port, name a scanner: one stray packet never does.' },
  ],
  counters: counterList(STEALTH_COUNTERS),
  alerts: [{ id: 'stealth.scanner', message: 'stealth probes to --stealth-min ports on a host or hosts on a port' }],
  attach(ctx: ModuleContext, engine: ScanEngine) {
    if (!bool(ctx.params, 'stealth')) return null;
    const part = new StealthPart({ min: num(ctx.params, 'stealth-min') });
    engine.addPart(part);
    ctx.stats.bind(STEALTH_COUNTERS, {
      counted: () => part.counted,
      scanners: () => part.scanners,
    });
    return null; // runs inside the scan engine
  },
});

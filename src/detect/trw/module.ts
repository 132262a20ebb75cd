import type { ModuleContext } from '../../module.js';
import { bool, num } from '../../config/params.js';
import { SensorError } from '../../errors.js';
import type { ScanEngine } from '../scan/engine.js';
import { defineScanPart } from '../scan/part-module.js';
import { TrwPart } from './detector.js';
import { counterList, type CounterTable } from '../../stats/counters.js';

/** Counters by key: `counterList` for the descriptor, `stats.bind` for the readers (stats/counters.ts). */
export const TRW_COUNTERS = {
  outcomes: { name: 'trw.outcomes', kind: 'sum', help: 'First-contact outcomes (SYN, UDP) fed to the walk.' },
  benign: { name: 'trw.benign', kind: 'sum', help: 'Walks that reached the benign bound eta0 and started over.' },
  scanners: { name: 'trw.scanners', kind: 'sum', help: 'Sources TRW judged scanners (ratio >= eta1 with concentrated failures).' },
} as const satisfies CounterTable;

/** Threshold Random Walk on first-contact outcomes (Jung et al. 2004). */
export const trwModule = defineScanPart({
  name: 'trw',
  help: 'Threshold Random Walk (Jung, Paxson, Berger, Balakrishnan 2004): sequential hypothesis test on the outcomes of each source\'s first contacts.',
  params: [
    { name: 'trw', type: 'bool', default: true, help: 'Run the TRW detector (--no-trw to leave it out).' },
    { name: 'trw-theta0', type: 'float', default: 0.8, min: 0.000001, max: 0.999999, help: 'theta0: probability that a benign source\'s first contact succeeds. Must be above --trw-theta1.', aliases: ['theta0'] },
    { name: 'trw-theta1', type: 'float', default: 0.2, min: 0.000001, max: 0.999999, help: 'theta1: probability that a scanner\'s first contact succeeds.', aliases: ['theta1'] },
    { name: 'trw-alpha', type: 'float', default: 0.01, min: 0.000001, max: 0.5, help: 'alpha (P_F): wanted false positive rate; lower needs more failures before deciding.' },
    { name: 'trw-beta', type: 'float', default: 0.99, min: 0.5, max: 0.999999, help: 'beta (P_D): wanted detection rate; eta1 = beta/alpha is the ratio that decides (99 with the defaults: 4 failures in a row).' },
  ],
  counters: counterList(TRW_COUNTERS),
  alerts: [{ id: 'trw.scanner', message: 'likelihood ratio of first-contact failures reached beta/alpha' }],
  attach(ctx: ModuleContext, engine: ScanEngine) {
    if (!bool(ctx.params, 'trw')) return null;
    const theta0 = num(ctx.params, 'trw-theta0');
    const theta1 = num(ctx.params, 'trw-theta1');
    if (!(theta1 < theta0)) {
      throw new SensorError('CFG_OUT_OF_RANGE', `--trw-theta1 ${theta1} must be below --trw-theta0 ${theta0}: scanners succeed less often than benign sources`);
    }
    const part = new TrwPart({
      theta0,
      theta1,
      alpha: num(ctx.params, 'trw-alpha'),
      beta: num(ctx.params, 'trw-beta'),
      minConcentration: num(ctx.params, 'min-concentration'),
    });
    engine.addPart(part);
    ctx.stats.bind(TRW_COUNTERS, {
      outcomes: () => part.outcomes,
      benign: () => part.benign,
      scanners: () => part.scanners,
    });
    return null; // runs inside the scan engine
  },
});

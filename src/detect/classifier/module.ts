import { fileURLToPath } from 'node:url';
import type { ModuleContext } from '../../module.js';
import { num, str } from '../../config/params.js';
import { XgbModel } from '../../ml/xgb-model.js';
import { FEATURE_NAMES } from '../../sessions/session.js';
import type { ScanEngine } from '../scan/engine.js';
import { defineScanPart } from '../scan/part-module.js';
import { ClassifierDetector } from './detector.js';
import { counterList, type CounterTable } from '../../stats/counters.js';

/** `--model default`: the model shipped in the repository (models/make-default-model.sh rebuilds it). */
export const DEFAULT_MODEL_PATH = fileURLToPath(new URL('../../../models/classifier-default.json', import.meta.url));

function modelPath(p: string): string {
  if (p !== 'default') return p;
  // dist/src/detect/classifier/ is one level deeper than src/detect/classifier/.
  return DEFAULT_MODEL_PATH.includes('/dist/') ? DEFAULT_MODEL_PATH.replace('/dist/models/', '/models/') : DEFAULT_MODEL_PATH;
}

/** Counters by key: `counterList` for the descriptor, `stats.bind` for the readers (stats/counters.ts). */
export const CLASSIFIER_COUNTERS = {
  sessionsScored: { name: 'classifier.sessions_scored', kind: 'sum', help: 'Sessions closed and scored by the model.' },
  sessionsFlagged: { name: 'classifier.sessions_flagged', kind: 'sum', help: 'Scored sessions above --classifier-threshold.' },
  sessionsOpen: { name: 'classifier.sessions_open', kind: 'now', help: 'Sessions open now.' },
  sessionsOpenMax: { name: 'classifier.sessions_open_max', kind: 'max', help: 'Most sessions open at once.' },
  sessionsEvicted: { name: 'classifier.sessions_evicted', kind: 'sum', help: 'Sessions closed early because --classifier-max-sessions was reached.' },
  sources: { name: 'classifier.sources', kind: 'now', help: 'Sources with scored sessions in their sliding window now.' },
  sourcesEvicted: { name: 'classifier.sources_evicted', kind: 'sum', help: 'Source windows evicted to make room (--classifier-max-sources).' },
  scanners: { name: 'classifier.scanners', kind: 'sum', help: 'Sources the classifier judged scanners.' },
  unattributed: { name: 'classifier.unattributed', kind: 'sum', help: 'Times a source reached the share but the scan engine tracks no such source (it sent no probe, or was forgotten): not reported.' },
} as const satisfies CounterTable;

/** nmap-harvester's learned detector: XGBoost over TCP sessions, judged per source. */
export const classifierModule = defineScanPart({
  name: 'classifier',
  help: 'Session classifier (nmap-harvester, done right): each TCP session is scored when it closes by an XGBoost model; a source whose share of scan-like sessions over a sliding window reaches --classifier-share is a scanner. Only with --model.',
  params: [
    { name: 'model', type: 'string', help: 'XGBoost JSON model (peng-ts train, or XGBClassifier.save_model("x.json")) to run the classifier with; "default" is the model shipped in models/. Without it the classifier is off.' },
    { name: 'classifier-window', type: 'duration', default: 0.5, min: 0.001, max: 3600, unit: 's', help: 'A session closes, and is scored, after this long without a packet (packet time); the model was trained with the same value (nmap-harvester: 0.5 s).' },
    { name: 'classifier-threshold', type: 'float', default: 0.5, min: 0.01, max: 0.99, help: 'Model probability above which a session counts as a scan (XGBClassifier.predict uses p > 0.5).' },
    { name: 'classifier-share', type: 'float', default: 0.3, min: 0.01, max: 1, help: 'Share of a source\'s scored sessions in the window that must be scans to name it (nmap-harvester: 30%).' },
    { name: 'classifier-min-sessions', type: 'int', default: 20, min: 1, max: 1_000_000, unit: 'sessions', help: 'Scored sessions a source needs in the window before it can be named: a client with two odd sessions is not a scanner.' },
    { name: 'classifier-share-window', type: 'duration', default: 60, min: 1, max: 86400, unit: 's', help: 'Sliding window of packet time over which the share is taken (nmap-harvester: every session since start).' },
    { name: 'classifier-max-sessions', type: 'int', default: 200_000, min: 1, max: 50_000_000, unit: 'sessions', help: 'Sessions open at once; when full the least recently active is closed (and scored) early.', advanced: true },
    { name: 'classifier-max-sources', type: 'int', default: 20_000, min: 1, max: 10_000_000, unit: 'sources', help: 'Sources whose window is kept at once; least recently scored out first.', advanced: true },
  ],
  counters: counterList(CLASSIFIER_COUNTERS),
  alerts: [{ id: 'classifier.scanner', message: '--classifier-share of a source\'s sessions scored as scans' }],
  attach(ctx: ModuleContext, engine: ScanEngine) {
    const path = str(ctx.params, 'model');
    if (path === undefined) return null;
    const model = XgbModel.load(modelPath(path));
    model.checkFeatures(FEATURE_NAMES, path);
    const p = ctx.params;
    const d = new ClassifierDetector(
      {
        window: num(p, 'classifier-window'),
        maxSessions: num(p, 'classifier-max-sessions'),
        threshold: num(p, 'classifier-threshold'),
        share: num(p, 'classifier-share'),
        minSessions: num(p, 'classifier-min-sessions'),
        shareWindow: num(p, 'classifier-share-window'),
        maxSources: num(p, 'classifier-max-sources'),
      },
      model,
      engine,
    );
    engine.addPart(d);
    const t = d.sessions;
    ctx.stats.bind(CLASSIFIER_COUNTERS, {
      sessionsScored: () => d.scored,
      sessionsFlagged: () => d.flagged,
      sessionsOpen: () => t.open,
      sessionsOpenMax: () => t.table.highWater,
      sessionsEvicted: () => t.table.evictions,
      sources: () => d.sources.size,
      sourcesEvicted: () => d.sources.evictions,
      scanners: () => d.scanners,
      unattributed: () => d.unattributed,
    });
    if (ctx.verbose >= 1) ctx.warn(`classifier: ${model.trees} trees from ${path} (${model.objective})`);
    return d;
  },
});

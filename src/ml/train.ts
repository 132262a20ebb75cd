import { SensorError } from '../errors.js';
import { FEATURE_COUNT, FEATURE_NAMES } from '../sessions/session.js';
import type { Dataset } from './dataset.js';
import { loadXgboost, xgboostLoadError } from './xgboost-native.js';

export interface TrainOptions {
  /** Boosting rounds (XGBClassifier's n_estimators; nmap-harvester: 210). */
  rounds: number;
  seed: number;
  maxDepth: number;
  eta: number;
}

/**
 * XGBoost parameters: XGBClassifier's defaults (binary:logistic, depth 6,
 * eta 0.3) plus what makes a run reproducible byte for byte: a fixed seed and
 * one thread (the sums of gradient statistics are then always added in the
 * same order).
 */
export function xgbParams(o: TrainOptions): string[] {
  return [
    'objective', 'binary:logistic',
    'max_depth', String(o.maxDepth),
    'eta', String(o.eta),
    'seed', String(o.seed),
    'nthread', '1',
    'base_score', '0.5',
  ];
}

/**
 * Train with libxgboost itself (our addon: XGDMatrixCreateFromMat,
 * XGBoosterCreate, XGBoosterSetParam, XGBoosterUpdateOneIter,
 * XGBoosterSaveModel) and write the model as XGBoost JSON to `path`, with the
 * feature names, so a model trained on other columns is refused at load.
 */
export function trainModel(d: Dataset, path: string, o: TrainOptions): void {
  const xgb = loadXgboost();
  if (!xgb) throw new SensorError('XGB_MISSING', xgboostLoadError());
  if (d.rows === 0) throw new SensorError('DATASET_INVALID', 'no labelled rows to train on (label the sessions with --scanner or --label)');
  let pos = 0;
  for (let i = 0; i < d.rows; i++) pos += d.y[i];
  if (pos === 0 || pos === d.rows) {
    throw new SensorError('DATASET_INVALID', `all ${d.rows} rows have label ${pos === 0 ? 0 : 1}: give captures of both scans and benign traffic`);
  }
  try {
    xgb.train(d.x, d.rows, FEATURE_COUNT, d.y, xgbParams(o), o.rounds, path, [...FEATURE_NAMES]);
  } catch (e) {
    // libxgboost's messages carry a time, a source line and a stack trace: keep the sentence.
    const why = (e as Error).message.split('\n')[0].replace(/\[\d\d:\d\d:\d\d\] \S+: (Check failed: \w+:\s*)?/, '');
    throw new SensorError('MODEL_INVALID', `training failed: ${why}`);
  }
}

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The calls of our libxgboost addon (src/ml/native/xgb_binding.c). */
export interface XgboostAddon {
  /** Train `rounds` boosting rounds on row-major `x` (nrow x ncol) and labels `y`; save the model to `path` (.json: JSON format). */
  train(x: Float32Array, nrow: number, ncol: number, y: Float32Array, params: string[], rounds: number, path: string, featureNames?: string[]): void;
  /** Load the model at `path` and predict `x`: raw margins when `margin`, else probabilities. */
  predict(path: string, x: Float32Array, nrow: number, ncol: number, margin: boolean): Float32Array;
  /** libxgboost's version, e.g. 1.7.4. */
  version(): string;
}

const require = createRequire(import.meta.url);
const ADDON_REL = 'ml/native/build/Release/peng_xgboost.node';

let cache: XgboostAddon | null | undefined;
let loadError = '';

/** The addon, or null when it is not built or libxgboost is missing (see xgboostLoadError()). */
export function loadXgboost(): XgboostAddon | null {
  if (cache !== undefined) return cache;
  cache = null;
  const candidates = [
    fileURLToPath(new URL(`../${ADDON_REL}`, import.meta.url)), // src/ml/xgboost-native.ts
    fileURLToPath(new URL(`../../../src/${ADDON_REL}`, import.meta.url)), // dist/src/ml/xgboost-native.js
  ];
  const path = candidates.find((p) => existsSync(p));
  if (!path) {
    loadError =
      'the XGBoost addon is not built (apt-get install libxgboost-dev g++ make python3, then npx node-gyp rebuild --directory=src/ml/native)';
    return null;
  }
  try {
    cache = require(path) as XgboostAddon;
  } catch (e) {
    loadError = `the XGBoost addon at ${path} does not load (is libxgboost0 installed?): ${(e as Error).message.split('\n')[0]}`;
  }
  return cache;
}

export function xgboostLoadError(): string {
  return loadError;
}

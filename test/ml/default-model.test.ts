import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_MODEL_PATH } from '../../src/detect/classifier/module.js';
import { XgbModel } from '../../src/ml/xgb-model.js';
import { loadXgboost, xgboostLoadError } from '../../src/ml/xgboost-native.js';
import { FEATURE_NAMES } from '../../src/sessions/session.js';
import { REPO, SHARED_CAPTURES } from '../helpers/cli.js';

test('the shipped default model loads, on our features', () => {
  assert.ok(existsSync(DEFAULT_MODEL_PATH), DEFAULT_MODEL_PATH);
  const m = XgbModel.load(DEFAULT_MODEL_PATH);
  assert.equal(m.trees, 210);
  m.checkFeatures(FEATURE_NAMES, DEFAULT_MODEL_PATH);
});

const skip = (loadXgboost() === null && `libxgboost addon unavailable: ${xgboostLoadError()}`) || (!existsSync(join(SHARED_CAPTURES, 'truth.json')) && 'shared captures missing');

test('models/make-default-model.sh rebuilds the shipped model byte for byte', { skip, timeout: 600_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'peng-default-model-'));
  try {
    const out = join(dir, 'm.json');
    const r = spawnSync('bash', [join(REPO, 'models/make-default-model.sh')], { env: { ...process.env, OUT: out, SHARED_CAPTURES }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(readFileSync(out).equals(readFileSync(DEFAULT_MODEL_PATH)), 'same bytes as models/classifier-default.json');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

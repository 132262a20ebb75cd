import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readDatasets } from '../../src/ml/dataset.js';
import { XgbModel } from '../../src/ml/xgb-model.js';
import { loadXgboost, xgboostLoadError } from '../../src/ml/xgboost-native.js';
import { FEATURE_COUNT, FEATURE_NAMES } from '../../src/sessions/session.js';
import { runCli, SHARED_CAPTURES } from '../helpers/cli.js';

const xgb = loadXgboost();
const noXgb = xgb === null && `libxgboost addon unavailable: ${xgboostLoadError()}`;
const cap = (f: string) => join(SHARED_CAPTURES, f);
const TRAIN = [
  [cap('evilfingers_nmap_sS_TCP_SYN_SCAN.pcap'), '1'],
  [cap('evilfingers_nmap_sN_NULL_SCAN.pcap'), '1'],
  [cap('benign_kdd99sparkml_normal_web_ipv4.pcap'), '0'],
  [cap('benign_ndpi_reddit_web_ipv6.pcap'), '0'],
] as const;
const TEST = [
  [cap('hw13-01_nmap_sS_sF_sX_sU_multi.pcapng'), '--scanner', '192.168.67.1'],
  [cap('victorialugi_nmap_sX_xmas_cloudvm.pcap'), '--scanner', '10.129.0.4'],
  [cap('benign_ndpi_gnutella_p2p.pcap'), '--label', '0'],
  [cap('evilfingers_nmap_sT_TCP_CONNECT_SCAN.pcap'), '--label', '1'],
] as const;
const haveCaptures = [...TRAIN, ...TEST].every(([f]) => existsSync(f));
const python = '/usr/bin/python3';
const havePython = spawnSync(python, ['-c', 'import xgboost, sklearn']).status === 0;

let dir = '';
let trainCsv: string[] = [];
let testCsv: string[] = [];
/** One model trained with seed 7 in before(): the tests read it, none writes it (a training is ~3 s). */
let model7 = '';

function train(model: string): void {
  const r = runCli(['train', ...trainCsv, '--model', model, '--seed', '7']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /trained 210 trees with XGBoost \d+\.\d+\.\d+ on \d+ sessions/);
}

before(() => {
  if (noXgb || !haveCaptures) return;
  dir = mkdtempSync(join(tmpdir(), 'peng-xgb-'));
  const make = (args: string[], name: string) => {
    const r = runCli(['sessions', '-r', ...args]);
    assert.equal(r.code, 0, r.stderr);
    const p = join(dir, name);
    writeFileSync(p, r.stdout);
    return p;
  };
  trainCsv = TRAIN.map(([f, label], i) => make([f, '--label', label], `train${i}.csv`));
  testCsv = TEST.map(([f, opt, v], i) => make([f, opt, v], `test${i}.csv`));
  model7 = join(dir, 'seed7.json');
  train(model7);
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const skip = noXgb || (!haveCaptures && 'shared captures missing');

test('peng-ts train: libxgboost writes a JSON model with our feature names, byte for byte the same for the same seed', { skip }, () => {
  const a = model7;
  const b = join(dir, 'b.json');
  train(b);
  assert.ok(readFileSync(a).equals(readFileSync(b)), 'same data and seed: same bytes');
  const json = JSON.parse(readFileSync(a, 'utf8'));
  assert.deepEqual(json.learner.feature_names, FEATURE_NAMES);
  assert.equal(json.learner.gradient_booster.model.trees.length, 210);
  const small = join(dir, 'small.json');
  assert.equal(runCli(['train', ...trainCsv, '--model', small, '--rounds', '5']).code, 0);
  assert.equal(new XgbModel(JSON.parse(readFileSync(small, 'utf8'))).trees, 5);
});

test('the TypeScript evaluator gives libxgboost\'s margins (XGBoosterPredict) to 1e-6 on sessions it was not trained on', { skip }, () => {
  const m = model7;
  const d = readDatasets(testCsv);
  assert.ok(d.rows > 3000, `${d.rows} test sessions`);
  const model = XgbModel.load(m);
  const margins = xgb!.predict(m, d.x, d.rows, FEATURE_COUNT, true);
  const probs = xgb!.predict(m, d.x, d.rows, FEATURE_COUNT, false);
  let worst = 0;
  let worstP = 0;
  const distinct = new Set<number>();
  for (let i = 0; i < d.rows; i++) {
    const mine = model.margin(d.x, i * FEATURE_COUNT);
    distinct.add(mine);
    worst = Math.max(worst, Math.abs(mine - margins[i]));
    worstP = Math.max(worstP, Math.abs(model.probability(d.x, i * FEATURE_COUNT) - probs[i]));
  }
  assert.ok(distinct.size > 5, `the test set reaches ${distinct.size} different leaves combinations`);
  assert.ok(worst <= 1e-6, `largest margin difference ${worst}`);
  assert.ok(worstP <= 1e-6, `largest probability difference ${worstP}`);
});

test('a model trained by Debian\'s python3-xgboost (XGBClassifier(n_estimators=210), as nmap-harvester) loads and scores the same', { skip: skip || (!havePython && 'python3-xgboost or python3-sklearn missing') }, () => {
  const model = join(dir, 'py.json');
  const margins = join(dir, 'py-margins.txt');
  // nmap-harvester's training step, minus pandas: the same columns, read with the csv module.
  const script = `
import csv, sys, numpy as np, xgboost as xgb
cols = ${JSON.stringify(FEATURE_NAMES)}
def load(paths):
    X, y = [], []
    for p in paths:
        for r in csv.DictReader(open(p)):
            X.append([float(r[c]) for c in cols]); y.append(int(r['label']))
    return np.array(X, dtype=np.float32), np.array(y)
X, y = load(sys.argv[1].split(','))
clf = xgb.XGBClassifier(n_estimators=210)
clf.fit(X, y)
clf.get_booster().feature_names = cols
clf.save_model(sys.argv[2])
Xt, _ = load(sys.argv[3].split(','))
np.savetxt(sys.argv[4], clf.get_booster().predict(xgb.DMatrix(Xt, feature_names=cols), output_margin=True), fmt='%.9g')
`;
  const r = spawnSync(python, ['-c', script, trainCsv.join(','), model, testCsv.join(','), margins], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const m = XgbModel.load(model);
  assert.equal(m.trees, 210);
  m.checkFeatures(FEATURE_NAMES, model);
  const expected = readFileSync(margins, 'utf8').trim().split('\n').map(Number);
  const d = readDatasets(testCsv);
  assert.equal(expected.length, d.rows);
  let worst = 0;
  for (let i = 0; i < d.rows; i++) worst = Math.max(worst, Math.abs(m.margin(d.x, i * FEATURE_COUNT) - expected[i]));
  assert.ok(worst <= 1e-6, `largest difference from python's margins ${worst}`);
  // And our addon loads it too.
  const native = xgb!.predict(model, d.x, d.rows, FEATURE_COUNT, true);
  assert.ok(Math.abs(native[0] - expected[0]) <= 1e-6);
});

test('bad training input is one line: one class only, no labels, model name without .json', { skip }, () => {
  const one = runCli(['train', trainCsv[0], '--model', join(dir, 'x.json')]);
  assert.equal(one.code, 1);
  assert.match(one.stderr, /all \d+ rows have label 1/);
  assert.equal(one.stderr.trim().split('\n').length, 1);
  const unlabelled = join(dir, 'unlabelled.csv');
  writeFileSync(unlabelled, runCli(['sessions', '-r', TRAIN[2][0]]).stdout);
  const none = runCli(['train', unlabelled, '--model', join(dir, 'x.json')]);
  assert.match(none.stderr, /no labelled rows/);
  const nodir = runCli(['train', ...trainCsv, '--model', join(dir, 'no/such/dir/m.json')]);
  assert.equal(nodir.code, 1);
  assert.equal(nodir.stderr.trim().split('\n').length, 1, nodir.stderr);
  assert.match(nodir.stderr, /XGBoosterSaveModel: LocalFileSystem::Open ".*m\.json": No such file or directory/);
  const bin = runCli(['train', ...trainCsv, '--model', join(dir, 'x.ubj')]);
  assert.equal(bin.code, 64);
  assert.match(bin.stderr, /\.json/);
});

test('a file that is not a model is refused with one line at start', { skip: !existsSync(cap('evilfingers_nmap_sN_NULL_SCAN.pcap')) && 'shared captures missing' }, () => {
  const d = mkdtempSync(join(tmpdir(), 'peng-model-'));
  try {
    const p = join(d, 'bad.json');
    writeFileSync(p, '{"learner": {"gradient_booster": {"name": "gblinear"}}}');
    const r = runCli(['-r', cap('evilfingers_nmap_sN_NULL_SCAN.pcap'), '--model', p]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /not a usable XGBoost JSON model \(booster "gblinear" is not gbtree\)/);
    assert.equal(r.stdout, '');
    writeFileSync(p, 'not json');
    assert.match(runCli(['-r', cap('evilfingers_nmap_sN_NULL_SCAN.pcap'), '--model', p]).stderr, /not JSON/);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

import { readFileSync } from 'node:fs';
import { SensorError } from '../errors.js';

/**
 * A gradient-boosted tree model read from XGBoost's JSON model format
 * (`learner.gradient_booster.model.trees[]`, as XGBoosterSaveModel writes a
 * .json path; schema: doc/model.schema in the XGBoost sources), evaluated in
 * process. Each tree is flattened into typed arrays; `margin()` walks them
 * without allocating.
 *
 * Matching libxgboost to the bit where it can: features are float32 (XGBoost
 * stores DMatrix values as float), a split sends `x < split_condition` left,
 * a missing (NaN) value follows `default_left`, and the margin accumulates
 * leaf values in float32 tree by tree from base_margin, as the CPU predictor
 * does. Leaves keep their value in `split_conditions`.
 * Only what peng-ts uses is accepted: a gbtree booster with one output
 * (binary:logistic and kin), numerical splits.
 */
export class XgbModel {
  readonly trees: number;
  readonly nodes: number;
  readonly featureNames: readonly string[];
  readonly objective: string;
  /** Margin every sum starts from: logit(base_score) for logistic objectives. */
  readonly baseMargin: number;
  /** Per tree, its first node in the flat arrays. */
  private readonly root: Int32Array;
  private readonly left: Int32Array;
  private readonly right: Int32Array;
  private readonly feature: Int32Array;
  private readonly cond: Float32Array;
  private readonly defaultLeft: Uint8Array;
  /** The row being scored, as float32 values (converted once per row, not per node). */
  private readonly row: Float64Array;

  constructor(json: unknown, source = 'model') {
    const bad = (why: string): never => {
      throw new SensorError('MODEL_INVALID', `${source}: not a usable XGBoost JSON model (${why}); train one with peng-ts train`);
    };
    const learner = (json as { learner?: Record<string, unknown> })?.learner;
    if (!learner || typeof learner !== 'object') bad('no "learner"');
    const l = learner as Record<string, any>;
    const gb = l.gradient_booster;
    if (gb?.name !== 'gbtree' && gb?.name !== 'dart') bad(`booster "${gb?.name}" is not gbtree`);
    const model = gb.name === 'dart' ? gb.gbtree?.model : gb.model;
    const trees: any[] = model?.trees;
    if (!Array.isArray(trees) || trees.length === 0) bad('no trees');
    const param = l.learner_model_param ?? {};
    if (Number(param.num_class ?? 0) > 1 || Number(param.num_target ?? 1) > 1) bad('more than one output');
    this.objective = String(l.objective?.name ?? '');
    const base = Number(param.base_score ?? 0.5);
    const logistic = /^(binary:logistic|binary:logitraw|reg:logistic|binary:hinge)$/.test(this.objective);
    // binary:logistic keeps base_score as a probability; its margin is the logit (ProbToMargin).
    this.baseMargin = Math.fround(this.objective === 'binary:logistic' || this.objective === 'reg:logistic' ? -Math.log(1 / base - 1) : base);
    if (!logistic && !this.objective.startsWith('reg:')) bad(`objective "${this.objective}" is not supported`);
    this.featureNames = Array.isArray(l.feature_names) ? l.feature_names.map(String) : [];
    const weights: number[] | undefined = gb.name === 'dart' ? gb.weight_drop : undefined;
    if (weights && weights.some((w) => w !== 1)) bad('dart weights other than 1');

    let total = 0;
    for (const t of trees) {
      if (!Array.isArray(t?.left_children) || !Array.isArray(t.split_conditions)) bad('a tree without node arrays');
      if (Array.isArray(t.split_type) && t.split_type.some((x: number) => x !== 0)) bad('categorical splits');
      total += t.left_children.length;
    }
    this.trees = trees.length;
    this.nodes = total;
    this.root = new Int32Array(trees.length);
    this.left = new Int32Array(total);
    this.right = new Int32Array(total);
    this.feature = new Int32Array(total);
    this.cond = new Float32Array(total);
    this.defaultLeft = new Uint8Array(total);
    let at = 0;
    const nFeatures = Number(param.num_feature ?? 0);
    let maxFeature = 0;
    for (let i = 0; i < trees.length; i++) {
      const t = trees[i];
      const n = t.left_children.length;
      this.root[i] = at;
      for (let j = 0; j < n; j++) {
        const lc = t.left_children[j];
        const rc = t.right_children[j];
        const leaf = lc === -1;
        if (!leaf && (lc <= 0 || lc >= n || rc <= 0 || rc >= n)) bad(`tree ${i} node ${j} has children out of range`);
        const f = leaf ? 0 : t.split_indices[j];
        if (!leaf && (f < 0 || (nFeatures > 0 && f >= nFeatures))) bad(`tree ${i} splits on feature ${f}`);
        if (f > maxFeature) maxFeature = f;
        this.left[at + j] = leaf ? -1 : at + lc;
        this.right[at + j] = leaf ? -1 : at + rc;
        this.feature[at + j] = f;
        this.cond[at + j] = t.split_conditions[j];
        this.defaultLeft[at + j] = t.default_left[j] ? 1 : 0;
      }
      at += n;
    }
    this.row = new Float64Array(Math.max(nFeatures, maxFeature + 1));
  }

  static load(path: string): XgbModel {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new SensorError('FILE_OPEN', `cannot read model ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new SensorError('MODEL_INVALID', `${path}: not JSON (save the model with a .json name: XGBoost then writes JSON, not its binary format)`);
    }
    return new XgbModel(json, path);
  }

  /** Throw unless the model was trained on these features in this order (models without names pass). */
  checkFeatures(names: readonly string[], source: string): void {
    if (this.row.length > names.length) {
      throw new SensorError('MODEL_INVALID', `${source}: the model reads ${this.row.length} features, sessions have ${names.length} (${names.join(',')})`);
    }
    if (this.featureNames.length === 0) return;
    if (this.featureNames.length !== names.length || this.featureNames.some((n, i) => n !== names[i])) {
      throw new SensorError('MODEL_INVALID', `${source}: trained on features ${this.featureNames.join(',')}, expected ${names.join(',')}`);
    }
  }

  /** Raw margin of one row (`x[offset..]`), float32 arithmetic as libxgboost. No allocation. */
  margin(x: ArrayLike<number>, offset = 0): number {
    const row = this.row;
    for (let i = 0; i < row.length; i++) row[i] = Math.fround(x[offset + i]);
    let sum = this.baseMargin;
    const left = this.left;
    const right = this.right;
    const feature = this.feature;
    const cond = this.cond;
    for (let t = 0; t < this.root.length; t++) {
      let n = this.root[t];
      while (left[n] !== -1) {
        const v = row[feature[n]];
        if (v !== v) n = this.defaultLeft[n] === 1 ? left[n] : right[n];
        else n = v < cond[n] ? left[n] : right[n];
      }
      sum = Math.fround(sum + cond[n]);
    }
    return sum;
  }

  /** Probability of the positive class (logistic objectives): sigmoid of the margin. */
  probability(x: ArrayLike<number>, offset = 0): number {
    return 1 / (1 + Math.exp(-this.margin(x, offset)));
  }
}

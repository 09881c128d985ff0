/**
 * Gradient-boosted decision trees with histogram splits: each feature is cut into at most `bins`
 * quantile bins once, and every split is chosen from per-bin gradient sums. The loss is an
 * objective (`objectives.ts`): logistic for binary classification, squared error for regression.
 * Deterministic for a seed. Thresholds are float32 values taken from the data and leaves are
 * rounded to float32, so the ONNX export evaluates exactly the same trees.
 */
import { Rng } from '../features/rng.js';
import { TrainingError } from './training-error.js';
import { type GbdtObjective, LOGISTIC, type ObjectiveName, OBJECTIVES } from './objectives.js';

/** Hyper-parameters of one training run. */
export interface GbdtParameters {
  /** Number of trees. Default 100. */
  readonly trees: number;
  /** Maximum depth of a tree. Default 6. */
  readonly depth: number;
  /** Shrinkage applied to every leaf. Default 0.1. */
  readonly learningRate: number;
  /** Maximum histogram bins per feature (≤ 256). Default 64. */
  readonly bins: number;
  /** Minimum hessian sum in a child. Default 1. */
  readonly minChildWeight: number;
  /** L2 regularization of leaf values. Default 1. */
  readonly lambda: number;
  /** Fraction of rows each tree sees. Default 0.8. */
  readonly subsample: number;
  /** Seed of row subsampling. Default 7. */
  readonly seed: number;
}

/** Defaults for every parameter the card does not set. */
export const GBDT_DEFAULTS: GbdtParameters = { trees: 100, depth: 6, learningRate: 0.1, bins: 64, minChildWeight: 1, lambda: 1, subsample: 0.8, seed: 7 };

/** One tree as flat arrays; node 0 is the root, a node with `feature === -1` is a leaf. */
export interface Tree {
  readonly feature: number[];
  /** float32 thresholds: go left when `x <= threshold`. */
  readonly threshold: number[];
  readonly left: number[];
  readonly right: number[];
  /** float32 leaf values (already multiplied by the learning rate). */
  readonly value: number[];
}

/** A trained ensemble: `raw = base + Σ leaf`; the prediction is the objective's of the raw score. */
export interface GbdtModel {
  readonly base: number;
  readonly trees: readonly Tree[];
  readonly features: number;
  /** The loss it was fitted with; `logistic` (a probability, `sigmoid(raw)`) when absent. */
  readonly objective?: ObjectiveName;
}

/** Training rows, column-major: `columns[f][row]` (float32 values). */
export interface Matrix {
  readonly columns: readonly Float32Array[];
  readonly rows: number;
}

/** Trains an ensemble on `x`, `y` (0/1 labels for the logistic objective, values for squared error). */
export function trainGbdt(x: Matrix, y: ArrayLike<number>, parameters: Partial<GbdtParameters> = {}, objective: GbdtObjective = LOGISTIC): GbdtModel {
  const p: GbdtParameters = { ...GBDT_DEFAULTS, ...parameters };
  if (p.bins < 2 || p.bins > 256) throw new TrainingError(`training parameter 'bins' must be within 2..256 (got ${p.bins})`);
  const n = x.rows;
  const base = objective.base(y);
  const binned = x.columns.map((column) => binColumn(column, p.bins));
  const score = new Float64Array(n).fill(base);
  const grad = new Float64Array(n);
  const hess = new Float64Array(n);
  const rng = new Rng(p.seed);
  const trees: Tree[] = [];
  for (let t = 0; t < p.trees; t++) {
    objective.gradients(score, y, grad, hess);
    const sample = subsample(n, p.subsample, rng);
    const tree = growTree(binned, grad, hess, sample, p);
    trees.push(tree);
    for (let i = 0; i < n; i++) score[i] += tree.value[leafOfBinned(tree, binned, i)];
  }
  return { base, trees, features: x.columns.length, objective: objective.name };
}

/** The ensemble's raw score (log-odds, or the regression value) of one row of float32 features. */
export function rawScore(model: GbdtModel, row: ArrayLike<number>): number {
  let score = model.base;
  for (const tree of model.trees) {
    let node = 0;
    while (tree.feature[node] !== -1) node = row[tree.feature[node]] <= tree.threshold[node] ? tree.left[node] : tree.right[node];
    score += tree.value[node];
  }
  return score;
}

/** The prediction for each row of `x`: the positive class's probability, or the regression value. */
export function predictGbdt(model: GbdtModel, x: Matrix): Float64Array {
  const { predict } = OBJECTIVES[model.objective ?? 'logistic'];
  const out = new Float64Array(x.rows);
  const row = new Float32Array(x.columns.length);
  for (let i = 0; i < x.rows; i++) {
    for (let f = 0; f < row.length; f++) row[f] = x.columns[f][i];
    out[i] = predict(rawScore(model, row));
  }
  return out;
}

/** A feature cut into bins: `codes[row]` is the bin, `uppers[bin]` its largest value (the threshold). */
interface BinnedColumn {
  readonly codes: Uint8Array;
  readonly uppers: Float32Array;
}

function binColumn(column: Float32Array, maxBins: number): BinnedColumn {
  const sorted = Float32Array.from(column).sort();
  const distinct: number[] = [];
  for (const value of sorted) if (distinct.length === 0 || value !== distinct[distinct.length - 1]) distinct.push(value);
  let uppers: number[];
  if (distinct.length <= maxBins) {
    uppers = distinct;
  } else {
    // Quantile cut points, always actual data values, so a threshold is a float32 the data holds.
    uppers = [];
    for (let b = 1; b < maxBins; b++) {
      const value = sorted[Math.min(sorted.length - 1, Math.floor((b * sorted.length) / maxBins))];
      if (uppers.length === 0 || value > uppers[uppers.length - 1]) uppers.push(value);
    }
    if (distinct[distinct.length - 1] > uppers[uppers.length - 1]) uppers.push(distinct[distinct.length - 1]);
  }
  const upperArray = Float32Array.from(uppers);
  const codes = new Uint8Array(column.length);
  for (let i = 0; i < column.length; i++) codes[i] = binOf(upperArray, column[i]);
  return { codes, uppers: upperArray };
}

function binOf(uppers: Float32Array, value: number): number {
  // First bin whose upper bound is >= value; NaN and values past the end go to the last bin.
  let low = 0;
  let high = uppers.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (value <= uppers[middle]) high = middle;
    else low = middle + 1;
  }
  return low;
}

function subsample(n: number, fraction: number, rng: Rng): Uint32Array {
  if (fraction >= 1) return Uint32Array.from({ length: n }, (_, i) => i);
  const picked: number[] = [];
  for (let i = 0; i < n; i++) if (rng.next() < fraction) picked.push(i);
  return Uint32Array.from(picked);
}

interface Split {
  readonly gain: number;
  readonly feature: number;
  readonly bin: number;
}

function growTree(binned: readonly BinnedColumn[], grad: Float64Array, hess: Float64Array, sample: Uint32Array, p: GbdtParameters): Tree {
  const tree: Tree = { feature: [], threshold: [], left: [], right: [], value: [] };
  const addNode = () => {
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.left.push(-1);
    tree.right.push(-1);
    tree.value.push(0);
    return tree.feature.length - 1;
  };
  let frontier: { node: number; rows: Uint32Array }[] = [{ node: addNode(), rows: sample }];
  for (let depth = 0; depth <= p.depth && frontier.length > 0; depth++) {
    const next: { node: number; rows: Uint32Array }[] = [];
    for (const { node, rows } of frontier) {
      let g = 0;
      let h = 0;
      for (const i of rows) {
        g += grad[i];
        h += hess[i];
      }
      const split = depth < p.depth ? bestSplit(binned, grad, hess, rows, g, h, p) : null;
      if (split === null) {
        tree.value[node] = Math.fround((-g / (h + p.lambda)) * p.learningRate);
        continue;
      }
      const codes = binned[split.feature].codes;
      const leftRows: number[] = [];
      const rightRows: number[] = [];
      for (const i of rows) (codes[i] <= split.bin ? leftRows : rightRows).push(i);
      tree.feature[node] = split.feature;
      tree.threshold[node] = binned[split.feature].uppers[split.bin];
      const left = addNode();
      const right = addNode();
      tree.left[node] = left;
      tree.right[node] = right;
      next.push({ node: left, rows: Uint32Array.from(leftRows) }, { node: right, rows: Uint32Array.from(rightRows) });
    }
    frontier = next;
  }
  return tree;
}

function bestSplit(binned: readonly BinnedColumn[], grad: Float64Array, hess: Float64Array, rows: Uint32Array, g: number, h: number, p: GbdtParameters): Split | null {
  if (h < 2 * p.minChildWeight) return null;
  const parentScore = (g * g) / (h + p.lambda);
  let best: Split | null = null;
  const gHist = new Float64Array(256);
  const hHist = new Float64Array(256);
  for (let f = 0; f < binned.length; f++) {
    const { codes, uppers } = binned[f];
    const bins = uppers.length;
    if (bins < 2) continue;
    gHist.fill(0, 0, bins);
    hHist.fill(0, 0, bins);
    for (const i of rows) {
      const b = codes[i];
      gHist[b] += grad[i];
      hHist[b] += hess[i];
    }
    let gl = 0;
    let hl = 0;
    for (let b = 0; b < bins - 1; b++) {
      gl += gHist[b];
      hl += hHist[b];
      const hr = h - hl;
      if (hl < p.minChildWeight || hr < p.minChildWeight) continue;
      const gr = g - gl;
      const gain = (gl * gl) / (hl + p.lambda) + (gr * gr) / (hr + p.lambda) - parentScore;
      // Strictly greater: ties keep the earliest feature and bin, so results do not depend on luck.
      if (gain > 1e-12 && (best === null || gain > best.gain)) best = { gain, feature: f, bin: b };
    }
  }
  return best;
}

function leafOfBinned(tree: Tree, binned: readonly BinnedColumn[], row: number): number {
  let node = 0;
  while (tree.feature[node] !== -1) {
    const column = binned[tree.feature[node]];
    node = column.uppers[column.codes[row]] <= tree.threshold[node] ? tree.left[node] : tree.right[node];
  }
  return node;
}

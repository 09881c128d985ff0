/**
 * The classification baseline: L2-regularized logistic regression fitted by Newton's method (IRLS)
 * on standardized features, with categorical inputs one-hot encoded (`linear-design.ts`).
 * Deterministic, no seed needed.
 */
import type { Matrix } from './gbdt.js';
import { designColumns, fitDesign, type LinearDesign, solve } from './linear-design.js';

/** A fitted baseline: how to expand a row, and the weights. */
export interface LogisticModel extends LinearDesign {
  /** Intercept first. */
  readonly weights: Float64Array;
}

/** Fits the baseline; `categorical[f]` marks inputs whose codes are categories. */
export function trainLogistic(x: Matrix, y: ArrayLike<number>, categorical: readonly boolean[], lambda = 1e-3, iterations = 25): LogisticModel {
  const fitted = fitDesign(x, categorical);
  const design = designColumns(fitted, x);
  const width = design.length;
  const k = width + 1;
  const weights = new Float64Array(k);
  for (let iteration = 0; iteration < iterations; iteration++) {
    const gradient = new Float64Array(k);
    const hessian = Array.from({ length: k }, () => new Float64Array(k));
    const row = new Float64Array(k);
    row[0] = 1;
    for (let i = 0; i < x.rows; i++) {
      let z = weights[0];
      for (let j = 0; j < width; j++) {
        row[j + 1] = design[j][i];
        z += weights[j + 1] * row[j + 1];
      }
      const p = 1 / (1 + Math.exp(-z));
      const w = Math.max(p * (1 - p), 1e-12);
      for (let a = 0; a < k; a++) {
        gradient[a] += (p - y[i]) * row[a];
        for (let b = a; b < k; b++) hessian[a][b] += w * row[a] * row[b];
      }
    }
    for (let a = 0; a < k; a++) {
      for (let b = 0; b < a; b++) hessian[a][b] = hessian[b][a];
      if (a > 0) {
        gradient[a] += lambda * x.rows * weights[a];
        hessian[a][a] += lambda * x.rows;
      }
    }
    const step = solve(hessian, gradient);
    let change = 0;
    for (let a = 0; a < k; a++) {
      weights[a] -= step[a];
      change = Math.max(change, Math.abs(step[a]));
    }
    if (change < 1e-8) break;
  }
  return { ...fitted, weights };
}

/** Probabilities of the positive class. */
export function predictLogistic(model: LogisticModel, x: Matrix): Float64Array {
  const design = designColumns(model, x);
  const out = new Float64Array(x.rows);
  for (let i = 0; i < x.rows; i++) {
    let z = model.weights[0];
    for (let j = 0; j < design.length; j++) z += model.weights[j + 1] * design[j][i];
    out[i] = 1 / (1 + Math.exp(-z));
  }
  return out;
}

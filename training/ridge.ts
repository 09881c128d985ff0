/**
 * The regression baseline: ridge regression (L2-regularized least squares) in closed form on
 * standardized features, with categorical inputs one-hot encoded (`linear-design.ts`). It is the
 * honest bar for a regressor: what a linear model of the same inputs explains, which a tree
 * ensemble must beat to earn its complexity. The intercept is not penalized. Deterministic.
 */
import type { Matrix } from './gbdt.js';
import { designColumns, fitDesign, type LinearDesign, solve } from './linear-design.js';

/** A fitted ridge regression: how to expand a row, and the weights. */
export interface RidgeModel extends LinearDesign {
  /** Intercept first. */
  readonly weights: Float64Array;
}

/** Solves (XᵀX + λ·n·I) w = Xᵀy on the standardized design; `categorical[f]` marks category inputs. */
export function trainRidge(x: Matrix, y: ArrayLike<number>, categorical: readonly boolean[], lambda = 1e-3): RidgeModel {
  const fitted = fitDesign(x, categorical);
  const design = designColumns(fitted, x);
  const k = design.length + 1;
  const gram = Array.from({ length: k }, () => new Float64Array(k));
  const moment = new Float64Array(k);
  const row = new Float64Array(k);
  row[0] = 1;
  for (let i = 0; i < x.rows; i++) {
    for (let j = 0; j < design.length; j++) row[j + 1] = design[j][i];
    for (let a = 0; a < k; a++) {
      moment[a] += row[a] * y[i];
      for (let b = a; b < k; b++) gram[a][b] += row[a] * row[b];
    }
  }
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < a; b++) gram[a][b] = gram[b][a];
    if (a > 0) gram[a][a] += lambda * x.rows;
  }
  return { ...fitted, weights: solve(gram, moment) };
}

/** The baseline's predictions for each row of `x`. */
export function predictRidge(model: RidgeModel, x: Matrix): Float64Array {
  const design = designColumns(model, x);
  const out = new Float64Array(x.rows);
  for (let i = 0; i < x.rows; i++) {
    let value = model.weights[0];
    for (let j = 0; j < design.length; j++) value += model.weights[j + 1] * design[j][i];
    out[i] = value;
  }
  return out;
}

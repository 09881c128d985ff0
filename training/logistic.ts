/**
 * The baseline: L2-regularized logistic regression fitted by Newton's method (IRLS) on
 * standardized features, with categorical inputs one-hot encoded. Deterministic, no seed needed.
 */
import type { Matrix } from './gbdt.js';

/** A fitted baseline: how to expand a row, and the weights. */
export interface LogisticModel {
  /** Per input: `null` for a numeric column, or the category codes it is one-hot over. */
  readonly expansion: readonly (readonly number[] | null)[];
  readonly mean: Float64Array;
  readonly scale: Float64Array;
  /** Intercept first. */
  readonly weights: Float64Array;
}

/** Fits the baseline; `categorical[f]` marks inputs whose codes are categories. */
export function trainLogistic(x: Matrix, y: Uint8Array, categorical: readonly boolean[], lambda = 1e-3, iterations = 25): LogisticModel {
  const expansion = x.columns.map((column, f) => (categorical[f] ? [...new Set(column)].sort((a, b) => a - b) : null));
  const design = expand(x, expansion);
  const width = design.length;
  const mean = new Float64Array(width);
  const scale = new Float64Array(width).fill(1);
  for (let j = 0; j < width; j++) {
    let sum = 0;
    for (const v of design[j]) sum += v;
    mean[j] = sum / x.rows;
    let sq = 0;
    for (const v of design[j]) sq += (v - mean[j]) ** 2;
    scale[j] = Math.sqrt(sq / x.rows) || 1;
    for (let i = 0; i < x.rows; i++) design[j][i] = (design[j][i] - mean[j]) / scale[j];
  }
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
  return { expansion, mean, scale, weights };
}

/** Probabilities of the positive class. */
export function predictLogistic(model: LogisticModel, x: Matrix): Float64Array {
  const design = expand(x, model.expansion);
  const out = new Float64Array(x.rows);
  for (let i = 0; i < x.rows; i++) {
    let z = model.weights[0];
    for (let j = 0; j < design.length; j++) z += model.weights[j + 1] * ((design[j][i] - model.mean[j]) / model.scale[j]);
    out[i] = 1 / (1 + Math.exp(-z));
  }
  return out;
}

function expand(x: Matrix, expansion: readonly (readonly number[] | null)[]): Float64Array[] {
  const columns: Float64Array[] = [];
  x.columns.forEach((column, f) => {
    const categories = expansion[f];
    if (categories === null) {
      columns.push(Float64Array.from(column));
      return;
    }
    // One column per category but the first (the reference level).
    for (const category of categories.slice(1)) columns.push(Float64Array.from(column, (v) => (v === category ? 1 : 0)));
  });
  return columns;
}

/** Solves `a · x = b` by Gaussian elimination with partial pivoting (a is small and dense). */
function solve(a: Float64Array[], b: Float64Array): Float64Array {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) pivot = r;
    [m[col], m[pivot]] = [m[pivot], m[col]];
    const d = m[col][col] || 1e-12;
    for (let r = col + 1; r < n; r++) {
      const factor = m[r][col] / d;
      for (let c = col; c <= n; c++) m[r][c] -= factor * m[col][c];
    }
  }
  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let sum = m[r][n];
    for (let c = r + 1; c < n; c++) sum -= m[r][c] * x[c];
    x[r] = sum / (m[r][r] || 1e-12);
  }
  return x;
}

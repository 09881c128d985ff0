/**
 * The design matrix the linear baselines (logistic for classification, ridge for regression) share:
 * categorical inputs one-hot encoded against their first level, every column standardized, and a
 * small dense solver for their normal equations.
 */
import type { Matrix } from './gbdt.js';

/** How rows are expanded and standardized; fitted on the training rows, applied to any rows. */
export interface LinearDesign {
  /** Per input: `null` for a numeric column, or the category codes it is one-hot over. */
  readonly expansion: readonly (readonly number[] | null)[];
  readonly mean: Float64Array;
  readonly scale: Float64Array;
}

/** Fits the expansion and standardization on `x`; `categorical[f]` marks inputs whose codes are categories. */
export function fitDesign(x: Matrix, categorical: readonly boolean[]): LinearDesign {
  const expansion = x.columns.map((column, f) => (categorical[f] ? [...new Set(column)].sort((a, b) => a - b) : null));
  const design = expand(x, expansion);
  const mean = new Float64Array(design.length);
  const scale = new Float64Array(design.length).fill(1);
  design.forEach((column, j) => {
    let sum = 0;
    for (const v of column) sum += v;
    mean[j] = sum / x.rows;
    let sq = 0;
    for (const v of column) sq += (v - mean[j]) ** 2;
    scale[j] = Math.sqrt(sq / x.rows) || 1;
  });
  return { expansion, mean, scale };
}

/** The standardized design columns of `x`. */
export function designColumns(design: LinearDesign, x: Matrix): Float64Array[] {
  const columns = expand(x, design.expansion);
  columns.forEach((column, j) => {
    for (let i = 0; i < column.length; i++) column[i] = (column[i] - design.mean[j]) / design.scale[j];
  });
  return columns;
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
export function solve(a: Float64Array[], b: Float64Array): Float64Array {
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

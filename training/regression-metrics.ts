/** Evaluation of a regressor: RMSE, MAE and R² (the share of the labels' variance the predictions explain). */

/** The metrics written into model cards and training results for `task: regression`. */
export interface RegressionMetrics {
  readonly rmse: number;
  readonly mae: number;
  readonly r2: number;
}

/**
 * RMSE, MAE and R² of `predictions` against `labels`. R² is 1 − SSE/SST against the labels' own
 * mean, so a constant prediction of that mean scores 0 and a worse one below 0; with fewer than two
 * rows or constant labels SST is 0 and R² is reported as 0 (nothing to explain), since a result
 * must hold finite numbers.
 */
export function regressionMetrics(predictions: ArrayLike<number>, labels: ArrayLike<number>): RegressionMetrics {
  const n = labels.length;
  if (n === 0) return { rmse: 0, mae: 0, r2: 0 };
  let mean = 0;
  for (let i = 0; i < n; i++) mean += labels[i];
  mean /= n;
  let squared = 0;
  let absolute = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const error = predictions[i] - labels[i];
    squared += error * error;
    absolute += Math.abs(error);
    total += (labels[i] - mean) ** 2;
  }
  return { rmse: Math.sqrt(squared / n), mae: absolute / n, r2: total === 0 ? 0 : 1 - squared / total };
}

/**
 * What each model task measures: the offline metrics training reports for it, which way each
 * metric improves, and the canary checks that only make sense for one task. The trainer writes
 * these names and the loader refuses policies that gate a card on another task's metrics, so the
 * two cannot drift apart.
 */
import type { MODEL_TASKS } from './schemas/model-card.js';

/** What a model predicts (the ModelCard's `task`). */
export type ModelTask = (typeof MODEL_TASKS)[number];

/** The holdout metrics training reports per task; the baseline's carry a `baseline_` prefix. */
export const TASK_METRICS = {
  'binary-classification': ['auc', 'f1', 'precision', 'recall'],
  regression: ['rmse', 'mae', 'r2'],
} as const satisfies Record<ModelTask, readonly string[]>;

/** Metrics where a smaller value is better; every other metric improves upwards. */
export const LOWER_IS_BETTER: ReadonlySet<string> = new Set(['rmse', 'mae']);

/** Canary checks (RolloutPolicy `analysis.checks[].metric`) that exist for one task only. */
export const TASK_ROLLOUT_CHECKS: Readonly<Record<string, ModelTask>> = { 'f1-drop': 'binary-classification' };

/** The prefix of a baseline's metrics in training results and cards (`baseline_auc`). */
export const BASELINE_PREFIX = 'baseline_';

/**
 * The task a metric name belongs to, or null for a name no task owns (a fairness gap, a metric a
 * pipeline outside Slipway measured), which any card may use.
 */
export function taskOfMetric(metric: string): ModelTask | null {
  const name = metric.startsWith(BASELINE_PREFIX) ? metric.slice(BASELINE_PREFIX.length) : metric;
  for (const [task, names] of Object.entries(TASK_METRICS) as [ModelTask, readonly string[]][]) {
    if (names.includes(name)) return task;
  }
  return null;
}

/** True when a smaller value of `metric` (or of its baseline's) is better. */
export function isLowerBetter(metric: string): boolean {
  return LOWER_IS_BETTER.has(metric.startsWith(BASELINE_PREFIX) ? metric.slice(BASELINE_PREFIX.length) : metric);
}
